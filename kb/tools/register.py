"""The register of commitments: every quantified target and dated action of a plan.

Two sources feed it.  Indicator-table rows (``kind == "row"``) give one
commitment each, parsed from their columns (指标名称 → metric and unit,
基准值 → baseline, 2025年目标 → comparator/value and the deadline 到2025年,
指标属性 → 约束性/预期性).  Clause and box-item sentences give one commitment per
target found by :func:`kb.text.targets.find_targets`, plus one per sentence that sets
a forward deadline without a number (value "").

Where a table row and a clause state the same commitment (same value and unit,
metric names similar by char-bigram Jaccard or rapidfuzz ratio ≥ LINK_THRESHOLD)
**both are kept and cross-linked**: each lists the other's id in ``linked``.  The
table row carries the attribute, the clause carries the owners and the wording,
and neither citation is lost.

Sections whose title names an earlier five-year period ("十三五"…成效显著) or a
review (回顾/成就) are reports, not commitments, and are skipped.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace

from rapidfuzz import fuzz

from kb.document import Node
from kb.text.body import body_text
from kb.text.dates import retrospective_heading
from kb.text.indicators import read_row
from kb.text.normalize import normalize
from kb.text.notes import task_owners
from kb.text.owners import NO_PLACES, Places, learn_places, owner_spans
from kb.text.sentences import sentences
from kb.text.targets import deadline_action, find_targets, parse_quantity

__all__ = ["HEADERS_ZH", "LINK_THRESHOLD", "ROW_KEYS", "Commitment", "build_register", "to_rows"]

#: Metric similarity (0–1) above which a table row and a clause are the same commitment.
LINK_THRESHOLD = 0.6

ROW_KEYS = (
    "id", "metric", "comparator", "value", "unit", "baseline", "deadline", "owners",
    "attribute", "source", "citation", "page", "text", "linked", "node_id",
)

HEADERS_ZH = {
    "id": "编号",
    "metric": "指标/事项",
    "comparator": "比较",
    "value": "目标值",
    "unit": "单位",
    "baseline": "基准值",
    "deadline": "期限",
    "owners": "责任主体",
    "attribute": "属性",
    "source": "来源",
    "citation": "出处",
    "page": "页码",
    "text": "原文",
    "linked": "关联",
    "node_id": "条款编号",
}

_TEXT_KINDS = ("clause", "item")


@dataclass(frozen=True)
class Commitment:
    """One line of the register: what must be reached, how much, by when, by whom, and where it is said."""

    id: str
    metric: str
    comparator: str
    value: str
    unit: str
    baseline: str
    deadline: str
    owners: tuple[str, ...]
    #: 约束性 / 预期性 for indicator-table rows, "" for clauses.
    attribute: str
    #: "table" or "clause".
    source: str
    node_id: str
    citation: str
    page: int | None
    text: str
    #: Ids of entries from the other source that state the same commitment.
    linked: tuple[str, ...] = ()
    #: The document of ``node_id`` (node ids repeat across the plans of one index).
    doc: str = ""

    def to_dict(self) -> dict:
        """The entry as one flat row in ROW_KEYS order: owners joined with 、, links with ", "."""
        d = {k: getattr(self, k) for k in ROW_KEYS}
        d["owners"] = "、".join(self.owners)
        d["linked"] = ", ".join(self.linked)
        return d


# ---------------------------------------------------------------------------
# Table rows
# ---------------------------------------------------------------------------


def _row_commitments(node: Node) -> list[Commitment]:
    """One commitment per target column of an indicator row, its columns found by their headers."""
    row = read_row(node.columns)
    if row is None:
        return []
    text = node.text or "；".join(f"{normalize(h)}：{v}" for h, v in node.columns if v)
    out = []
    for deadline, cell in row.targets or (("", ""),):
        parsed = parse_quantity(cell) if re.search(r"\d", cell) else None
        unit = row.unit
        if parsed:
            comparator, value, cell_unit, _ = parsed
            unit = unit or cell_unit
        else:
            comparator, value = "", cell  # 完成省定目标 / 面积不减少… keep the wording
        out.append(Commitment(
            id=f"{node.id}#{len(out) + 1}", metric=row.name, comparator=comparator, value=value, unit=unit,
            baseline=row.baseline, deadline=deadline,
            owners=assigned(node),  # a row's owners are its 部门 column's, never names in its cells
            attribute=row.attribute, source="table", node_id=node.id, citation=node.citation, page=node.page,
            text=text, doc=node.doc,
        ))
    return out


# ---------------------------------------------------------------------------
# Clauses and items
# ---------------------------------------------------------------------------


def _retrospective(node: Node) -> bool:
    return retrospective_heading(*node.path, node.title)


def assigned(node: Node) -> tuple[str, ...]:
    """The bodies the node's owner note or owner column assigns, lead bodies first."""
    ranked = sorted(node.owners, key=lambda o: o[1] != "lead")
    return tuple(dict.fromkeys(name for name, _ in ranked))


