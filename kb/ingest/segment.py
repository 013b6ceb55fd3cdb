"""Segmentation: cut cleaned blocks into the plan's real tree.

Chinese plans number their levels in a few families (kb.text.patterns): 第X篇,
第X部分, 第X章, 第X节; 一、, （一）, 1., （1）; 第X条 for the articles of a regulation;
专栏 boxes; markdown or Word headings around any of them.  Which families a document
uses as headings, and how they nest, is learned from the document itself; a heading's
kind (part, chapter, section, subsection) names its depth.  Every node gets a stable
id (``ch6.s2.c5``, ``box5.i1``, ``box1.r23``) and a citation path; owner notes
(（责任单位：…）) and owner columns of tables become the node's owners.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field, replace

from kb.document import Node
from kb.ingest.clean import Block
from kb.text.dates import YEAR
from kb.text.normalize import squash, tidy
from kb.text.notes import Owner, find_issuers, is_note, parse_note, split_note
from kb.text.patterns import (
    CN_NUM,
    MARKERS,
    RE_ANNEX,
    RE_FOREWORD_LINE,
    RE_MARKER,
    RE_SIGNATURE_DATE,
    STRONG,
    cn2int,
    heading_family,
    is_signature_line,
)

#: A lead sentence this short reads as the clause's title (「强化工业企业监督管理」).
TITLE_MAX = 30


def lead_title(text: str) -> str:
    """The clause's own title: its short lead sentence, or the opening words."""
    body = text.split("\n", 1)[0]
    m = re.match(rf"^(.{{2,{TITLE_MAX}}}?)[。：:]", body)
    if m:
        return m.group(1).strip()
    head = re.split(r"[，。；：]", body, maxsplit=1)[0]
    if len(head) <= TITLE_MAX:
        return head.strip()
    return body[:20].strip() + "…"


#: Longest paragraph that can be a heading standing on its own line.
HEADING_MAX = 40
#: Longest line that can be a strong heading (第X章 …) or a box title.
STRONG_MAX = 60
_SENTENCE_END = re.compile(r"[。；！？;!?]")
#: Containers that hold matter outside the main tree: they are not headings of it.
CONTAINERS = ("preamble", "foreword", "annex")


@dataclass(frozen=True)
class _Head:
    """What a paragraph's opening says about it: its family, number and whether it is a heading."""

    family: str
    num: int
    marker: str
    #: The heading's title: the whole line, or the marker and lead sentence of a run-in heading.
    title: str
    #: "standalone" (a line of its own), "runin" (a heading that carries its first paragraph)
    #: or "text" (a numbered paragraph: an enumeration, not a heading).
    form: str


def classify(b: Block) -> _Head | None:
    """The heading family of a block, or None for running text."""
    text = tidy(b.text)
    t = squash(b.text)
    if not t:
        return None
    if RE_FOREWORD_LINE.match(text):
        return _Head("foreword", 0, "", "前言", "standalone")
    if (m := RE_ANNEX.match(t)) and len(t) <= 30 and not _SENTENCE_END.search(t):
        num = cn2int(m.group(2)) if m.group(2) else 0
        return _Head("annex", num, squash(m.group(1)), t, "standalone")
    fam = heading_family(t)
    if fam is None:
        if b.heading is not None:
            return _Head(f"md{b.heading}", 0, "", text, "standalone")
        return None
    family, num, end = fam
    if family in STRONG:
        if len(t) > STRONG_MAX and b.heading is None:
            return _Head(family, num, t[:end], text, "text")
        unit = {"pian": "篇", "bufen": "部分", "zhang": "章", "jie": "节"}[family]
        return _Head(family, num, t[:end], _heading(text, unit), "standalone")
    if family == "box":
        if len(t) > STRONG_MAX or t.endswith("。"):
            return None
        return _Head("box", num, t[:end], _box_title(text), "standalone")
    if family == "tiao":
        return _Head("tiao", num, t[:end], "", "text")
    # 一、 （一） 1. （1）: a heading only when it reads like one.
    m = RE_MARKER.match(text)
    marker = squash(m.group(0)) if m else t[:end]
    rest = text[m.end():].strip() if m else t[end:]
    if b.heading is not None or _stands_alone(t):
        return _Head(family, num, marker, text.rstrip("。"), "standalone")
    lead = lead_title(rest)
    after = rest[len(lead):] if rest.startswith(lead) else ""
    if after.strip(" 。：:；;，,、") and not lead.endswith("…") and len(lead) <= TITLE_MAX:
        return _Head(family, num, marker, marker + lead, "runin")
    return _Head(family, num, marker, "", "text")


