"""Years, deadlines, baselines and the past tense in plan text, each rule defined once.

* **Years** are 19xx/20xx (:data:`YEAR`); a year phrase is 2025年, 2023年底, 2024年6月末.
* **Deadlines** are forward dates only (到2025年, 2022年底前, 2030年前, "十四五"期间/末,
  规划期内).  Baseline dates (截至2020年底) are excluded from :func:`find_deadlines`
  and returned by :func:`find_baseline_dates`; periods before the 14th five-year
  plan ("十三五"期间) are retrospective, not deadlines.
* **Retrospective** sentences (截至/以来/累计/先后/首次/已建成…/成功/…了/"十三五",
  or a bare past year such as "2020年底，…") report the past unless the same
  sentence also states a forward deadline.  完成 alone is *not* a past marker:
  "2023年底前完成整治" is a commitment.  Headings that name an earlier period or a
  review (回顾/成就) head a report, not commitments.

All functions take any text and normalise it first; spans refer to normalised text.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass

from kb.text.normalize import normalize

__all__ = [
    "EARLIEST_FORWARD_PERIOD",
    "RETROSPECTIVE_TITLE_RE",
    "YEAR",
    "YEAR_PHRASE_RE",
    "DatePhrase",
    "book_title_spans",
    "date_phrases",
    "find_baseline_dates",
    "find_deadlines",
    "inside",
    "is_retrospective",
    "retrospective_heading",
    "year_of",
]

#: A calendar year of plan text.
YEAR = r"(?:19|20)\d{2}"
_MONTH_PART = r"(?:\d{1,2}月(?:底|末)?|上半年|下半年|底|末)"
_BEFORE = r"(?:前|以前|之前)"
_QUOTE_L = "[“\"「『‘]?"
_QUOTE_R = "[”\"」』’]?"
_PERIOD_NUM = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
#: First five-year period treated as forward-looking (the corpus is 14th-FYP plans).
EARLIEST_FORWARD_PERIOD = 14
#: 十一五 … 十三五: the five-year periods before EARLIEST_FORWARD_PERIOD.
_PAST_PERIOD = "十[" + "".join(k for k, v in _PERIOD_NUM.items() if v + 10 < EARLIEST_FORWARD_PERIOD) + "]五"

#: A year as a phrase of its own: 2025年, 2023年底, 2024年6月末.
YEAR_PHRASE_RE = re.compile(rf"{YEAR}年(?:\d{{1,2}}月)?(?:底|末)?")
_YEAR_OF_RE = re.compile(rf"({YEAR})年")
#: Headings of sections that report rather than commit ("十三五"成效显著, 回顾, 主要成就).
RETROSPECTIVE_TITLE_RE = re.compile(rf"{_PAST_PERIOD}|回顾|成就")

_DEADLINE_RE = re.compile(
    rf"(?P<to>(?:到|(?<![年\-—~～])至){YEAR}年{_MONTH_PART}?{_BEFORE}?)"
    rf"|(?P<before>{YEAR}年{_MONTH_PART}?{_BEFORE})"
    rf"|(?P<base>(?:截至|截止到?){YEAR}年{_MONTH_PART}?)"
    rf"|(?P<period>{_QUOTE_L}十(?P<n>[一二三四五六七八九])五{_QUOTE_R}(?:时期末|期间|末期|末|以来))"
    r"|(?P<plan>规划期(?:内|末|间)|规划期满前)"
)


@dataclass(frozen=True)
class DatePhrase:
    """A date phrase of normalised text: where it stands, as written, and whether it looks forward."""

    start: int
    end: int
    text: str
    #: "forward" (a deadline), "baseline" (截至…) or "past" ("十三五"期间, "十四五"以来).
    kind: str

    def to_dict(self) -> dict:
        return asdict(self)


def year_of(text: str) -> str | None:
    """The first year written as 'YYYY年' in ``text`` ('2025年目标' → '2025'), or None."""
    m = _YEAR_OF_RE.search(text)
    return m.group(1) if m else None


def date_phrases(s: str) -> list[DatePhrase]:
    """All date phrases in normalised ``s``, in order."""
    out = []
    for m in _DEADLINE_RE.finditer(s):
        if m.group("base"):
            kind = "baseline"
        elif m.group("period"):
            forward = _PERIOD_NUM[m.group("n")] + 10 >= EARLIEST_FORWARD_PERIOD
            kind = "forward" if forward and not m.group(0).endswith("以来") else "past"
        else:
            kind = "forward"
        out.append(DatePhrase(m.start(), m.end(), m.group(0), kind))
    return out


def strip_dates(s: str) -> str:
    """``s`` without its date phrases (a metric does not include its deadline)."""
    return _DEADLINE_RE.sub("", s)


def _dates(text: str, kind: str) -> list[str]:
    seen: dict[str, None] = {}
    for d in date_phrases(normalize(text)):
        if d.kind == kind:
            seen.setdefault(d.text, None)
    return list(seen)


def find_deadlines(text: str) -> list[str]:
    """Forward deadlines (到2025年, 2022年底前, "十四五"期间 …), normalised, in order, deduplicated."""
    return _dates(text, "forward")


def find_baseline_dates(text: str) -> list[str]:
    """Baseline dates (截至2020年底 …): the state a plan starts from, never a deadline."""
    return _dates(text, "baseline")


# ---------------------------------------------------------------------------
# Retrospective (past-tense) sentences
# ---------------------------------------------------------------------------

_PAST_RE = re.compile(
    r"截至|截止|以来|累计|先后|首次|已经|成功"
    r"|(?<![对将把化])已(?:建成|完成|实现|达到|形成|获|取得|通过|纳入|出台|全面)"
    r"|(?<![为除])了(?!解)"
    rf"|{_QUOTE_L}{_PAST_PERIOD}{_QUOTE_R}"
)
_YEAR_RE = re.compile(rf"{YEAR}(?=年)")
_BOOK_RE = re.compile(r"《[^》]*》")
_REF_BEFORE_RE = re.compile(r"(?:较|比|相比|相较于?|与|以|自|从|[-—~～、])$")
_REF_AFTER_RE = re.compile(r"^年(?:为基准|基准|相比|比|起|开始|至|[-—~～])")


def book_title_spans(s: str) -> list[tuple[int, int]]:
    """Spans where numbers are names, not quantities or years: book titles 《…》."""
    return [(m.start(), m.end()) for m in _BOOK_RE.finditer(s)]


def inside(pos: int, spans: list[tuple[int, int]]) -> bool:
    """Is ``pos`` within one of the (start, end) ``spans``?"""
    return any(a <= pos < b for a, b in spans)


def _bare_past_year(s: str, dates: list[DatePhrase]) -> bool:
    """A year not inside a date phrase, a reference (较2020年) or a title pins the sentence to the past."""
    taken = [(d.start, d.end) for d in dates] + book_title_spans(s)
    for m in _YEAR_RE.finditer(s):
        if inside(m.start(), taken):
            continue
        if _REF_BEFORE_RE.search(s[: m.start()]) or _REF_AFTER_RE.match(s[m.end():]):
            continue
        return True
    return False


def is_retrospective(sentence: str) -> bool:
    """True for sentences reporting the past (截至2020年底…建成) unless they state a forward deadline."""
    s = normalize(sentence)
    dates = date_phrases(s)
    if any(d.kind == "forward" for d in dates):
        return False
    if any(d.kind in ("baseline", "past") for d in dates):
        return True
    return bool(_PAST_RE.search(_BOOK_RE.sub("", s))) or _bare_past_year(s, dates)


def retrospective_heading(*titles: str) -> bool:
    """Does any of these headings name an earlier period or a review (so what it heads is a report)?"""
    return any(RETROSPECTIVE_TITLE_RE.search(t) for t in titles if t)