_SEGMENT_END = "，；：,;:"
#: What may open a sentence before its subject: a label ending in ：, then 在/由.
_OPENER_RE = re.compile(r"^(?:[^，。；：,;:]{1,30}[：:])?(?:在|由)?")


def _segment(sentence: str, at: int) -> tuple[int, int]:
    """Bounds of the comma/semicolon clause of ``sentence`` that holds position ``at``."""
    start = max(sentence.rfind(c, 0, at) for c in _SEGMENT_END) + 1
    ends = [i for i in (sentence.find(c, at) for c in _SEGMENT_END) if i >= 0]
    return start, min(ends) if ends else len(sentence)


def sentence_owners(sentence: str, at: int, places: Places = NO_PLACES) -> tuple[str, ...]:
    """The bodies a sentence makes answer for what it says at position ``at``.

    In order: the bodies of the clause holding ``at`` (在X县、Y县分别建设…, X区实施…);
    else the bodies the sentence assigns work to (…，由X牵头，Y负责落实); else the
    sentence's subject (X区建设…1900公顷，…清淤355000立方米).  A body named in another
    clause without a duty (纵深推进X区试点，…，全市75%行政村…) is not an owner.
    """
    spans = owner_spans(sentence, places)
    a, b = _segment(sentence, at)
    names = [n for s, e, ns, _ in spans if a <= s and e <= b for n in ns]
    if not names:
        names = [n for _, _, ns, duty in spans if duty for n in ns]
    if not names:
        opener = _OPENER_RE.match(sentence)
        head = opener.end() if opener else 0
        first = next((sp for sp in spans if sp[0] >= head), None)
        if first is not None and first[0] == head and first[1] <= _segment(sentence, head)[1]:
            names = list(first[2])
    return tuple(dict.fromkeys(names))


def _clause_commitments(node: Node, places: Places = NO_PLACES) -> list[Commitment]:
    """One commitment per target or dated action, owned by the note or the sentence that assigns it.

    The clause's owner note (（责任单位：…）) owns every commitment of the clause.  Without
    one, each commitment takes the bodies its own sentence assigns (see sentence_owners), or
    those of the lead sentence of an enumeration (第十五条 X级河长履行下列职责：…) — never
    a name from a neighbouring sentence.
    """
    body = body_text(node)
    noted = assigned(node)
    targets = find_targets(body)
    by_sentence: dict[str, list] = {}
    for t in targets:
        by_sentence.setdefault(t.text, []).append(t)
    out: list[Commitment] = []
    lead: tuple[str, ...] = ()

    def add(metric: str, comparator: str, value: str, unit: str, baseline: str, deadline: str,
            sentence: str, at: int) -> None:
        owners = noted or sentence_owners(sentence, at, places) or lead
        out.append(Commitment(
            id=f"{node.id}#{len(out) + 1}", metric=metric, comparator=comparator, value=value,
            unit=unit, baseline=baseline, deadline=deadline, owners=owners, attribute="",
            source="clause", node_id=node.id, citation=node.citation, page=node.page, text=sentence,
            doc=node.doc,
        ))

    for s in sentences(body):
        found = by_sentence.get(s, [])
        for t in found:
            add(t.metric, t.comparator, t.value, t.unit, t.baseline or "", t.deadline or "", s, t.span[0])
        action = None if found else deadline_action(s)
        if action and action[1]:
            add(action[1], "", "", "", "", action[0], s, max(s.find(action[0]), 0))
        if s.rstrip().endswith(("：", ":")):
            # 下列职责： the items that follow inherit the bodies this lead sentence assigns
            lead = tuple(n for _, _, ns, duty in owner_spans(s, places) if duty for n in ns)
    return out