def _stands_alone(t: str) -> bool:
    """A numbered line with no sentence in it: 「一、总体要求」, 「（一）加强组织领导。」."""
    # A heading may end with 。 (some editions add one), but then it has no comma: 「（二）工作原则。」
    # is a heading, 「2.加强执法监管，严厉打击违法行为。」 a numbered sentence.
    body = t[:-1] if t.endswith("。") and ("，" not in t or len(t) <= 20) else t
    return len(t) <= HEADING_MAX and not _SENTENCE_END.search(body) and t[-1] not in "，,、：:"


def heading_families(blocks: list[Block]) -> set[str]:
    """The families this document uses for headings (not for enumerations or box items).

    Strong families (篇 部分 章 节) always are.  A marker family (一、 （一） 1. （1）) is one
    when it stands on a line of its own somewhere outside a box and before the articles
    of a regulation begin: there it cannot be an enumeration.
    """
    found: set[str] = set()
    runin: Counter[str] = Counter()
    in_box = False
    articles = False
    for b in blocks:
        if b.rows is not None:
            continue
        h = classify(b)
        if h is None:
            continue
        if h.family == "box":
            in_box = True
        elif h.family == "tiao":
            articles, in_box = True, False
        elif h.family in STRONG or h.family.startswith("md") or h.family in ("foreword", "annex"):
            in_box = False
            if h.form == "standalone":
                found.add(h.family)
        elif h.form == "standalone" and not articles:
            if in_box and h.family not in found:
                continue
            in_box = False
            found.add(h.family)
        elif h.form == "runin" and not articles and not in_box:
            runin[h.family] += 1
    # A document whose only marker headings are 一、 may write its next level run-in
    # (（一）加强组织领导。正文…): that level is a heading family too.  Deeper run-in
    # levels under two standalone ones are numbered paragraphs.
    markers = [f for f in MARKERS if f in found]
    if len(markers) == 1:
        nxt = MARKERS.index(markers[0]) + 1
        if nxt < len(MARKERS) and runin[MARKERS[nxt]] >= 2:
            found.add(MARKERS[nxt])
    return found


def detect_scheme(blocks: list[Block]) -> str:
    """A label for the numbering the document uses: article, chapter, part, hanzi, numbered, styled or flat."""
    heads = [h for b in blocks if b.rows is None and (h := classify(b)) is not None]
    count = Counter(h.family for h in heads)
    # A regulation has more articles than chapters; a plan may open a paragraph with 第X条 by chance.
    if count["tiao"] >= 2 and count["tiao"] >= count["zhang"]:
        return "article"
    if count["zhang"]:
        return "chapter"
    if count["pian"] or count["bufen"]:
        return "part"
    standalone = Counter(h.family for h in heads if h.form == "standalone" and h.family in MARKERS)
    runin = Counter(h.family for h in heads if h.form == "runin" and h.family in MARKERS)
    if count["hanzi"] >= 2:
        return "hanzi"
    if any(c >= 2 for c in standalone.values()) or (standalone and sum(runin.values()) >= 2):
        return "hanzi" if standalone["hanzi"] else "numbered"
    # No numbering family, but the source marks its headings (Word heading styles, <h2>, markdown #).
    if any(b.heading in (1, 2) for b in blocks if b.rows is None):
        return "styled"
    return "flat"


