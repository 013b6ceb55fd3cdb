"""A reproducible quiz on a plan whose every answer can be checked against its source.

Questions are built from *facts*: a source sentence (or indicator-table row),
the span of the answer in it, and the family of values the answer belongs to.

* **value** — a quantified clause target from the register (到2025年，城镇污水收集
  处理率达96%以上): the answer is the quantity as written.
* **deadline** — a dated action without a number (到2023年底，完成所有入河排污口
  规范化整治): the answer is the year.
* **row** — an indicator-table cell (2020年基准值, 2025年目标) of a named indicator;
  table rows only make multiple-choice questions, since they are not sentences.
* **owner** — a county or district named in a clause (支持X县建设生态经济强县).
* **list** — an item of a list joined by 、 (秸秆肥料化、饲料化、燃料化…“五化”).

Fill-in and true/false questions quote a self-contained excerpt of the sentence
verbatim (from the clause holding the deadline, or with one clause of context,
to the end of the answer's clause), so that filling the blank, or putting the
true value back into a false statement, gives the source text again.  Choice
questions put the excerpt after "根据《规划名》，" with a （　　） blank.

Wrong values are never invented: they are values of the same family taken from
elsewhere in the same plan (other percentages for a %, other years for a year,
other counties for a county, other list items with the same ending for a list
item, the same table column for a cell), the nearest in magnitude first.  A
false statement is false by direction, not just by difference (for 达96%以上 a
larger value), and no wrong option or false statement may occur verbatim
anywhere in the plan.  Retrospective sections ("十三五"成效) and past-tense
sentences are skipped, so nothing already achieved is asked as a target.
"""

from __future__ import annotations

import functools
import math
import random
import re
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, replace

from kb.document import Node
from kb.lexicon import lexicon
from kb.text.body import body_text
from kb.text.chars import HAN
from kb.text.dates import YEAR_PHRASE_RE, find_deadlines, is_retrospective, retrospective_heading
from kb.text.normalize import normalize, squash
from kb.text.owners import NO_PLACES, Places, find_owners
from kb.text.sentences import sentences
from kb.text.targets import split_unit
from kb.tools.register import Commitment, build_register, places_by_doc

__all__ = [
    "BLANK", "CHOICE_BLANK", "JUDGE_OPTIONS", "TYPES", "Fact", "QuizItem", "collect_facts", "excerpt", "list_items",
    "make_quiz",
]

TYPES = ("choice", "fill", "judge")
#: The blank of a fill-in question.
BLANK = "＿＿＿"
#: The blank of a multiple-choice question (exam convention).
CHOICE_BLANK = "（　　）"
JUDGE_OPTIONS = ("正确", "错误")
#: Excerpts longer than this drop the deadline clause rather than quote a paragraph.
MAX_EXCERPT = 90
#: Fewest meaningful characters an excerpt needs besides its answer to stand on its own.
MIN_CONTEXT = 12
#: Facts whose excerpt still has less context than this after widening are not asked.
MIN_STANDALONE = 10
#: How many of the nearest same-family values the three distractors are drawn from.
NEAREST = 6
#: Facts of each kind taken per round when mixing kinds: clause targets are what a plan is about.
WEIGHTS = {"value": 2}
#: Most of one question type a single kind of fact may take (while other kinds can still fill it).
KIND_SHARE = 0.4

#: Clause openings that cannot stand alone (prepositional and purpose phrases).
_ADVERBIAL = tuple(lexicon("adverbial_openers"))
#: Verbs of plan language; an excerpt without one is a bare subject ("X县全县重点河流…，") and takes the next clause.
_VERB_RE = re.compile(lexicon("plan_verbs").pattern())
_CLAUSE_END = "，,；;：:"
_SENTENCE_END = "。！？!?"
_COUNTY_RE = re.compile(f"^[{HAN}]{{2}}[县区]$")
_ROW_SKIP = ("序号", "类别", "名称", "属性", "指标")
_TARGET_HEADERS = ("目标", "规划值", "预期值")
_CELL_RE = re.compile(r"^(?P<cmp>[<>≥≤]?)(?P<num>\d+(?:\.\d+)?)\*?$")
_NUM_RE = re.compile(r"\d+(?:\.\d+)?")


@dataclass(frozen=True)
class QuizItem:
    """One question with its answer, an explanation quoting the source, and where that source is."""

    id: str
    type: str
    question: str
    #: Four options for a choice item, 正确/错误 for a judge item, none for a fill item.
    options: tuple[str, ...]
    #: The correct option's text (choice), the blank's text (fill), 正确/错误 (judge).
    answer: str
    explanation: str
    citation: str
    source_id: str
    source_text: str

    def to_dict(self) -> dict:
        d = asdict(self)
        d["options"] = list(self.options)
        return d


