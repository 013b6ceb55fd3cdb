"""Extractive answers: the clause that says so, its owners, targets and deadlines.

No language model writes anything here.  The answer is one to three sentences
of the best clause; owners, targets and deadlines are extracted from that clause
by the general patterns of kb.text (owners, targets, dates), so every fact shown
can be checked against the passage cited beside it.  The question cue words are
vocabularies in kb/lexicon/data.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace

from kb.document import Node
from kb.lexicon import lexicon
from kb.query.search import MAX_QUERY_CHARS, Hit
from kb.text.body import body_text
from kb.text.dates import find_deadlines, year_of
from kb.text.indicators import IndicatorRow, name_match, read_row
from kb.text.marks import mark
from kb.text.normalize import normalize
from kb.text.notes import task_owners
from kb.text.owners import Places, find_assigned, find_owners, find_places, learn_places
from kb.text.questions import (
    DEADLINE_CUES,
    ISSUER_CUES,
    OWNER_CUES,
    asks_deadline,
    asks_number,
    asks_owner,
)
from kb.text.sentences import sentences
from kb.text.targets import Target, find_targets, parse_quantity
from kb.text.tokenize import STOPWORDS

#: Openers of a follow-up that leans on the previous question (那到什么时候完成？).
FOLLOW_UP = re.compile("^" + lexicon("follow_up_cues").pattern())

NO_OWNER_NOTE = "该条款未写明责任主体。规划的总体责任分工见所引的组织领导条款。"
NOT_FOUND_NOTE = "规划中没有找到与这个问题直接相关的内容。下面是最接近的条款，仅供参考。"


@dataclass(frozen=True)
class Answer:
    """What `kb ask` returns: an extract, the facts in it, and where it stands in the plan."""

    question: str
    answer: str
    owners: tuple[str, ...] = ()
    targets: tuple[Target, ...] = ()
    deadlines: tuple[str, ...] = ()
    citations: tuple[Hit, ...] = ()
    found: bool = True
    note: str = ""
    #: The plan's general rule on responsibility, cited when the clause names no owner.
    general_rule: Node | None = None
    #: The indicator-table row that matches the question, if any.
    indicator: Node | None = None
    #: The question actually searched (after folding in the conversation).
    searched: str = ""
    source_sentences: tuple[str, ...] = field(default=(), repr=False)

    @property
    def source(self) -> Node | None:
        return self.citations[0].node if self.citations and self.found else None

    @property
    def indicator_row(self) -> IndicatorRow | None:
        """The matching row read by its headers: baseline, targets with their deadlines, attribute."""
        return read_row(self.indicator.columns) if self.indicator is not None else None

    def to_dict(self) -> dict:
        return {
            "question": self.question,
            "answer": self.answer,
            "owners": list(self.owners),
            "targets": [t.to_dict() for t in self.targets],
            "deadlines": list(self.deadlines),
            "citations": [
                {"rank": h.rank, "id": h.node.id, "doc": h.node.doc, "citation": h.node.citation,
                 "page": h.node.page, "title": h.node.title, "text": h.node.text, "score": round(h.score, 6)}
                for h in self.citations
            ],
            "found": self.found,
            "note": self.note,
            "general_rule": _node_ref(self.general_rule),
            "indicator": _indicator_ref(self.indicator, self.indicator_row),
            "searched": self.searched,
        }


def _indicator_ref(n: Node | None, row: IndicatorRow | None) -> dict | None:
    d = _node_ref(n, with_columns=True)
    if d is not None and row is not None:
        d.update(row.to_dict())
    return d


def _node_ref(n: Node | None, with_columns: bool = False) -> dict | None:
    if n is None:
        return None
    d = {"id": n.id, "citation": n.citation, "page": n.page, "text": n.text}
    if with_columns:
        d["columns"] = dict(n.columns)
    return d


# ------------------------------------------------------------ conversation


def content_words(question: str, words) -> list[str]:
    return [w for w in words(question) if w not in STOPWORDS and len(w) >= 2]


def leans(question: str, words) -> bool:
    """Whether a question cannot stand alone: it opens with 那/这个…, or names at most one topic word."""
    own = [w for w in content_words(question, words) if not any(c in w for c in DEADLINE_CUES + OWNER_CUES)]
    return bool(FOLLOW_UP.match(question.strip())) or len(own) <= 1


def contextualize(question: str, history: Sequence[str], words) -> str:
    """Fold the topic of the last turn or two into a follow-up that cannot stand alone.

    "那到什么时候完成？" after "农民烧秸秆怎么管？" is searched as both together.  Only the
    nearest earlier question that stands alone is carried (never the whole history), so a
    chain of follow-ups keeps its topic and never grows past the question length limit.
    """
    if not history or not leans(question, words):
        return question
    # A chain of follow-ups inherits, turn by turn, the topic of the question that opened it.
    recent = [h for h in history if h and h.strip()]
    if not recent:
        return question
    topic = next((h for h in reversed(recent) if not leans(h, words)), recent[-1])
    room = MAX_QUERY_CHARS - len(question) - 1
    if len(topic) > room:
        topic = " ".join(content_words(topic, words))[: max(room, 0)]
    return f"{topic} {question}" if topic else question


# ------------------------------------------------------------------ extract


def best_sentences(
    text: str, weigh: Callable[[str], float], limit: int = 3, owners_wanted: bool = False
) -> list[str]:
    """The sentences of a clause that answer: the best one, near-ties, and a strong neighbour.

    ``weigh`` scores a sentence against the question (idf-weighted shared tokens).
    For a question about owners, sentences nearly as good as the best are kept too:
    plans often spread one list of owners over parallel sentences.
    """
    sents = [s for s in sentences(text) if s.strip()]
    if not sents:
        return [text]
    scores = [weigh(s) for s in sents]
    best = max(range(len(sents)), key=lambda i: (scores[i], -i))
    chosen = [best]
    if owners_wanted:
        ties = sorted((i for i in range(len(sents)) if i != best and scores[i] >= 0.8 * scores[best] > 0),
                      key=lambda i: -scores[i])
        chosen += ties[: limit - 1]
    for j in (best - 1, best + 1):
        if len(chosen) < limit and 0 <= j < len(sents) and j not in chosen and scores[j] >= 0.5 * scores[best] > 0:
            chosen.append(j)
    return [sents[i] for i in sorted(chosen)]


_OPENS_LIST = re.compile(r"(?:[^，；,;：:]{0,20}[：:])?(?:对|在|将|把|针对|以|推动|支持)")
_SEGMENT_RE = re.compile(r"[^，；,;：:。！？]+[，；,;：:。！？]?")


def answering_owners(picked: Sequence[str], weigh: Callable[[str], float],
                     owners_in: Callable[[str], list[str]], places: Places) -> list[str]:
    """For a question about who: the bodies of the clauses (分句) that answer it, plus any body
    a picked sentence assigns outright (由X牵头).

    One sentence often gives different work to different bodies (中心城区（甲区、乙区）实施试点，
    丙县、丁县分别实施收转运设施建设项目): the bodies of the clause the question asks about are
    its owners, not those of the clause beside it.  [] when those clauses name no body.
    """
    raw = [[m.group(0) for m in _SEGMENT_RE.finditer(sent)] for sent in picked]
    top = max((weigh(x) for sent in raw for x in sent), default=0.0)
    if top <= 0:
        return []
    segs: list[str] = []
    for sent in raw:
        pending = ""
        for x in sent:
            # 对/在/将…, A，B，C等…实施: an object list opened by a preposition runs over commas
            # until the clause that carries its verb (对甲县红鱼洞水库、焦家河，乙双桥水库，丙县…等
            # 良好水体实施岸坡修整); any other clause stands alone.
            if pending or (_OPENS_LIST.match(x) and weigh(x) < 0.2 * top):
                pending += x
                if weigh(x) < 0.2 * top:
                    continue
            segs.append(pending or x)
            pending = ""
        if pending:
            segs.append(pending)
    scores = [weigh(x) for x in segs]
    best = max(scores, default=0.0)
    chosen = [x for x, sc in zip(segs, scores, strict=True) if sc >= 0.8 * best]
    owners = owners_in("".join(chosen))
    if not owners:
        return []
    duty = [o for s in picked for o in find_assigned(s, places) if o not in owners]
    return owners + duty


def places_of(nodes: Sequence[Node], doc: str) -> Places:
    """The places one document defines (cached for the same texts)."""
    return learn_places(n.text for n in nodes if n.doc == doc)


def general_rule(nodes: Sequence[Node], doc: str | None = None) -> Node | None:
    """The plan's clause on organisation and leadership (who answers for the plan as a whole)."""
    sections = [n for n in nodes if n.kind in ("section", "chapter") and re.search(r"组织领导|组织实施|责任落实", n.title)
                and (doc is None or n.doc == doc)]
    for s in sections:
        for n in nodes:
            if n.parent == s.id and n.doc == s.doc and n.kind == "clause":
                return n
    return None