@dataclass
class _Open:
    """A node under construction (text still accumulating)."""

    id: str
    kind: str
    title: str
    parent: str | None
    page: int | None
    page_end: int | None
    path: tuple[str, ...]
    chapter: int
    parts: list[str] = field(default_factory=list)
    columns: tuple[tuple[str, str], ...] = ()
    #: The source lines as extracted (before repair), for auditors who need the exact print.
    originals: list[str] = field(default_factory=list)
    owners: list[Owner] = field(default_factory=list)


@dataclass
class _Level:
    """One open heading of the main tree."""

    family: str
    node: _Open


class _Builder:
    """Streams blocks into a tree whose levels are learned from the document itself.

    Each heading family takes the depth at which it first appears (first-seen
    nesting), so numbering that restarts in every parent and numbering that runs
    straight through both nest correctly, and no fixed table of levels is assumed.
    Containers (preamble, foreword, annex) hold what is not part of the main tree;
    an annex has a tree of its own.
    """

    def __init__(self, doc: str, scheme: str, families: set[str]):
        self.doc = doc
        self.scheme = scheme
        self.families = families
        self.nodes: list[_Open] = []
        self.ids: set[str] = set()
        self.counts: dict[str, int] = {}
        self.stack: list[_Level] = []
        self.levels: dict[str, int] = {}
        self.container: _Open | None = None
        self.box: _Open | None = None
        self.item: _Open | None = None
        self.article: _Open | None = None
        #: The clause the last paragraph went to: an owner note that follows attaches to it.
        self.last: _Open | None = None
        #: Last number of each family under each parent, to tell a heading from a box item.
        self.last_num: dict[tuple[str, str], int] = {}

    # ------------------------------------------------------------ plumbing

    def next_id(self, prefix: str, sep: str) -> str:
        k = self.counts.get(prefix + sep, 0) + 1
        self.counts[prefix + sep] = k
        return f"{prefix}.{sep}{k}" if prefix else f"{sep}{k}"

    def add(self, node: _Open) -> _Open:
        # Ids are unique within a document even when its numbering repeats (an annex
        # that starts again at 一、, two tables numbered from 1): the repeat gets _2, _3 …
        if node.id in self.ids:
            k = 2
            while f"{node.id}_{k}" in self.ids:
                k += 1
            node.id = f"{node.id}_{k}"
        self.ids.add(node.id)
        self.nodes.append(node)
        return node

    @property
    def top(self) -> _Open | None:
        """The innermost open heading, else the open container."""
        return self.stack[-1].node if self.stack else self.container

    def _chapter_of(self) -> _Open | None:
        return next((lv.node for lv in reversed(self.stack) if lv.node.kind == "chapter"), None)

    # ------------------------------------------------------------ headings

    def heading(self, h: _Head, b: Block) -> _Open:
        """Open a heading of the main tree (or of the open annex's tree)."""
        self.close_box()
        self.article = self.last = None
        if self.container is not None and self.container.kind != "annex":
            self.container = None  # the preamble and the foreword end at the first heading
        depth = self.levels.setdefault(h.family, len(self.stack))
        del self.stack[min(depth, len(self.stack)):]
        parent = self.top
        kind = self._kind(h.family)
        code = {"part": "p", "chapter": "ch", "section": "s", "subsection": "ss"}[kind]
        pid = parent.id if parent is not None and not (kind == "chapter" and parent.kind == "chapter") else None
        num = h.num or 1 + sum(1 for n in self.nodes if n.kind == kind and n.parent == (parent.id if parent else None))
        nid = f"{pid}.{code}{num}" if pid else f"{code}{num}"
        chapter = num if kind == "chapter" else (parent.chapter if parent else 0)
        path = (*(parent.path if parent else ()), h.title)
        node = self.add(_Open(nid, kind, h.title, parent.id if parent else None, b.page, b.page_end, path, chapter))
        self.stack.append(_Level(h.family, node))
        self.last_num[(parent.id if parent else "", h.family)] = num
        return node

    def _kind(self, family: str) -> str:
        if family in ("pian", "bufen"):
            return "part"
        depth = sum(1 for lv in self.stack if lv.node.kind != "part")
        return ("chapter", "section")[depth] if depth < 2 else "subsection"

    def continues(self, h: _Head) -> bool:
        """Whether a heading of a known family continues the main tree's numbering here."""
        depth = self.levels.get(h.family)
        if depth is None:
            return True
        parent = self.stack[depth - 1].node if 0 < depth <= len(self.stack) else self.container
        return h.num > self.last_num.get((parent.id if parent else "", h.family), 0)

    def open_container(self, kind: str, title: str, b: Block, num: int = 0) -> _Open:
        self.close_box()
        self.stack.clear()
        self.article = self.last = None
        if kind == "annex":
            self.levels = {}  # an annex numbers its own tree
            nid = f"annex{num}" if num else "annex"
        else:
            nid = kind
        self.container = self.add(_Open(nid, kind, title, None, b.page, b.page_end, (title,), 0))
        return self.container

    def open_box(self, num: int, title: str, b: Block) -> None:
        self.close_box()
        self.article = self.last = None
        parent = self._chapter_of() or self.top
        path = (*(parent.path if parent else ()), title)
        self.box = self.add(
            _Open(f"box{num}", "box", title, parent.id if parent else None, b.page, b.page_end, path,
                  parent.chapter if parent else 0)
        )

    def close_box(self) -> None:
        self.box = None
        self.item = None

    # --------------------------------------------------------------- leaves

    def clause(self, text: str, b: Block, title: str | None = None, numbered: bool = False) -> _Open | None:
        """A paragraph of running text; before the first heading it belongs to the preamble.

        A ``numbered`` clause (第一条) is never preamble: it ends the preamble and, with
        no heading open, stands at the top level — as every clause of a flat document does.
        """
        owner = self.top
        if numbered and owner is not None and owner.kind == "preamble":
            self.container = owner = None
        if owner is None and not numbered and self.scheme != "flat":
            owner = self.open_container("preamble", _front_title(text) or lead_title(text), b)
        if owner is not None and owner.kind == "preamble":
            owner.parts.append(text)
            owner.originals.append(b.original or text)
            owner.page_end = b.page_end or owner.page_end
            self.last = None
            return None
        nid = self.next_id(owner.id if owner else "", "c")
        node = self.add(
            _Open(nid, "clause", title or clause_title(text), owner.id if owner else None, b.page, b.page_end,
                  owner.path if owner else (), owner.chapter if owner else 0, [text],
                  originals=[b.original or text])
        )
        _take_note(node, text)
        self.last = node
        return node

    def continue_clause(self, node: _Open, b: Block) -> None:
        node.parts.append(b.text)
        node.originals.append(b.original or b.text)
        node.page_end = b.page_end or b.page or node.page_end
        _take_note(node, b.text)

    def note(self, b: Block) -> bool:
        """An owner note on a line of its own closes the clause before it."""
        target = self.item if self.box is not None else (self.article or self.last)
        if target is None:
            return False
        self.continue_clause(target, b)
        return True

    def box_item(self, title: str, b: Block) -> None:
        assert self.box is not None
        nid = self.next_id(self.box.id, "i")
        self.item = self.add(
            _Open(nid, "item", title, self.box.id, b.page, b.page_end, self.box.path, self.box.chapter, [b.text],
                  originals=[b.original or b.text])
        )
        _take_note(self.item, b.text)

    def box_text(self, b: Block) -> None:
        assert self.box is not None
        if self.item is None:
            self.box_item(lead_title(b.text), b)
            return
        self.continue_clause(self.item, b)

    def rows_owner(self, b: Block) -> _Open | None:
        owner = self.box or self.top
        if owner is None and self.scheme != "flat":
            owner = self.open_container("preamble", "表格", b)
        return owner

    def table(self, b: Block) -> None:
        """Each table row becomes a node whose columns keep their headers."""
        raw_pages = (b.extra or {}).get("row_pages") or []
        pairs = [
            (r, raw_pages[k] if k < len(raw_pages) else b.page)
            for k, r in enumerate(b.rows or [])
            if any(c.strip() for c in r)
        ]
        if not pairs:
            return
        owner = self.rows_owner(b)
        prefix = owner.id + "." if owner else ""
        width = max(len(r) for r, _ in pairs)
        header = pairs[0][0]
        headers = [squash(header[i]) if i < len(header) and squash(header[i]) else f"列{i + 1}"
                   for i in range(width)]
        name_col = _name_column(headers)
        number_col = next((i for i, h in enumerate(headers) if h in ("序号", "编号", "序")), None)
        carry = [""] * width
        for k, (r, page) in enumerate(pairs[1:], start=1):
            cells = [(r[i] if i < len(r) else "").strip() for i in range(width)]
            # A merged cell (类别) is written once and spans the rows below it; a number never is.
            if not cells[0] and carry[0] and number_col != 0:
                cells[0] = carry[0]
            carry = cells
            title = cells[name_col] or " ".join(c for c in cells if c)[:30]
            number = cells[number_col] if number_col is not None and cells[number_col].isdigit() else ""
            nid = f"{prefix}r{int(number) if number else k}"
            columns = tuple(zip(headers, cells, strict=True))
            row = self.add(
                _Open(nid, "row", title, owner.id if owner else None, page, page, owner.path if owner else (),
                      owner.chapter if owner else 0, [row_text(columns)], columns)
            )
            row.owners.extend(_row_owners(columns))




