"""Query expansion from a domain thesaurus: everyday words → the plan's terms of art.

A resident asks about 臭水沟; the plan says 黑臭水体.  The thesaurus
(kb/lexicon/data/thesaurus.txt) bridges such gaps as data.  The added terms are
searched with a lower weight than the question's own words (see kb.query.search),
so an expansion can lift the clause that uses the plan's term but not outvote a
clause that matches the question itself.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from kb.lexicon import lexicon
from kb.text.notation import search_form

__all__ = ["Expansion", "expand", "thesaurus"]


@functools.cache
def thesaurus() -> dict[str, tuple[str, ...]]:
    """Everyday word (in search form) → plan terms, from kb/lexicon/data/thesaurus.txt."""
    out: dict[str, tuple[str, ...]] = {}
    for line in lexicon("thesaurus"):
        word, sep, terms = line.partition("=")
        word, found = search_form(word.strip()), tuple(search_form(t) for t in terms.split())
        if sep and word and found:
            out[word] = tuple(dict.fromkeys(out.get(word, ()) + found))
    return out


@dataclass(frozen=True)
class Expansion:
    """The everyday words a query contains and the plan terms they add (terms not already in it)."""

    words: tuple[str, ...]
    terms: tuple[str, ...]

    def __bool__(self) -> bool:
        return bool(self.terms)

    def to_dict(self) -> dict:
        return {"words": list(self.words), "terms": list(self.terms)}


def expand(query: str) -> Expansion:
    """Thesaurus words found in the query (longest first, not overlapping) and their terms."""
    q = search_form(query)
    table = thesaurus()
    taken = [False] * len(q)
    words: list[str] = []
    for word in sorted(table, key=len, reverse=True):
        start = q.find(word)
        while start >= 0:
            span = range(start, start + len(word))
            if not any(taken[i] for i in span):
                for i in span:
                    taken[i] = True
                words.append(word)
                break
            start = q.find(word, start + 1)
    terms = [t for w in words for t in table[w] if t not in q]
    return Expansion(tuple(words), tuple(dict.fromkeys(terms)))