#: Share of an indicator's name a question must contain for the row to answer it.
ROW_MATCH = 0.75


def matching_row(question: str, hits: Sequence[Hit], rows: Sequence[Node]) -> Node | None:
    """The indicator-table row a question names, among the rows of the documents it found.

    The row whose name the question contains best wins (ties: the row whose target year the
    question names, then the row search ranked higher); without such a row, a row that
    search itself ranked first.
    """
    docs = {h.node.doc for h in hits[:5]}
    rank = {(h.node.doc, h.node.id): h.rank for h in hits}
    year = year_of(question)
    scored = []
    for r in rows:
        if r.doc not in docs:
            continue
        score = name_match(question, r.title)
        if score < ROW_MATCH:
            continue
        read = read_row(r.columns)
        has_year = bool(read and read.targets_year(year))
        scored.append((score, has_year, -rank.get((r.doc, r.id), 99), r))
    if scored:
        return max(scored, key=lambda x: x[:3])[3]
    return hits[0].node if hits and hits[0].node.kind == "row" else None


def with_task_owners(node: Node, nodes: Sequence[Node]) -> Node:
    """``node`` with the owners of the one note that closes its whole task (see kb.text.notes.task_owners)."""
    if node.owners or node.kind not in ("clause", "item"):
        return node
    inherited = task_owners([n for n in nodes if n.doc == node.doc and n.parent == node.parent])
    got = inherited.get((node.doc, node.id))
    return replace(node, owners=got) if got else node