def _take_note(node: _Open, text: str) -> None:
    """Owners from an owner note that closes this text (kb.text.notes)."""
    _, owners = split_note(text)
    for o in owners:
        if o not in node.owners:
            node.owners.append(o)


def segment(blocks: list[Block], doc: str) -> tuple[list[Node], str]:
    """Build the node list for one document; returns (nodes, scheme)."""
    scheme = detect_scheme(blocks)
    families = heading_families(blocks) if scheme != "flat" else set()
    bld = _Builder(doc, scheme, families)
    captioned = False  # the last block opened an annex that has no caption yet
    heads = [classify(b) if b.rows is None else None for b in blocks]
    for idx, b in enumerate(blocks):
        if b.rows is not None:
            bld.table(b)
            continue
        if not squash(b.text):
            continue
        if (b.extra or {}).get("title") and not any(n.kind != "preamble" for n in bld.nodes):
            # The document's own title (a heading level used once, first): preamble text, and the
            # preamble's title when it opens the preamble.
            if bld.container is None:
                bld.open_container("preamble", tidy(b.text), b)
            bld.clause(b.text, b)
            continue
        h = classify(b)
        if captioned and h is None and bld.container is not None and _caption(b.text):
            # 附表2 / “十四五”重点安排表: a bare annex heading takes its caption as its title.
            bld.container.title = f"{bld.container.title} {tidy(b.text)}"
            bld.container.path = (bld.container.title,)
            captioned = False
            continue
        captioned = False
        if h is None or h.form == "text" and h.family not in ("tiao",):
            _text(bld, b, h)
        elif h.family == "foreword":
            bld.open_container("foreword", "前言", b)
        elif h.family == "annex":
            bld.open_container("annex", h.title, b, h.num)
            captioned = not RE_ANNEX.match(squash(b.text)).group(3)
            continue
        elif h.family == "box":
            bld.open_box(h.num, h.title, b)
        elif h.family == "tiao" and scheme == "article":
            body = tidy(b.text)[len(h.marker):].strip() if tidy(b.text).startswith(h.marker) else ""
            body = body or re.sub(rf"^第[{CN_NUM}\d]+条\s*", "", tidy(b.text))
            title = f"{h.marker} {lead_title(body)}".strip() if body else h.marker
            bld.close_box()
            bld.article = bld.clause(b.text, b, title=title, numbered=True)
        elif h.family == "tiao":
            _text(bld, b, None)
        elif h.family in families and (bld.box is None or h.family in STRONG or bld.continues(h)):
            if bld.article is not None and h.family in MARKERS and h.family not in bld.levels:
                bld.continue_clause(bld.article, b)
                continue
            if h.family in MARKERS and h.form == "standalone" and _empty(bld, h, heads, idx):
                _text(bld, b, h)  # 1.推广秸秆还田。 2.建设堆肥设施。: a list, not headings with nothing under them
                continue
            bld.heading(h, b)
            if h.form == "runin":
                bld.clause(b.text, b, title=h.title)
        elif bld.box is not None:
            if h.form == "standalone":
                bld.box_item(tidy(b.text), b)
            else:
                bld.box_item(h.title or lead_title(b.text), b)
        else:
            _text(bld, b, h)
    _sign_off(bld)
    _issuers(bld)
    return [_freeze(o, doc) for o in bld.nodes], scheme


