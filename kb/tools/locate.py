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

A near match says what differs: :attr:`Match.segments` aligns the quote with the
matched source character by character (rapidfuzz's Levenshtein opcodes, on text
with whitespace dropped), and :attr:`Match.numbers` names every number the two
disagree on ("95%" quoted, "92%" in the plan), since an auditor cares most about those.

Table rows are matched twice: as their text (``header：value；…``) and as their
cells in the order the table prints them, which is what a copied row looks like.

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
from kb.text.notation import display

__all__ = ["CONTEXT_CHARS", "MIN_FUZZY_CHARS", "NEAR_THRESHOLD", "Match", "differences", "fold", "locate",
           "number_changes", "row_text"]

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
#: A number as a reader compares it: digits, a decimal part, a percent or permille sign.
_NUMBER = re.compile(r"\d+(?:\.\d+)?[%‰]?")
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
    #: (start, end) of the matched text in :attr:`source_text`.
    span: tuple[int, int]
    exact: bool
    #: The phrase as it was quoted.
    quote: str = ""
    #: The text ``span`` points into when it is not ``node.text`` (a table row's cells, see row_text).
    text: str = ""

    @property
    def source_text(self) -> str:
        return self.text or self.node.text

    @property
    def matched(self) -> str:
        return self.source_text[self.span[0]: self.span[1]]

    @property
    def context(self) -> str:
        """The match marked 【…】 with up to CONTEXT_CHARS characters either side, on one line."""
        text, (a, b) = self.source_text, self.span
        lead = text[max(0, a - CONTEXT_CHARS): a]
        tail = text[b: b + CONTEXT_CHARS]
        out = ("…" if a > CONTEXT_CHARS else "") + lead + "【" + text[a:b] + "】" + tail
        out += "…" if b + CONTEXT_CHARS < len(text) else ""
        return re.sub(r"\s+", " ", out).strip()

    @property
    def segments(self) -> list[tuple[str, str, str]]:
        """(tag, quoted piece, source piece) from quote to match; tags equal/replace/delete/insert. [] if exact."""
        if self.exact or not self.quote:
            return []
        return differences(self.quote, self.matched)

    @property
    def numbers(self) -> list[tuple[str, str]]:
        """(as quoted, as in the plan) for every number the quote gets wrong; "" where one side has none."""
        return number_changes(self.segments)

    def to_dict(self) -> dict:
        n = self.node
        return {
            "id": n.id,
            "citation": n.citation,
            "page": n.page,
            "score": round(self.score, 1),
            "text": self.source_text,
            "span": list(self.span),
            "doc": n.doc,
            "exact": self.exact,
            "context": self.context,
            "numbers": [list(p) for p in self.numbers],
        }


def row_text(node: Node) -> str:
    """A table row's cells in table order, as a row copied from the table reads ('1 城镇污水处理率 95.92 ≥96')."""
    return " ".join(v for _, v in node.columns if v)


# ---------------------------------------------------------------------------
# What differs
# ---------------------------------------------------------------------------


def _keyed(text: str) -> tuple[str, str]:
    """(shown, compared), one character for one: the text as displayed (PM₂.₅, not PM_{2.5}) without
    whitespace, and each character folded (NFKC, case, quote marks) for comparing."""
    shown, keys = [], []
    for ch in display(text):
        if ch.isspace():
            continue
        shown.append(ch)
        k = unicodedata.normalize("NFKC", ch).casefold()
        keys.append('"' if ch in _QUOTES else k[0] if k else ch)
    return "".join(shown), "".join(keys)