#: Columns of a row that mean nothing on their own (序号 3, 类别 (一)…).
_ROW_NOISE = ("序号", "编号", "类别", "分类", "领域")


def row_extract(row: Node) -> str:
    """The row's own text from its first meaningful column on (指标名称：…；2020年基准值：…；…)."""
    parts = [p for p in (row.text or "").split("；") if p]
    while parts and any(normalize(parts[0]).replace(" ", "").startswith(k) for k in _ROW_NOISE):
        parts = parts[1:]
    return "；".join(parts) or row.text


def row_targets(row: IndicatorRow, node: Node) -> list[Target]:
    """The row's numeric targets, one per target column, as the answer's targets."""
    out = []
    for deadline, cell in row.targets:
        parsed = parse_quantity(cell) if re.search(r"\d", cell) else None
        if parsed:
            comparator, value, unit, _ = parsed
            out.append(Target(row.name, comparator, value, row.unit or unit, row.baseline or None, deadline or None,
                              text=node.text))
    return out


def assigned(node: Node, issuers: bool = False) -> list[str]:
    """The bodies a node's owner note or owner column assigns, lead bodies first.

    A preamble's issuers (role ``issuer``, from the notice's header or signature) count
    only when ``issuers`` is set: they answer "who issued this", not every question
    whose best passage is the preamble.
    """
    ranked = sorted((o for o in node.owners if issuers or o[1] != "issuer"), key=lambda o: o[1] != "lead")
    return list(dict.fromkeys(name for name, _ in ranked))


#: A question about the document itself: 这份通知 / 本意见 / 该条例 …
_THIS_DOCUMENT = re.compile(r"(?:这份|这个|这篇|这部|本|该|此)(?:通知|意见|文件|规划|方案|条例|办法|决定|纲要|公告)")


def about_issuer(question: str, hits: Sequence[Hit]) -> Hit | None:
    """The cited preamble that answers "who issued this document", if the question asks that.

    The header and signature of a notice name its issuers exactly, so such a question is
    answered from them even when the words of the question match little else.
    """
    if not (_THIS_DOCUMENT.search(question) and asks_owner(question) and any(c in question for c in ISSUER_CUES)):
        return None
    return next((h for h in hits[:5] if h.node.kind == "preamble" and assigned(h.node, issuers=True)), None)


