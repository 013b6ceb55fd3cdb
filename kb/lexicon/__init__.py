"""Vocabularies as data: the word lists the text rules need, one plain UTF-8 file each.

Code holds grammar (suffixes, numbers, brackets); the words a rule looks for —
department stems, stopwords, question cue words, owner lead words — live in
``kb/lexicon/data/<name>.txt``, one entry per line, ``#`` starting a comment.
A list can then be reviewed, or extended for another kind of plan, without
touching a regex.  Each file is read once per process (``importlib.resources``,
so it works from a wheel too).
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from importlib import resources

from kb.errors import KBError

__all__ = ["Lexicon", "LexiconError", "lexicon", "names"]

_PACKAGE = "kb.lexicon"
_FOLDER = "data"
_SUFFIX = ".txt"


class LexiconError(KBError):
    """A vocabulary file is missing or unreadable."""


@dataclass(frozen=True)
class Lexicon:
    """One vocabulary: its name and its entries in file order, without duplicates."""

    name: str
    entries: tuple[str, ...]

    def __contains__(self, word: object) -> bool:
        return word in self.words

    def __iter__(self):
        return iter(self.entries)

    def __len__(self) -> int:
        return len(self.entries)

    @functools.cached_property
    def words(self) -> frozenset[str]:
        """The entries as a set, for membership tests."""
        return frozenset(self.entries)

    def longest_first(self) -> tuple[str, ...]:
        """Entries sorted longest first (stable), so an alternation prefers 生态环境监测 to 生态环境."""
        return tuple(sorted(self.entries, key=len, reverse=True))

    def pattern(self) -> str:
        """A regex alternation ``(?:…|…)`` of the escaped entries, longest first."""
        return "(?:" + "|".join(re.escape(w) for w in self.longest_first()) + ")"

    def to_dict(self) -> dict:
        return {"name": self.name, "entries": list(self.entries)}


def parse(name: str, text: str) -> Lexicon:
    """Entries of a vocabulary file: one per line, blank lines skipped, ``#`` to the end of a line ignored."""
    entries = (line.split("#", 1)[0].strip() for line in text.splitlines())
    return Lexicon(name, tuple(dict.fromkeys(e for e in entries if e)))


@functools.cache
def lexicon(name: str) -> Lexicon:
    """The vocabulary ``name`` (kb/lexicon/data/<name>.txt), loaded once and cached."""
    path = resources.files(_PACKAGE) / _FOLDER / f"{name}{_SUFFIX}"
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        known = ", ".join(names()) or "none"
        raise LexiconError(f"{path}: no such vocabulary {name!r} (known: {known})") from None
    except (OSError, UnicodeDecodeError) as e:
        raise LexiconError(f"{path}: cannot read vocabulary ({e})") from None
    return parse(name, text)


def names() -> tuple[str, ...]:
    """The vocabularies shipped with kb."""
    folder = resources.files(_PACKAGE) / _FOLDER
    return tuple(sorted(p.name[: -len(_SUFFIX)] for p in folder.iterdir() if p.name.endswith(_SUFFIX)))
