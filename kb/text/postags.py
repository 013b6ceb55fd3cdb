"""jieba's word → part-of-speech table, kept compact and memory-mapped.

``import jieba.posseg`` reads all of jieba's ``dict.txt`` into a dict of about 350,000 words:
about 0.5 s of a cold ``kb ask`` and 40 MB of every process that tags, although the gate
tags only a few short texts per question.  Here the same table is two sorted arrays (each
word's 64-bit BLAKE2 digest, and a code for its tag), made once per dictionary file under
kb's home and memory-mapped after that.  A lookup gives what the dict gives, including the
last entry winning for a word listed twice.
"""

from __future__ import annotations

import hashlib
import io
import json
import threading
from collections.abc import Iterable
from pathlib import Path

import numpy as np

from kb.text.cachedir import load_or_make, save_atomically, stamp

#: Bumped when the files' layout changes, so an old cache is never read as a new one.
FORMAT = 1


def digest(word: str) -> int:
    """A stable 64-bit key for a word (Python's own ``hash`` changes from process to process)."""
    return int.from_bytes(hashlib.blake2b(word.encode("utf-8"), digest_size=8).digest(), "little")


class TagTable:
    """A read-only mapping of words to tags with the two methods jieba.posseg calls (``get``, ``update``).

    Words tagged after loading (``jieba.posseg.add_word``) go to a small dict in front.
    """

    def __init__(self, keys: np.ndarray, codes: np.ndarray, tags: list[str]):
        if keys.shape != codes.shape:
            raise ValueError("a tag table needs one code per key")
        self.keys, self.codes, self.tags = keys, codes, tags
        self.extra: dict[str, str] = {}

    @classmethod
    def from_lines(cls, lines: Iterable[str]) -> TagTable:
        """From ``word freq tag`` lines, as jieba.posseg reads them (blank lines skipped)."""
        words_keys: list[int] = []
        tag_names: list[str] = []
        for line in lines:
            line = line.strip()
            if not line:
                continue
            word, _, tag = line.split(" ")
            words_keys.append(digest(word))
            tag_names.append(tag)
        tags = sorted(set(tag_names))
        code_of = {t: i for i, t in enumerate(tags)}
        keys = np.array(words_keys, dtype=np.uint64)
        codes = np.array([code_of[t] for t in tag_names], dtype=np.uint16)
        # The last entry for a word wins, as in a dict: unique over the reversed order keeps the last.
        uniq, first = np.unique(keys[::-1], return_index=True)
        return cls(uniq, codes[::-1][first], tags)

    def get(self, word: str, default: str | None = None) -> str | None:
        if self.extra and word in self.extra:
            return self.extra[word]
        key = np.uint64(digest(word))
        i = int(np.searchsorted(self.keys, key))
        if i < len(self.keys) and self.keys[i] == key:
            return self.tags[int(self.codes[i])]
        return default

    def __getitem__(self, word: str) -> str:
        tag = self.get(word)
        if tag is None:
            raise KeyError(word)
        return tag

    def __contains__(self, word: object) -> bool:
        return isinstance(word, str) and self.get(word) is not None

    def __setitem__(self, word: str, tag: str) -> None:
        self.extra[word] = tag

    def update(self, other: dict[str, str]) -> None:
        self.extra.update(other)

    def __len__(self) -> int:
        return len(self.keys) + len(self.extra)

    # -- files

    def save(self, folder: Path) -> None:
        """Write to ``folder`` atomically: a reader sees the whole table or none."""

        def write(work: Path) -> None:
            np.save(work / "keys.npy", self.keys)
            np.save(work / "codes.npy", self.codes)
            (work / "tags.json").write_text(json.dumps({"format": FORMAT, "tags": self.tags}), encoding="utf-8")

        save_atomically(Path(folder), write)

    @classmethod
    def load(cls, folder: Path) -> TagTable:
        """Memory-map a saved table; ValueError if its files are missing, damaged or of another format."""
        folder = Path(folder)
        try:
            meta = json.loads((folder / "tags.json").read_text(encoding="utf-8"))
            keys = np.load(folder / "keys.npy", mmap_mode="r", allow_pickle=False)
            codes = np.load(folder / "codes.npy", mmap_mode="r", allow_pickle=False)
        except (OSError, ValueError) as exc:
            raise ValueError(f"{folder}: unreadable tag table ({exc})") from None
        tags = meta.get("tags") if isinstance(meta, dict) else None
        if meta.get("format") != FORMAT or not isinstance(tags, list):
            raise ValueError(f"{folder}: tag table of another format")
        if keys.dtype != np.uint64 or keys.ndim != 1 or codes.shape != keys.shape:
            raise ValueError(f"{folder}: tag table arrays do not match")
        if len(codes) and int(np.max(codes)) >= len(tags):
            raise ValueError(f"{folder}: tag codes outside the tag list")
        return cls(keys, codes, tags)


_LOCK = threading.Lock()
_TABLES: dict[Path, TagTable] = {}


def table_for(dictionary: Path, home: Path | None) -> TagTable:
    """The tag table of a jieba dictionary file: from kb's cache under ``home``, made there if missing.

    The cache is keyed by the file's size and modification time; an unwritable ``home`` only
    means the table is made in memory each time.
    """
    dictionary = Path(dictionary).resolve()
    with _LOCK:
        if dictionary in _TABLES:
            return _TABLES[dictionary]
        folder = Path(home) / "jieba" / f"tags-{stamp(dictionary, FORMAT)}" if home else None

        def make() -> TagTable:
            with dictionary.open("rb") as fh:
                return TagTable.from_lines(line.decode("utf-8") for line in fh)

        table = load_or_make(folder, TagTable.load, make)
        _TABLES[dictionary] = table
        return table


def import_posseg(table: TagTable):
    """``jieba.posseg`` with ``table`` as its default tagger's table, without its dict-building import.

    The module builds its default tagger at import, which reads the whole dictionary; the
    dictionary it reads is emptied for that moment, then the compact table is put in its
    place, so ``jieba.posseg.lcut`` anywhere in the process tags exactly as before.
    """
    import sys

    import jieba

    with _LOCK:
        if "jieba.posseg" not in sys.modules:
            jieba.dt.get_dict_file = lambda: io.BytesIO(b"")
            try:
                import jieba.posseg  # noqa: F401
            finally:
                del jieba.dt.get_dict_file
            sys.modules["jieba.posseg"].dt.word_tag_tab = table
    return sys.modules["jieba.posseg"]