def compose(
    question: str,
    searched: str,
    hits: Sequence[Hit],
    found: bool,
    terms: Sequence[str],
    nodes: Sequence[Node],
    words,
    weigh: Callable[[str], float],
) -> Answer:
    """Build the answer object from ranked hits (the caller decides whether they are relevant)."""
    issuer = about_issuer(question, hits) if hits else None
    if issuer is not None:
        found = True
        hits = [issuer, *[h for h in hits if h is not issuer]]
    if not hits or not found:
        return Answer(question, "", citations=tuple(hits), found=False, note=NOT_FOUND_NOTE, searched=searched)
    wants_owner = asks_owner(question)
    top = hits[0].node

    def owners_in(text: str, doc: str) -> list[str]:
        # A bare county name counts only when the question asks who or where, and only one
        # that the document itself names in full (see kb.text.owners.learn_places); in the
        # answering sentences it joins the full names beside it (对X县…水库，Y双桥水库…).
        places = places_of(nodes, doc)
        found_ = find_owners(text, places)
        if wants_owner:
            found_ += [p for p in find_places(text, places) if p not in found_]
        return found_

    picked = best_sentences(body_text(top), weigh, owners_wanted=wants_owner)
    # The owners the plan assigns in the clause's own note (（责任单位：…）) come first.
    noted = with_task_owners(top, nodes)
    if top.kind == "preamble":
        # A header names issuers, addressees (各区人民政府，市政府各委、办、局：) and the documents
        # it implements; only the issuers are its owners, and only for a question about who.
        owners = assigned(top, issuers=wants_owner)
    else:
        # An enumeration's items inherit the body its lead sentence assigns (第十三条 市级河长履行
        # 下列职责：…（二）每年巡查…, where 本级有关部门 in the item only reports): the cited clause
        # assigns them, after bodies the item itself assigns and ahead of those it merely names.
        places = places_of(nodes, top.doc)
        lead = next(iter(sentences(body_text(top))), "")
        said = "".join(picked)
        owners = (assigned(noted)
                  or (wants_owner and answering_owners(picked, weigh, lambda t: owners_in(t, top.doc), places))
                  or find_assigned(said, places)
                  or (find_assigned(lead, places) if lead and lead not in picked else [])
                  or owners_in(said, top.doc))
    if not owners and wants_owner and top.kind != "preamble":
        # The rest of the clause counts only where it assigns (…。由X牵头，Y配合。), never
        # for a body or place it merely names.
        owners = find_assigned(top.text, places_of(nodes, top.doc))
    if not owners and wants_owner:
        # A question about who: a nearly-as-good clause that names the owner is the better source.
        best = max((weigh(x) for x in picked), default=0.0)
        for h in hits[1:3]:
            alt = best_sentences(body_text(h.node), weigh, owners_wanted=True)
            alt_owners = (assigned(h.node, issuers=True) if h.node.kind == "preamble"
                          else assigned(with_task_owners(h.node, nodes)) or owners_in("".join(alt), h.node.doc))
            if alt_owners and max(weigh(x) for x in alt) >= 0.8 * best:
                top, picked, owners = h.node, alt, alt_owners
                hits = [h, *[x for x in hits if x is not h]]
                break
    answer = mark("".join(picked), [t for t in terms if len(t) >= 2])
    deadlines = find_deadlines("".join(picked)) or (find_deadlines(top.text) if asks_deadline(question) else [])
    targets = find_targets("".join(picked))
    rows = [n for n in nodes if n.kind == "row"]
    indicator = matching_row(question, hits, rows) or matching_row(searched, hits, rows)
    row = read_row(indicator.columns) if indicator is not None else None
    if row is not None and (top is indicator or asks_number(question) and not (wants_owner and not owners)):
        # A question for a number is answered from the indicator row: the row is the source and its
        # own columns are the answer (baseline, targets with their years, attribute), whatever their order.
        if top is not indicator:
            first = next((h for h in hits if h.node is indicator), None) or Hit(0, 0.0, indicator)
            hits = [replace(h, rank=i + 1) for i, h in enumerate([first, *[h for h in hits if h is not first]])]
            top = indicator
        picked = [row_extract(indicator)]
        answer = mark(picked[0], [t for t in terms if len(t) >= 2])
        owners = assigned(indicator)
        targets = row_targets(row, indicator)
        deadlines = [d for d, v in row.targets if d and v]
    note, rule = "", None
    if not owners:
        rule = general_rule(nodes, top.doc)
        note = NO_OWNER_NOTE if rule is not None else "该条款未写明责任主体。"
    return Answer(
        question=question, answer=answer, owners=tuple(owners), targets=tuple(targets),
        deadlines=tuple(deadlines), citations=tuple(hits), found=True, note=note, general_rule=rule,
        indicator=indicator, searched=searched, source_sentences=tuple(picked),
    )