def differences(quote: str, source: str) -> list[tuple[str, str, str]]:
    """The quote aligned with the source character by character: (tag, quoted piece, source piece) runs.

    Whitespace is ignored (the PDF text has "到 2025 年"), so are case, the kind of
    quote mark, full- or half-width forms and notation (PM_{2.5} is PM2.5); everything else that differs is a replace, delete (only in the quote)
    or insert (only in the source) run.
    """
    q_shown, q_key = _keyed(quote)
    s_shown, s_key = _keyed(source)
    out: list[tuple[str, str, str]] = []
    for op in Levenshtein.opcodes(q_key, s_key):
        piece = (op.tag, q_shown[op.src_start: op.src_end], s_shown[op.dest_start: op.dest_end])
        if out and out[-1][0] == op.tag:
            tag, q, s = out[-1]
            out[-1] = (tag, q + piece[1], s + piece[2])
        elif out and op.tag != "equal" and out[-1][0] != "equal":  # replace next to insert: one change
            _, q, s = out[-1]
            out[-1] = ("replace", q + piece[1], s + piece[2])
        else:
            out.append(piece)
    return out


def _touched(text: str, start: int, end: int) -> list[str]:
    """The numbers in ``text`` that the change at [start, end) falls in or touches."""
    hits = []
    for m in _NUMBER.finditer(text):
        inside = m.start() < end and m.end() > start if end > start else m.start() < start <= m.end()
        if inside:
            hits.append(m.group())
    return hits


def number_changes(segments: Sequence[tuple[str, str, str]]) -> list[tuple[str, str]]:
    """(quoted, original) for each number a change falls in: the auditor's "原文为 92%"."""
    quote = "".join(q for _, q, _ in segments)
    source = "".join(s for _, _, s in segments)
    qi = si = 0
    out: list[tuple[str, str]] = []
    for tag, q, s in segments:
        if tag != "equal":
            qs, ss = _touched(quote, qi, qi + len(q)), _touched(source, si, si + len(s))
            for i in range(max(len(qs), len(ss))):
                pair = (qs[i] if i < len(qs) else "", ss[i] if i < len(ss) else "")
                if pair[0] != pair[1] and pair not in out and (pair[0] or pair[1]):
                    out.append(pair)
        qi += len(q)
        si += len(s)
    return out


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


def _texts(node: Node) -> list[str]:
    """What a quote of this node may look like: its text, and for a table row its cells in a line."""
    texts = [node.text]
    if node.kind == "row" and node.columns:
        cells = row_text(node)
        if cells and cells != node.text:
            texts.append(cells)
    return texts


def _exact(node: Node, phrase: str, text: str) -> Match | None:
    folded = fold(text)
    i = folded.text.find(phrase)
    if i < 0:
        return None
    return Match(node, 100.0, folded.span(i, i + len(phrase)), True, text="" if text == node.text else text)


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


def _near(node: Node, phrase: str, edges: tuple[int, int], threshold: float, source: str,
          quote: str) -> Match | None:
    folded = fold(source, strip_punct=True)
    text = folded.text
    own = "" if source == node.text else source
    if not text:
        return None
    if len(text) < len(phrase):  # the clause is shorter than the quote: compare whole strings
        score = fuzz.ratio(phrase, text)
        return Match(node, score, folded.span(0, len(text)), False, quote, own) if score >= threshold else None
    al = fuzz.partial_ratio_alignment(phrase, text, score_cutoff=threshold)
    if al is None or al.dest_end <= al.dest_start:
        return None
    score, a, b = _refine(phrase, text, al.dest_start, al.dest_end)
    span = _widen(source, *folded.span(a, b), *edges)
    return Match(node, max(score, al.score), span, False, quote, own)


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
        if not node.text:
            continue
        m = next((m for t in _texts(node) if (m := _exact(node, exact_phrase, t))), None)
        if m:
            found.append(m)
        else:
            rest.append(node)
    loose = fold(phrase, strip_punct=True).text
    if len(loose) >= MIN_FUZZY_CHARS:
        edges = _edge_punct(exact_phrase)
        near = []
        for node in rest:
            tries = [m for t in _texts(node) if (m := _near(node, loose, edges, threshold, t, phrase.strip()))]
            if tries:
                near.append(max(tries, key=lambda m: m.score))
        found += sorted(near, key=lambda m: -m.score)  # stable: document order among equals
    return found[: max(0, limit)]