def _issuers(bld: _Builder) -> None:
    """The preamble of a notice or opinion is owned by the bodies that issue it (header, signature)."""
    pre = next((o for o in bld.nodes if o.kind == "preamble"), None)
    if pre is None:
        return
    for o in find_issuers([line for part in pre.parts for line in part.split("\n")]):
        if o not in pre.owners:
            pre.owners.append(o)


_FRONT_TITLE = re.compile(r"^\s*(?:标题|title|Title)\s*[:：]\s*(.+?)\s*$")


def _front_title(text: str) -> str:
    """The value of a front-matter ``标题: …`` line, which names the document."""
    m = _FRONT_TITLE.match(text.split("\n", 1)[0])
    return m.group(1) if m else ""


def _sign_off(bld: _Builder) -> None:
    """The signature that closes a notice (issuer names, then the date) belongs with the preamble.

    Left in the last section it would be two passages of their own (「某市人民政府办公厅」,
    「2022年12月28日」); with the preamble, "who issued this, and when" finds it beside the title.
    """
    pre = next((o for o in bld.nodes if o.kind == "preamble"), None)
    k = len(bld.nodes)
    while k > 0 and bld.nodes[k - 1].kind == "clause" and is_signature_line("".join(bld.nodes[k - 1].parts)):
        k -= 1
    tail = bld.nodes[k:]
    if pre is None or not tail or not RE_SIGNATURE_DATE.match(squash("".join(tail[-1].parts))):
        return
    for o in tail:
        pre.parts.extend(o.parts)
        pre.originals.extend(o.originals)
    del bld.nodes[k:]


