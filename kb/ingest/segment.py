"""Segmentation: cut cleaned blocks into the plan's real tree.

Chinese plans number their parts in a few families: 第X章/第X节 with 专栏 boxes
(the Bazhong plan), 一、/（一）/1./（1） (most notices and opinions) and 第X条
(regulations).  The scheme is detected per document; every node gets a stable id
(``ch6.s2.c5``, ``box5.i1``, ``box1.r23``) and a citation path.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

from kb.document import Node
from kb.ingest.clean import Block, squash, tidy
from kb.text.patterns import (
    CN_NUM,
    RE_ARTICLE,
    RE_BOX,
    RE_CHAPTER,
    RE_FOREWORD,
    RE_HANZI_1,
    RE_HANZI_2,
    RE_MARKER,
    RE_SECTION,
    cn2int,
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


def detect_scheme(blocks: list[Block]) -> str:
    """Which numbering family the document uses: chapter, hanzi, article, styled (headings by style) or flat."""
    heads = [squash(b.text) for b in blocks if b.text]
    chapters = sum(bool(RE_CHAPTER.match(t)) for t in heads)
    articles = sum(bool(RE_ARTICLE.match(t)) for t in heads)
    # A regulation has more articles than chapters; a plan may open a paragraph with 第X条 by chance.
    if articles >= 2 and articles >= chapters:
        return "article"
    if chapters >= 1:
        return "chapter"
    if sum(bool(RE_HANZI_1.match(t)) for t in heads) >= 2:
        return "hanzi"
    # No numbering family, but the source marks its headings (Word heading styles, <h2>).
    if any((b.extra or {}).get("heading") in (1, 2) for b in blocks):
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


class _Builder:
    """Keeps the cursor (current chapter, section, box) while blocks stream past."""

    def __init__(self, doc: str, scheme: str = "chapter"):
        self.doc = doc
        self.scheme = scheme
        self.nodes: list[_Open] = []
        self.ids: set[str] = set()
        self.chapter: _Open | None = None
        self.section: _Open | None = None
        self.box: _Open | None = None
        self.item: _Open | None = None
        self.article: _Open | None = None  # the 第X条 clause that later paragraphs continue
        self.container: _Open | None = None  # preamble/foreword when no chapter is open
        self.counts: dict[str, int] = {}

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

    # -- headings
    def open_chapter(self, num: int, title: str, b: Block) -> None:
        self.close_box()
        self.section = self.article = None
        self.container = None
        self.chapter = self.add(_Open(f"ch{num}", "chapter", title, None, b.page, b.page_end, (title,), num))

    def open_section(self, num: int, title: str, b: Block) -> None:
        self.close_box()
        self.article = None
        ch = self.chapter
        parent = ch.id if ch else None
        nid = f"{parent}.s{num}" if parent else f"s{num}"
        path = (*(ch.path if ch else ()), title)
        self.section = self.add(
            _Open(nid, "section", title, parent, b.page, b.page_end, path, ch.chapter if ch else 0)
        )

    def open_box(self, num: int, title: str, b: Block) -> None:
        self.close_box()
        self.article = None
        ch = self.chapter
        path = (*(ch.path if ch else ()), title)
        self.box = self.add(
            _Open(f"box{num}", "box", title, ch.id if ch else None, b.page, b.page_end, path,
                  ch.chapter if ch else 0)
        )

    def open_container(self, kind: str, title: str, b: Block) -> None:
        self.close_box()
        self.chapter = self.section = self.article = None
        self.container = self.add(_Open(kind, kind, title, None, b.page, b.page_end, (title,), 0))

    def close_box(self) -> None:
        self.box = None
        self.item = None

    # -- leaves
    def clause(self, text: str, b: Block, title: str | None = None, numbered: bool = False) -> _Open | None:
        """A paragraph of running text; before the first heading it belongs to the preamble.

        A ``numbered`` clause (第一条) is never preamble: it ends the preamble and, with
        no chapter open, stands at the top level — as every clause of a flat document does.
        """
        owner = self.section or self.chapter or self.container
        if numbered and owner is not None and owner.kind == "preamble":
            self.container = owner = None
        if owner is None and not numbered and self.scheme != "flat":
            self.open_container("preamble", lead_title(text), b)
            owner = self.container
        if owner is not None and owner.kind == "preamble":
            owner.parts.append(text)
            owner.originals.append(b.original or text)
            owner.page_end = b.page_end or owner.page_end
            return None
        # A flat document (no numbering at all) is a list of top-level clauses.
        nid = self.next_id(owner.id if owner else "", "c")
        return self.add(
            _Open(nid, "clause", title or clause_title(text), owner.id if owner else None, b.page, b.page_end,
                  owner.path if owner else (), owner.chapter if owner else 0, [text],
                  originals=[b.original or text])
        )

    def continue_clause(self, node: _Open, b: Block) -> None:
        node.parts.append(b.text)
        node.originals.append(b.original or b.text)
        node.page_end = b.page_end or b.page or node.page_end

    def box_item(self, title: str, b: Block) -> None:
        assert self.box is not None
        nid = self.next_id(self.box.id, "i")
        self.item = self.add(
            _Open(nid, "item", title, self.box.id, b.page, b.page_end, self.box.path, self.box.chapter, [b.text],
                  originals=[b.original or b.text])
        )

    def box_text(self, b: Block) -> None:
        assert self.box is not None
        if self.item is None:
            self.box_item(lead_title(b.text), b)
            return
        self.continue_clause(self.item, b)

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
        owner = self.box or self.section or self.chapter or self.container
        if owner is None and self.scheme != "flat":
            self.open_container("preamble", "表格", b)
            owner = self.container
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
            self.add(
                _Open(nid, "row", title, owner.id if owner else None, page, page, owner.path if owner else (),
                      owner.chapter if owner else 0, [row_text(columns)], columns)
            )


def _name_column(headers: list[str]) -> int:
    for i, h in enumerate(headers):
        if "名称" in h or h == "指标" or "项目" in h:
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


def segment(blocks: list[Block], doc: str) -> tuple[list[Node], str]:
    """Build the node list for one document; returns (nodes, scheme)."""
    scheme = detect_scheme(blocks)
    bld = _Builder(doc, scheme)
    for b in blocks:
        if b.rows is not None:
            bld.table(b)
            continue
        t = squash(b.text)
        if not t:
            continue
        if m := RE_CHAPTER.match(t):
            bld.open_chapter(cn2int(m.group(1)), _heading(b.text, "章"), b)
        elif m := RE_SECTION.match(t):
            bld.open_section(cn2int(m.group(1)), _heading(b.text, "节"), b)
        elif (m := RE_BOX.match(t)) and len(t) <= 60:
            bld.open_box(cn2int(m.group(1)), _box_title(b.text), b)
        elif RE_FOREWORD.match(t):
            bld.open_container("foreword", "前言", b)
        elif scheme == "styled" and (level := (b.extra or {}).get("heading")) in (1, 2) and len(t) <= 60:
            _hinted_heading(bld, b, level)
        elif bld.box is not None:
            if RE_HANZI_2.match(t) and len(t) <= 40:
                bld.box_item(b.text.strip(), b)
            else:
                bld.box_text(b)
        elif scheme == "article" and (m := RE_ARTICLE.match(b.text.strip())):
            body = m.group(2).strip()
            title = f"第{m.group(1)}条 {lead_title(body)}".strip() if body else f"第{m.group(1)}条"
            bld.article = bld.clause(b.text, b, title=title, numbered=True)
        elif scheme == "article" and bld.article is not None:
            # 第五条 …禁止下列行为： （一）…； （二）…： the enumeration belongs to its article.
            bld.continue_clause(bld.article, b)
        elif scheme == "hanzi" and (m := RE_HANZI_1.match(t)):
            _hanzi_heading(bld, b, cn2int(m.group(1)), "chapter")
        elif scheme == "hanzi" and (m := RE_HANZI_2.match(t)):
            _hanzi_heading(bld, b, cn2int(m.group(1)), "section")
        else:
            bld.clause(b.text, b)
    return [_freeze(o, doc) for o in bld.nodes], scheme


def _hinted_heading(bld: _Builder, b: Block, level: int) -> None:
    """A heading its source marks as one (a Word heading style, an <h2>) in a document with no numbering family.

    Level 1 opens a chapter and level 2 a section, numbered in order of appearance.
    Where the text numbers its headings (一、, 第X章), the numbers decide and hints are ignored.
    """
    title = tidy(b.text)
    if level == 1 or bld.chapter is None:
        num = sum(1 for n in bld.nodes if n.kind == "chapter") + 1
        bld.open_chapter(num, title, b)
    else:
        num = sum(1 for n in bld.nodes if n.kind == "section" and n.parent == bld.chapter.id) + 1
        bld.open_section(num, title, b)


def _hanzi_heading(bld: _Builder, b: Block, num: int, level: str) -> None:
    """一、 and （一） headings.

    ``（一）加强组织领导`` is a heading; ``（一）加强组织领导。各地要……`` is a heading
    whose lead sentence is the title and whose whole text becomes its first clause.
    """
    text = tidy(b.text)
    m = RE_MARKER.match(text)
    marker = squash(m.group(0)) if m else ""
    rest = text[m.end():].strip() if m else text
    lead = lead_title(rest)
    after = rest[len(lead):] if rest.startswith(lead) else rest
    carries = bool(after.strip(" 。：:；;，,、"))
    heading = marker + lead if carries else text
    if level == "chapter":
        bld.open_chapter(num, heading, b)
    else:
        bld.open_section(num, heading, b)
    if carries:
        bld.clause(b.text, b, title=heading)


def _heading(text: str, unit: str) -> str:
    """第十章全域推进… → 第十章 全域推进… (one space after the number, as printed)."""
    t = squash(text)
    m = re.match(rf"^(第[{CN_NUM}\d]+{unit})(.*)$", t)
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
