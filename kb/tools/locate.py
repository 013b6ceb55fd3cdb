"""Where does a quotation come from?  Exact matches first, then near ones, never noise.

A quoted phrase is compared with every searchable clause after *folding* both:
NFKC (full-width digits and letters become ASCII), case folding, whitespace
dropped (the PDF text has "到 2025 年") and every quote mark made one.  Each
folded character remembers where it came from, so a match is reported as a
span of the clause's original text.

A quotation that is not verbatim (punctuation changed, a character or two
misremembered) is matched with rapidfuzz's ``partial_ratio`` on the folded text
with punctuation also removed.  ``partial_ratio`` scores the best window of the
clause against the phrase (0–100; an exact quote scores 100, one changed
character in a 20-character phrase about 95, in a 10-character phrase 90).

The threshold was chosen by measuring on the plan in corpus/ (212 clauses):

* phrases cut from the text score 100; with one character changed, 20-character
  phrases scored 92.9–100 (median 94.4), 15-character ones 90.0–100, 30-character
  ones ≥ 95.8;
* 40 invented sentences in the plan's own language that are not in it (18–29
  characters, e.g. "到2025年，全市空气质量优良天数比率达到95%以上。") scored
  26–68 against their best window (median 41); invented 4–8 character phrases
  scored 25–80.

For the same one-character misquotations (12–50 characters) the reported span
is exactly the quoted stretch of the clause in 295 of 297 cases (the two others:
a quote starting on a decimal point, and one matched in a clause that repeats
the sentence with other punctuation).

``NEAR_THRESHOLD`` = 90 sits between the two: a phrase that is not in the corpus
returns nothing rather than the nearest noise, while a misquotation of ten or
more characters with one slip is still found.  Phrases shorter than
``MIN_FUZZY_CHARS`` must match exactly (and in practice phrases under ten
characters do too, since one changed character already costs more than 10).
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from rapidfuzz import fuzz
from rapidfuzz.distance import Levenshtein

from kb.document import Node
from kb.errors import QueryError

__all__ = ["CONTEXT_CHARS", "MIN_FUZZY_CHARS", "NEAR_THRESHOLD", "Match", "fold", "locate"]

#: Least rapidfuzz partial_ratio (0–100) for a near match; measured, see the module docstring.
NEAR_THRESHOLD = 90.0
#: Phrases with fewer folded, punctuation-free characters than this must match exactly.
MIN_FUZZY_CHARS = 4
#: Characters of original text shown on each side of a match in ``context``.
CONTEXT_CHARS = 24
#: Longest phrase accepted; longer input is a paste of a whole section, not a quotation.
MAX_PHRASE_CHARS = 2000
#: How far (in characters) a near match's window may be widened or narrowed to fit the phrase.
_REFINE = 3

_QUOTES = frozenset("“”„‟\"'‘’‛‚「」『』〝〞〟＂＇`´")
_KEEP_SYMBOLS = frozenset("%‰")


@dataclass(frozen=True)
class Folded:
    """Folded text and, for each of its characters, the index of the original character."""

    text: str
    origin: tuple[int, ...]

    def span(self, start: int, end: int) -> tuple[int, int]:
        """Original (start, end) of the folded slice [start, end)."""
        return self.origin[start], self.origin[end - 1] + 1


@dataclass(frozen=True)
class Match:
    """One clause a phrase was found in: where, how well, and whether verbatim."""

    node: Node
    score: float
    #: (start, end) of the matched text in ``node.text``.
    span: tuple[int, int]
    exact: bool

    @property
    def matched(self) -> str:
        return self.node.text[self.span[0]: self.span[1]]

    @property
    def context(self) -> str:
        """The match marked 【…】 with up to CONTEXT_CHARS characters either side, on one line."""
        text, (a, b) = self.node.text, self.span
        lead = text[max(0, a - CONTEXT_CHARS): a]
        tail = text[b: b + CONTEXT_CHARS]
        out = ("…" if a > CONTEXT_CHARS else "") + lead + "【" + text[a:b] + "】" + tail
        out += "…" if b + CONTEXT_CHARS < len(text) else ""
        return re.sub(r"\s+", " ", out).strip()

    def to_dict(self) -> dict:
        n = self.node
        return {
            "id": n.id,
            "citation": n.citation,
            "page": n.page,
            "score": round(self.score, 1),
            "text": n.text,
            "span": list(self.span),
            "doc": n.doc,
            "exact": self.exact,
            "context": self.context,
        }


# ---------------------------------------------------------------------------
# Folding
# ---------------------------------------------------------------------------


def _is_punct(text: str, i: int) -> bool:
    """Punctuation to ignore in near matches; a decimal point between digits is part of a number."""
    c = text[i]
    if c in _KEEP_SYMBOLS or not unicodedata.category(c).startswith("P"):
        return False
    decimal_point = c == "." and 0 < i < len(text) - 1 and text[i - 1].isdigit() and text[i + 1].isdigit()
    return not decimal_point


@functools.lru_cache(maxsize=8192)
def fold(text: str, strip_punct: bool = False) -> Folded:
    """NFKC + casefold, no whitespace, one quote mark; optionally no punctuation either."""
    chars: list[str] = []
    origin: list[int] = []
    for i, ch in enumerate(text):
        for c in unicodedata.normalize("NFKC", ch).casefold():
            if c.isspace():
                continue
            chars.append('"' if c in _QUOTES else c)
            origin.append(i)
    folded = Folded("".join(chars), tuple(origin))
    if not strip_punct:
        return folded
    keep = [i for i in range(len(folded.text)) if not _is_punct(folded.text, i)]
    return Folded("".join(folded.text[i] for i in keep), tuple(folded.origin[i] for i in keep))


# ---------------------------------------------------------------------------
# Matching
# ---------------------------------------------------------------------------


def _exact(node: Node, phrase: str) -> Match | None:
    folded = fold(node.text)
    i = folded.text.find(phrase)
    if i < 0:
        return None
    return Match(node, 100.0, folded.span(i, i + len(phrase)), True)


def _refine(phrase: str, text: str, start: int, end: int) -> tuple[float, int, int]:
    """Widen or narrow partial_ratio's window a little so that it covers exactly the quoted text.

    The window with the fewest edits (Levenshtein: a changed character costs one,
    at the edge as inside) wins, then the one closest to the phrase's length, so a
    quote whose first or last character is wrong still spans that character.
    """
    best: tuple[int, int, int, int] | None = None
    for a in range(max(0, start - _REFINE), min(len(text), start + _REFINE) + 1):
        for b in range(max(a + 1, end - _REFINE), min(len(text), end + _REFINE) + 1):
            key = (Levenshtein.distance(phrase, text[a:b]), abs((b - a) - len(phrase)), a, b)
            if best is None or key[:2] < best[:2]:
                best = key
    assert best is not None
    a, b = best[2], best[3]
    return fuzz.ratio(phrase, text[a:b]), a, b


def _edge_punct(phrase: str) -> tuple[int, int]:
    """How many punctuation marks the folded phrase has at its start and at its end."""
    n = len(phrase)
    lead = next((i for i in range(n) if not _is_punct(phrase, i)), n)
    tail = next((i for i in range(n) if not _is_punct(phrase, n - 1 - i)), n)
    return lead, tail


def _widen(text: str, a: int, b: int, lead: int, tail: int) -> tuple[int, int]:
    """Take in up to ``lead``/``tail`` punctuation marks of ``text`` around [a, b), as the quote had them."""

    def punct(i: int) -> bool:
        return _is_punct(text, i) or text[i] in _QUOTES

    for _ in range(tail):
        j = b
        while j < len(text) and text[j].isspace():
            j += 1
        if j >= len(text) or not punct(j):
            break
        b = j + 1
    for _ in range(lead):
        j = a - 1
        while j >= 0 and text[j].isspace():
            j -= 1
        if j < 0 or not punct(j):
            break
        a = j
    return a, b


def _near(node: Node, phrase: str, edges: tuple[int, int], threshold: float) -> Match | None:
    folded = fold(node.text, strip_punct=True)
    text = folded.text
    if not text:
        return None
    if len(text) < len(phrase):  # the clause is shorter than the quote: compare whole strings
        score = fuzz.ratio(phrase, text)
        return Match(node, score, folded.span(0, len(text)), False) if score >= threshold else None
    al = fuzz.partial_ratio_alignment(phrase, text, score_cutoff=threshold)
    if al is None or al.dest_end <= al.dest_start:
        return None
    score, a, b = _refine(phrase, text, al.dest_start, al.dest_end)
    span = _widen(node.text, *folded.span(a, b), *edges)
    return Match(node, max(score, al.score), span, False)


def locate(
    leaves: Sequence[Node], phrase: str, limit: int = 10, threshold: float = NEAR_THRESHOLD
) -> list[Match]:
    """The clauses a quoted phrase comes from, best first: exact matches, then near ones.

    One match per clause.  Exact matches (after folding) come first in document
    order with score 100; near matches follow by score.  A phrase found nowhere
    returns ``[]``.  Raises QueryError for an empty or oversized phrase.
    """
    exact_phrase = fold(phrase).text
    if not exact_phrase:
        raise QueryError("the phrase to locate is empty")
    if len(exact_phrase) > MAX_PHRASE_CHARS:
        raise QueryError(f"the phrase is too long ({len(exact_phrase)} characters; at most {MAX_PHRASE_CHARS})")
    found: list[Match] = []
    rest: list[Node] = []
    for node in leaves:
        m = _exact(node, exact_phrase) if node.text else None
        if m:
            found.append(m)
        elif node.text:
            rest.append(node)
    loose = fold(phrase, strip_punct=True).text
    if len(loose) >= MIN_FUZZY_CHARS:
        edges = _edge_punct(exact_phrase)
        near = [m for node in rest if (m := _near(node, loose, edges, threshold))]
        found += sorted(near, key=lambda m: -m.score)  # stable: document order among equals
    return found[: max(0, limit)]