def _empty(bld: _Builder, h: _Head, heads: list[_Head | None], idx: int) -> bool:
    """Whether a numbered line would be a heading with nothing under it: the next block is
    a heading of the same level or above (or there is none), so the line is a list item."""
    depth = bld.levels.get(h.family, len(bld.stack))
    for nxt in heads[idx + 1:]:
        if nxt is None:
            return False
        if nxt.family in STRONG or nxt.family in ("box", "annex", "foreword", "tiao"):
            return True
        if nxt.form == "text":
            return False
        nd = bld.levels.get(nxt.family)
        return nxt.family == h.family or (nd is not None and nd <= depth)
    return True


def _caption(text: str) -> bool:
    t = squash(text)
    return 0 < len(t) <= HEADING_MAX and not _SENTENCE_END.search(t)


def _text(bld: _Builder, b: Block, h: _Head | None) -> None:
    """Running text, an enumeration or a numbered paragraph: it joins the tree where the cursor is."""
    if is_note(b.text) and bld.note(b):
        return
    if bld.box is not None:
        bld.box_text(b)
    elif bld.article is not None:
        # 第五条 …禁止下列行为： （一）…； （二）…： the enumeration belongs to its article.
        bld.continue_clause(bld.article, b)
    else:
        bld.clause(b.text, b)