@dataclass(frozen=True)
class Fact:
    """A checkable fact: ``source[answer]`` is the answer, ``source[excerpt]`` a self-contained quote."""

    kind: str
    node: Node
    source: str
    answer: tuple[int, int]
    #: None for table rows, which only make choice questions (from ``stem``).
    excerpt: tuple[int, int] | None
    family: tuple
    #: Which wrong values make a statement false: ">" larger, "<" smaller, "=" any other.
    order: str = "="
    #: The choice question for a row: the text before and after the （　　） blank.
    stem: tuple[str, str] | None = None
    #: Facts sharing a key are the same fact stated twice (table row and clause …).
    keys: tuple = ()

    @property
    def value(self) -> str:
        return self.source[self.answer[0]: self.answer[1]]

    def quote(self, replacement: str) -> str:
        """The excerpt with the answer replaced."""
        a, b = self.excerpt or (0, len(self.source))
        return self.source[a: self.answer[0]] + replacement + self.source[self.answer[1]: b]


# ---------------------------------------------------------------------------
# Excerpts
# ---------------------------------------------------------------------------


def _clause_start(s: str, pos: int) -> int:
    return max(s.rfind(c, 0, pos) for c in _CLAUSE_END + _SENTENCE_END) + 1


def _clause_end(s: str, pos: int) -> int:
    """End of the clause holding ``pos``: a sentence end is kept, a comma is not."""
    for i in range(pos, len(s)):
        if s[i] in _CLAUSE_END:
            return i
        if s[i] in _SENTENCE_END:
            return i + 1
    return len(s)


def _meaningful(text: str) -> int:
    return len(re.findall(f"[{HAN}A-Za-z0-9]", text))


def _more_after(s: str, end: int) -> bool:
    """Is there another clause of the sentence after ``end``?"""
    return end + 1 < len(s) and s[end - 1] not in _SENTENCE_END


def excerpt(s: str, a: int, b: int) -> tuple[int, int]:
    """A self-contained quote of ``s`` around the answer ``s[a:b]``.

    From the clause holding the last forward deadline before the answer (or the
    answer's own clause) to the end of the answer's clause.  A clause that is only
    a date ("到2025年，") or only an adverbial ("根据…等，", "为实现…，") takes the
    next clause too, one without a verb takes the clause before or after that has
    one, and an excerpt with fewer than MIN_CONTEXT characters of
    context takes the clause before it (which usually names the topic), then the
    one after it, until it has enough.
    """
    start, end = _clause_start(s, a), _clause_end(s, b)
    for phrase in find_deadlines(s):
        i = s.find(phrase)
        if 0 <= i < start and end - _clause_start(s, i) <= MAX_EXCERPT:
            start = _clause_start(s, i)
    own = _clause_start(s, a)
    dangling = _meaningful(s[own:a] + s[b:end]) < 4 or s.startswith(_ADVERBIAL, own)
    if dangling and _more_after(s, end):
        end = _clause_end(s, end + 1)
    if not _VERB_RE.search(s[start:a] + s[b:end]):  # a bare subject or object: take the clause with the verb
        if start > 0 and _VERB_RE.search(s[_clause_start(s, start - 1): start]):
            start = _clause_start(s, start - 1)
        elif _more_after(s, end):
            end = _clause_end(s, end + 1)
    while _meaningful(s[start:a] + s[b:end]) < MIN_CONTEXT:
        if start > 0:
            start = _clause_start(s, start - 1)
        elif _more_after(s, end):
            end = _clause_end(s, end + 1)
        else:
            break
    return start, end


# ---------------------------------------------------------------------------
# Facts
# ---------------------------------------------------------------------------


def _skipped(node: Node) -> bool:
    """Nodes that state no commitment: the cover letter and retrospective sections."""
    return node.kind == "preamble" or retrospective_heading(*node.path, node.title)


def _find_quantity(s: str, quantity: str, near: str) -> int:
    """Index of ``quantity`` in ``s`` as a whole number (5个 is not inside 15个), after ``near`` if found."""
    rx = re.compile(rf"(?<![\d.]){re.escape(quantity)}")
    hits = [m.start() for m in rx.finditer(s)]
    if not hits:
        return -1
    at = s.find(near) if near else -1
    after = [h for h in hits if at >= 0 and h >= at]
    return after[0] if after else hits[0]