# ---------------------------------------------------------------------------
# Linking
# ---------------------------------------------------------------------------


def _bigrams(s: str) -> set[str]:
    return {s[i: i + 2] for i in range(len(s) - 1)} or {s}


def _metric_key(metric: str) -> str:
    s = normalize(metric)
    s = re.sub(r"[（(][^（）()]*[）)]", "", s)
    return re.sub(r"^(?:全市|全省|全县|全区|各县[（(]区[）)])", "", s)


def similarity(a: str, b: str) -> float:
    """Metric-name similarity in [0, 1]: the better of char-bigram Jaccard and rapidfuzz ratio."""
    a, b = _metric_key(a), _metric_key(b)
    if not a or not b:
        return 0.0
    ba, bb = _bigrams(a), _bigrams(b)
    return max(len(ba & bb) / len(ba | bb), fuzz.ratio(a, b) / 100)


def _same_value(a: str, b: str) -> bool:
    try:
        return float(a) == float(b)
    except ValueError:
        return a == b


def _link(items: list[Commitment]) -> list[Commitment]:
    links: dict[str, list[str]] = {c.id: [] for c in items}
    tables = [c for c in items if c.source == "table" and c.value]
    clauses = [c for c in items if c.source == "clause" and c.value]
    for t in tables:
        for c in clauses:
            if (_same_value(t.value, c.value) and t.unit == c.unit
                    and similarity(t.metric, c.metric) >= LINK_THRESHOLD):
                links[t.id].append(c.id)
                links[c.id].append(t.id)
    return [replace(c, linked=tuple(links[c.id])) if links[c.id] else c for c in items]


# ---------------------------------------------------------------------------
# Public API
# ---------------------------------------------------------------------------


def places_by_doc(nodes: Sequence[Node]) -> dict[str, Places]:
    """The places each document defines (its bare county names), learned from all of its nodes."""
    docs: dict[str, list[str]] = {}
    for n in nodes:
        docs.setdefault(n.doc, []).append(n.text)
    return {d: learn_places(texts) for d, texts in docs.items()}


def build_register(
    nodes: Sequence[Node], doc: str | None = None, chapter: int | None = None
) -> list[Commitment]:
    """Every table-row and clause commitment of ``nodes`` (optionally one doc / one chapter), cross-linked."""
    items: list[Commitment] = []
    seen: set[tuple[str, str, str, str]] = set()
    places = places_by_doc(nodes)
    inherited = task_owners(nodes)
    for node in nodes:
        if (doc is not None and node.doc != doc) or (chapter is not None and node.chapter != chapter):
            continue
        if (node.doc, node.id) in inherited:  # one note closes the whole task
            node = replace(node, owners=inherited[(node.doc, node.id)])
        rows = _row_commitments(node) if node.kind == "row" else []
        if rows:
            found = rows
        elif node.kind in (*_TEXT_KINDS, "row") and node.text and not _retrospective(node):
            found = _clause_commitments(node, places[node.doc])  # a row of a project table reads like a clause
        else:
            continue
        for c in found:
            key = (node.doc, c.node_id, c.metric, c.value)  # ids are unique within a document only
            if key not in seen:
                seen.add(key)
                items.append(c)
    return _link(items)


def to_rows(commitments: Sequence[Commitment]) -> list[dict]:
    """Flat dicts in ROW_KEYS order for tables/CSV; owners and links joined with 、 and ', '.

    ``node_id`` stays in each row so a table can find the clause or row it came from.
    """
    return [c.to_dict() for c in commitments]
