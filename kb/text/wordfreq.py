"""jieba's word → frequency table (its ``FREQ``), kept as a memory-mapped trie.

``jieba.initialize`` unmarshals about 500,000 words and prefixes into a dict: 0.4–0.9 s of every
cold ``kb search`` or ``kb ask`` and some 60 MB of every process, although a query cuts a few
dozen characters.  Here the same table is a MARISA trie (``marisa-trie``), made once per
dictionary file under kb's home and memory-mapped after that.  Lookups give what the dict
gives; words a tokenizer adds (``add_word``: the corpus's terms) go to a small dict in front,
one per tokenizer, over the shared trie.

Cutting is slower per character than with the dict (about 2.5×), so a build, which cuts the
whole corpus, keeps jieba's own dict; a loaded index, which cuts questions and a few passages,
uses this table (kb.text.tokenize).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path

import marisa_trie

from kb.text.cachedir import load_or_make, save_atomically, stamp

#: Bumped when the files' layout changes, so an old cache is never read as a new one.
FORMAT = 1
_TRIE = "freq.marisa"
_META = "freq.json"


class FreqTable:
    """A mapping of words (and word prefixes, at 0) to counts, with jieba's ``total`` beside it.

    jieba's Tokenizer reads ``FREQ`` with ``in``, ``[]`` and ``get`` and writes it in ``add_word``;
    each of those works here, the writes landing in ``extra``.
    """

    def __init__(self, trie: marisa_trie.RecordTrie, total: int, extra: dict[str, int] | None = None):
        self.trie = trie
        self.total = total
        self.extra: dict[str, int] = dict(extra or {})

    @classmethod
    def from_items(cls, items: Iterable[tuple[str, int]], total: int) -> FreqTable:
        return cls(marisa_trie.RecordTrie("<I", ((w, (int(f),)) for w, f in items)), total)

    def child(self) -> FreqTable:
        """A table for one more tokenizer: the same trie, its own words in front."""
        return FreqTable(self.trie, self.total, self.extra)

    def get(self, word: str, default: int | None = None) -> int | None:
        if word in self.extra:
            return self.extra[word]
        found = self.trie.get(word)
        return found[0][0] if found else default

    def __getitem__(self, word: str) -> int:
        got = self.get(word)
        if got is None:
            raise KeyError(word)
        return got

    def __contains__(self, word: object) -> bool:
        return isinstance(word, str) and (word in self.extra or word in self.trie)

    def __setitem__(self, word: str, freq: int) -> None:
        self.extra[word] = freq

    def __len__(self) -> int:
        return len(self.trie) + sum(w not in self.trie for w in self.extra)

    def __iter__(self) -> Iterator[str]:
        yield from self.trie.keys()
        yield from (w for w in self.extra if w not in self.trie)

    # -- files

    def save(self, folder: Path) -> None:
        """Write to ``folder`` atomically (the trie, and ``total`` with the format)."""

        def write(work: Path) -> None:
            self.trie.save(str(work / _TRIE))
            meta = {"format": FORMAT, "total": self.total, "words": len(self.trie)}
            (work / _META).write_text(json.dumps(meta), encoding="utf-8")

        save_atomically(Path(folder), write)

    @classmethod
    def load(cls, folder: Path) -> FreqTable:
        """Memory-map a saved table; ValueError if its files are missing, damaged or of another format."""
        folder = Path(folder)
        try:
            meta = json.loads((folder / _META).read_text(encoding="utf-8"))
            trie = marisa_trie.RecordTrie("<I")
            trie.mmap(str(folder / _TRIE))
        except (OSError, ValueError, RuntimeError) as exc:
            raise ValueError(f"{folder}: unreadable word table ({exc})") from None
        if not isinstance(meta, dict) or meta.get("format") != FORMAT or not isinstance(meta.get("total"), int):
            raise ValueError(f"{folder}: word table of another format")
        if meta.get("words") != len(trie):
            raise ValueError(f"{folder}: word table holds {len(trie)} words, its header says {meta.get('words')}")
        return cls(trie, meta["total"])


_LOCK = threading.Lock()
_TABLES: dict[Path, FreqTable] = {}


def table_for(dictionary: Path, home: Path | None, full: Callable[[], tuple[Mapping[str, int], int]]) -> FreqTable:
    """The word table of a jieba dictionary file: from kb's cache under ``home``, made there if missing.

    ``full`` gives jieba's own ``(FREQ, total)`` for that file; it is called only to make the table.
    An unwritable ``home`` only means the table is made in memory, from ``full``, each time.
    """
    dictionary = Path(dictionary).resolve()
    with _LOCK:
        if dictionary in _TABLES:
            return _TABLES[dictionary]
        folder = Path(home) / "jieba" / f"freq-{stamp(dictionary, FORMAT)}" if home else None

        def make() -> FreqTable:
            freq, total = full()
            return FreqTable.from_items(freq.items(), total)

        table = load_or_make(folder, FreqTable.load, make)
        _TABLES[dictionary] = table
        return table