def _order(comparator: str) -> str:
    return ">" if comparator in ("≥", ">") else "<" if comparator in ("≤", "<") else "="


def _group(c: Commitment) -> str:
    """The same commitment in the table and a clause shares one key (the table row's id)."""
    return min([c.id, *c.linked], key=lambda i: (not i.startswith("box"), i)) if c.linked else c.id


def _value_fact(c: Commitment, node: Node) -> Fact | None:
    quantity = f"{c.value}{c.unit}"
    a = _find_quantity(c.text, quantity, c.metric)
    if a < 0:
        return None
    b = a + len(quantity)
    keys = (("commitment", _group(c)), ("value", normalize(c.metric), quantity), ("sentence", node.id, c.text))
    return Fact("value", node, c.text, (a, b), excerpt(c.text, a, b), ("unit", c.unit), _order(c.comparator),
                keys=keys)


def _deadline_fact(c: Commitment, node: Node) -> Fact | None:
    m = YEAR_PHRASE_RE.search(c.deadline)
    at = c.text.find(c.deadline)
    if not m or at < 0:
        return None
    a = at + m.start()
    b = a + len(m.group(0))
    return Fact("deadline", node, c.text, (a, b), excerpt(c.text, a, b), ("year",), "<",
                keys=(("commitment", c.id), ("deadline", normalize(c.metric)), ("sentence", node.id, c.text)))


def _row_facts(node: Node) -> list[Fact]:
    """One choice fact per numeric cell of an indicator row (基准值, 目标 …)."""
    name = next((v for h, v in node.columns if "名称" in normalize(h)), "") or node.title
    if not name or not node.text:
        return []
    metric, unit = split_unit(name)
    table = re.sub(r"\s+", "", node.path[-1]) if node.path else "主要指标表"
    out = []
    for header, value in node.columns:
        h = normalize(header)
        m = _CELL_RE.match(normalize(value))
        if not m or any(k in h for k in _ROW_SKIP):
            continue
        answer = m.group("cmp") + m.group("num")
        cell = node.text.find(f"{header}：{value}".strip())
        at = node.text.find(answer, cell if cell >= 0 else 0)
        if at < 0:
            continue
        stem = (f"根据《{node.doc}》{table}，指标“{normalize(name)}”的{h}是", "。")
        keys: tuple = (("row", node.id),)
        if any(k in h for k in _TARGET_HEADERS):  # the register's id for this row's target
            keys += (("commitment", f"{node.id}#1"),)
        out.append(Fact("row", node, node.text, (at, at + len(answer)), None, ("row", h, unit), stem=stem,
                        keys=keys))
    return out


def _owner_facts(node: Node, s: str, places: Places = NO_PLACES) -> list[Fact]:
    out = []
    for name in find_owners(s, places):
        a = s.find(name)
        if not _COUNTY_RE.match(name) or a < 0:
            continue
        b = a + len(name)
        out.append(Fact("owner", node, s, (a, b), excerpt(s, a, b), ("county",),
                        keys=(("sentence", node.id, s),)))
    return out


_ITEM = f"(?:(?!等)[{HAN}])+"
_LIST_RE = re.compile(f"{_ITEM}(?:、{_ITEM}){{2,}}(?P<tail>等|[“”{_CLAUSE_END}{_SENTENCE_END}]|$)?")


def list_items(s: str) -> list[tuple[int, int, list[tuple[int, int]]]]:
    """Lists joined by 、 in ``s``: (start, end, item spans).

    Only items bounded by 、/等/quotes/punctuation on both sides are returned: the
    first item (it carries the verb before it) never is, the last one only when
    something ends the list (…、生态旅游等新兴产业).
    """
    out = []
    for m in _LIST_RE.finditer(s):
        stop = m.start("tail") if m.group("tail") is not None else m.end()
        pos, spans = m.start(), []
        parts = s[m.start(): stop].split("、")
        for k, part in enumerate(parts):
            start = pos
            pos += len(part) + 1
            closed = k < len(parts) - 1 or m.group("tail") is not None
            if k > 0 and closed and 2 <= len(part) <= 6:
                spans.append((start, start + len(part)))
        lengths = [b - a for a, b in spans]
        if len(spans) >= 2 and max(lengths) <= 2 * min(lengths):
            out.append((m.start(), stop, spans))
    return out