def _name_column(headers: list[str]) -> int:
    """The column that names a row: 指标名称, 关键指标, 项目, 工作任务 … (not a number, year or group)."""
    def usable(h: str) -> bool:
        return not re.match(f"^{YEAR}", h) and h not in ("序号", "编号", "序") and not h.endswith("编号") \
            and not any(w in h for w in ("分项", "类别", "类型", "属性", "单位", "部门"))

    for words in (("名称",), ("指标",), ("项目", "任务", "事项", "内容", "措施")):
        for i, h in enumerate(headers):
            if usable(h) and any(w in h for w in words):
                return i
    return min(2, len(headers) - 1)


def row_text(columns: tuple[tuple[str, str], ...]) -> str:
    """A table row as one readable line: 「header：value」 pairs, so 'PM2.5 目标' finds it."""
    return "；".join(f"{h}：{v}" for h, v in columns if v)


def clause_title(text: str) -> str:
    """A clause's title; a numbered one keeps its number: 「1.科学编制治理规划」, 「（2）推广种养结合」."""
    m = RE_MARKER.match(text)
    if m and text[m.end():].strip():
        return squash(m.group(0)) + lead_title(text[m.end():].strip())
    return lead_title(text)


def _heading(text: str, unit: str) -> str:
    """第十章全域推进… → 第十章 全域推进… (one space after the number, as printed)."""
    t = squash(text)
    m = re.match(rf"^(第[{CN_NUM}\d]+{unit})[:：、]?(.*)$", t)
    return f"{m.group(1)} {m.group(2)}".strip() if m else t


def _box_title(text: str) -> str:
    t = squash(text)
    m = re.match(rf"^(专栏[{CN_NUM}\d]+)(.*)$", t)
    return f"{m.group(1)} {m.group(2)}".strip() if m else t


def _freeze(o: _Open, doc: str) -> Node:
    text = "\n".join(p for p in o.parts if p)
    return Node(
        id=o.id, kind=o.kind, title=o.title, parent=o.parent, doc=doc, page=o.page,
        page_end=o.page_end if o.page_end != o.page else None, text=text,
        path=o.path if o.kind in ("clause", "item", "row") else o.path[:-1], chapter=o.chapter,
        columns=o.columns, original="\n".join(p for p in o.originals if p),
        owners=tuple((w.name, w.role) for w in o.owners),
    )


def with_pages(nodes: list[Node], toc: dict[str, int]) -> list[Node]:
    """Give page numbers to an edition without pages (a .txt) from its own table of contents.

    Headings take the page the contents list gives; a clause takes its section's
    page plus its share of the characters between this heading and the next.
    """
    if not toc or any(n.page for n in nodes):
        return nodes
    starts: dict[int, int] = {}
    for i, n in enumerate(nodes):
        if n.kind in ("chapter", "section", "foreword") and squash(n.title) in toc:
            starts[i] = toc[squash(n.title)]
    if not starts:
        return nodes
    marks = sorted(starts.items())
    out = list(nodes)
    for k, (i, page) in enumerate(marks):
        j, next_page = marks[k + 1] if k + 1 < len(marks) else (len(nodes), None)
        span = nodes[i:j]
        total = sum(len(n.text) for n in span) or 1
        seen = 0
        for off, n in enumerate(span):
            est = page
            if next_page is not None and next_page > page:
                est = page + int((next_page - page) * seen / total)
            out[i + off] = replace(n, page=est, page_end=None)
            seen += len(n.text)
    return out


#: Headers of a table column that names the bodies responsible for the row.
_OWNER_HEADERS = ("主要部门", "责任部门", "责任单位", "牵头单位", "牵头部门", "配合单位", "配合部门", "责任主体")


def _row_owners(columns: tuple[tuple[str, str], ...]) -> list[Owner]:
    out: list[Owner] = []
    for header, value in columns:
        if value and any(h in header for h in _OWNER_HEADERS):
            label = next(h for h in _OWNER_HEADERS if h in header)
            label = "责任单位" if label in ("主要部门", "责任主体") else label
            out.extend(o for o in parse_note(f"{label}：{value}") if o not in out)
    return out