def _list_facts(node: Node, s: str) -> list[Fact]:
    out = []
    for start, _, spans in list_items(s):
        for a, b in spans:
            item = s[a:b]
            out.append(Fact("list", node, s, (a, b), excerpt(s, a, b), ("item", item[-1], len(item)),
                            keys=(("list", node.id, s, start), ("sentence", node.id, s))))
    return out


def _standalone(fact: Fact) -> bool:
    """Can the excerpt stand on its own?  Whole brackets and at least MIN_STANDALONE characters of context."""
    return fact.excerpt is None or (_balanced(fact.quote(fact.value)) and _meaningful(fact.quote("")) >= MIN_STANDALONE)


def _balanced(text: str) -> bool:
    """An excerpt must hold whole brackets: no （ without its ）, no ） without its （ (also 《》, “”)."""
    for o, c in ("（）", "()", "《》", "“”"):
        depth = 0
        for ch in text:
            depth += (ch == o) - (ch == c)
            if depth < 0:
                return False
        if depth:
            return False
    return True


def _prefer_dated(facts: list[Fact]) -> list[Fact]:
    """Of facts stating the same value twice (a clause and a box item), keep the one quoting a deadline."""
    best: dict[tuple, Fact] = {}
    for f in facts:
        key = next((k for k in f.keys if k[0] == "value"), None)
        dated = bool(find_deadlines(f.quote(f.value)))
        if key is not None and (key not in best or (dated and not find_deadlines(best[key].quote(best[key].value)))):
            best[key] = f
    return [f for f in facts if (k := next((k for k in f.keys if k[0] == "value"), None)) is None or best[k] is f]


def collect_facts(nodes: Sequence[Node], doc: str | None = None, chapter: int | None = None) -> list[Fact]:
    """Every fact of ``nodes`` (optionally one document, one chapter), in document order."""
    chosen = [n for n in nodes if (doc is None or n.doc == doc) and (chapter is None or n.chapter == chapter)]
    facts: list[Fact] = []
    for d in dict.fromkeys(n.doc for n in chosen):
        mine = [n for n in chosen if n.doc == d]
        whole = [n for n in nodes if n.doc == d]  # the places a document defines are read from all of it
        places = places_by_doc(whole)[d]
        by_id = {n.id: n for n in mine}
        for c in build_register(whole, chapter=chapter):
            node = by_id.get(c.node_id)
            if node is None or c.source != "clause" or _skipped(node):
                continue
            fact = _value_fact(c, node) if c.value and c.unit else _deadline_fact(c, node) if not c.value else None
            if fact:
                facts.append(fact)
        facts = [f for f in _prefer_dated(facts) if _standalone(f)]
        for node in mine:
            if node.kind == "row":
                facts += _row_facts(node)
            elif node.kind in ("clause", "item") and node.text and not _skipped(node):
                for sent in sentences(body_text(node)):
                    if not is_retrospective(sent):
                        facts += _owner_facts(node, sent, places) + _list_facts(node, sent)
    return facts


# ---------------------------------------------------------------------------
# Pools of wrong values
# ---------------------------------------------------------------------------


class Pools:
    """Values of each family found anywhere in a plan, and the plan's text to rule out true "wrong" answers."""

    def __init__(self, nodes: Sequence[Node], facts: Sequence[Fact]):
        self.values: dict[tuple, list[str]] = {}
        self.corpus = "\n".join(squash(normalize(n.text)) for n in nodes if n.text)
        for f in facts:
            self._add(f.family, f.value)
            if f.kind == "row" and f.family[2]:  # table cells in % are percentages too
                self._add(("unit", f.family[2]), f"{_NUM_RE.search(f.value).group(0)}{f.family[2]}")
        for n in nodes:
            for phrase in find_deadlines(n.text) if n.kind != "preamble" else ():
                m = YEAR_PHRASE_RE.search(phrase)
                if m:
                    self._add(("year",), m.group(0))

    def _add(self, family: tuple, value: str) -> None:
        bucket = self.values.setdefault(family, [])
        if value not in bucket:
            bucket.append(value)

    def candidates(self, fact: Fact) -> list[str]:
        """Same-family values other than the answer, rendered like it, nearest first."""
        answer = fact.value
        if fact.family[0] == "row":
            return self._row_candidates(fact)
        pool = [v for v in self.values.get(fact.family, []) if v != answer]
        if fact.family[0] == "year":
            year = answer[:4]
            seen, out = set(), []
            for v in sorted(pool, key=lambda v: (abs(int(v[:4]) - int(year)), v)):
                if v[:4] != year and v[:4] not in seen:
                    seen.add(v[:4])
                    out.append(v)
            return out
        if fact.family[0] == "unit":
            return sorted(pool, key=lambda v: (_distance(_number(v), _number(answer)), v))
        return pool

    def _row_candidates(self, fact: Fact) -> list[str]:
        cmp_ = fact.value[0] if fact.value[0] in "<>≥≤" else ""
        nums = {m.group(0) for v in self.values.get(fact.family, []) if (m := _NUM_RE.search(v))}
        answer = _number(fact.value)
        out = [cmp_ + n for n in nums if float(n) != answer]
        return sorted(out, key=lambda v: (_distance(_number(v), answer), v))


def _number(text: str) -> float:
    m = _NUM_RE.search(text)
    return float(m.group(0)) if m else 0.0


def _distance(a: float, b: float) -> float:
    """Closeness on a log scale, so 92% is near 96% and 20个 near 12个."""
    return abs(math.log1p(abs(a)) - math.log1p(abs(b)))


# ---------------------------------------------------------------------------
# Items
# ---------------------------------------------------------------------------


def _acceptable(fact: Fact, wrong: str, pools: Pools) -> bool:
    """A wrong value must differ, not already be in the quote, and not make a sentence the plan contains."""
    if wrong == fact.value or not wrong:
        return False
    if fact.excerpt is None:
        return True
    quote = fact.quote(wrong)
    if wrong in fact.quote(""):
        return False
    return squash(quote) not in pools.corpus


def _false_value(fact: Fact, wrong: str) -> bool:
    """Does ``wrong`` make the statement false?  For 达96%以上 only larger values do, for 到2025年 earlier years."""
    if fact.order == "=" or fact.family[0] not in ("unit", "year"):
        return True
    diff = _number(wrong) - _number(fact.value)
    return diff > 0 if fact.order == ">" else diff < 0


def _distractors(fact: Fact, pools: Pools, rng: random.Random, k: int = 3) -> list[str] | None:
    ok = [w for w in pools.candidates(fact) if _acceptable(fact, w, pools)]
    if len(ok) < k:
        return None
    near = ok[: max(k, NEAREST)] if fact.family[0] in ("unit", "row", "year") else ok
    return rng.sample(near, k)


def _explain(fact: Fact, lead: str) -> str:
    return f"{lead}原文：“{fact.source}”（{fact.node.citation}）"


def _choice(fact: Fact, pools: Pools, rng: random.Random, want: str = "") -> QuizItem | None:
    wrong = _distractors(fact, pools, rng)
    if wrong is None:
        return None
    options = [fact.value, *wrong]
    rng.shuffle(options)
    if fact.stem:
        question = fact.stem[0] + CHOICE_BLANK + fact.stem[1]
    else:
        body = fact.quote(CHOICE_BLANK).rstrip(_CLAUSE_END)
        body = body if body.endswith(tuple(_SENTENCE_END)) else body + "。"
        question = f"根据《{fact.node.doc}》，{body}"
    return _item(fact, "choice", question, tuple(options), fact.value, _explain(fact, f"正确答案：{fact.value}。"))


def _fill(fact: Fact, pools: Pools, rng: random.Random, want: str = "") -> QuizItem | None:
    if fact.excerpt is None:
        return None
    return _item(fact, "fill", fact.quote(BLANK), (), fact.value, _explain(fact, f"答案：{fact.value}。"))


def _judge(fact: Fact, pools: Pools, rng: random.Random, want: str = "") -> QuizItem | None:
    """A true statement (the excerpt) or a false one (one value changed); ``want`` asks for one of them."""
    if fact.excerpt is None:
        return None
    wrong = [w for w in pools.candidates(fact) if _acceptable(fact, w, pools) and _false_value(fact, w)]
    if want == "错误" and not wrong:
        return None
    if want == "正确" or not wrong or (not want and rng.random() < 0.5):
        return _item(fact, "judge", fact.quote(fact.value), JUDGE_OPTIONS, "正确", _explain(fact, "正确。"))
    w = rng.choice(wrong[:NEAREST])
    lead = f"错误。规划原文是“{fact.value}”，不是“{w}”。"
    return _item(fact, "judge", fact.quote(w), JUDGE_OPTIONS, "错误", _explain(fact, lead))


def _item(fact: Fact, kind: str, question: str, options: tuple[str, ...], answer: str, explanation: str) -> QuizItem:
    return QuizItem("", kind, question, options, answer, explanation, fact.node.citation, fact.node.id, fact.source)


_BUILDERS = {"choice": _choice, "fill": _fill, "judge": _judge}


# ---------------------------------------------------------------------------
# Selection
# ---------------------------------------------------------------------------


def _interleave(facts: Iterable[Fact], rng: random.Random) -> list[Fact]:
    """Facts shuffled within each kind, then taken kind by kind (WEIGHTS per round), so every kind gets its share."""
    by_kind: dict[str, list[Fact]] = {}
    for f in facts:
        by_kind.setdefault(f.kind, []).append(f)
    kinds = sorted(by_kind)
    for k in kinds:
        rng.shuffle(by_kind[k])
    rng.shuffle(kinds)
    out: list[Fact] = []
    while any(by_kind.values()):
        for k in kinds:
            for _ in range(WEIGHTS.get(k, 1)):
                if by_kind[k]:
                    out.append(by_kind[k].pop())
    return out


def _quotas(n: int, types: Sequence[str]) -> dict[str, int]:
    base, extra = divmod(n, len(types))
    return {t: base + (1 if i < extra else 0) for i, t in enumerate(types)}


def _select(facts: Sequence[Fact], n: int, types: tuple[str, ...], pools: dict[str, Pools],
            rng: random.Random) -> list[QuizItem]:
    """Turn facts into items, type by type quota, no fact (or question) twice.

    A first pass keeps the type quotas, caps each kind of fact at KIND_SHARE of a
    type and asks judge items to alternate 正确/错误; a second pass fills what is
    left with any requested type.
    """
    quota = _quotas(n, types)
    cap = {t: max(1, math.ceil(q * KIND_SHARE)) for t, q in quota.items()}
    taken: dict[tuple[str, str], int] = {}
    items: list[QuizItem] = []
    used: set = set()
    for strict in (True, False):
        for fact in facts:
            if len(items) >= n:
                break
            if any(k in used for k in fact.keys):
                continue
            order = sorted(types, key=lambda t: (-quota[t], types.index(t)))
            if strict:
                order = [t for t in order if quota[t] > 0 and taken.get((fact.kind, t), 0) < cap[t]]
            for t in order:
                item = _BUILDERS[t](fact, pools[fact.node.doc], rng, _wanted(items, t) if strict else "")
                if item is None or any(it.question == item.question for it in items):
                    continue
                items.append(item)
                used.update(fact.keys)
                quota[t] -= 1
                taken[fact.kind, t] = taken.get((fact.kind, t), 0) + 1
                break
    return items


def _wanted(items: Sequence[QuizItem], kind: str) -> str:
    """For a judge item, the answer there are fewer of so far (true and false alternate)."""
    if kind != "judge":
        return ""
    judged = [it.answer for it in items if it.type == "judge"]
    return JUDGE_OPTIONS[judged.count("错误") < judged.count("正确")]


@functools.lru_cache(maxsize=8)
def _prepare(nodes: tuple[Node, ...]) -> tuple[list[Fact], Pools]:
    """Facts and pools of one document; cached, since a quiz is asked for again and again."""
    facts = collect_facts(nodes)
    return facts, Pools(nodes, facts)


def make_quiz(
    nodes: Sequence[Node],
    n: int = 20,
    chapter: int | None = None,
    types: Sequence[str] = TYPES,
    seed: int = 0,
    doc: str | None = None,
) -> list[QuizItem]:
    """Up to ``n`` questions of the given types on ``nodes`` (one doc / chapter), the same for the same seed.

    Types are balanced (n split evenly, the remainder to the first types); a fact
    is used once, so no question repeats.  Fewer than ``n`` items come back when
    the plan (or chapter) has fewer usable facts.  Items are grouped by type.
    """
    types = tuple(dict.fromkeys(types))
    unknown = [t for t in types if t not in TYPES]
    if unknown or not types:
        raise ValueError(f"unknown question type(s) {', '.join(unknown) or '(none)'}; expected {', '.join(TYPES)}")
    rng = random.Random(seed)
    pools: dict[str, Pools] = {}
    chosen: list[Fact] = []
    for d in sorted({nd.doc for nd in nodes if doc is None or nd.doc == doc}):
        facts, pools[d] = _prepare(tuple(nd for nd in nodes if nd.doc == d))
        chosen += [f for f in facts if chapter is None or f.node.chapter == chapter]
    items = _select(_interleave(chosen, rng), n, types, pools, rng)
    items.sort(key=lambda it: types.index(it.type))
    return [replace(it, id=f"q{i}") for i, it in enumerate(items, start=1)]
