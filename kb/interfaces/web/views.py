"""What the app shows, as HTML strings: pure functions of the library's results.

No Gradio here and no KnowledgeBase: each renderer takes the data it shows
(nodes, hits, an answer, matches, quiz items) and returns escaped HTML, so the
look of every card is tested without a server.  Marking query terms needs the
library's rule, so renderers that mark take a ``mark`` function
(``KnowledgeBase.mark``) instead of importing it.  Every piece of plan text goes
through :func:`kb.text.notation.display` on its way out (PM₂.₅, μg/m³).

Buttons inside the HTML carry ``data-kb-*`` attributes; static/kb.js turns a
click on one into an event of the app (open a source, copy a card, read a chapter).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from html import escape
from typing import Protocol

from kb.document import LEAF_KINDS, Node
from kb.text.display import marked_spans, target_text
from kb.text.notation import display
from kb.text.patterns import strip_heading_number

#: Marks ``terms`` in a text with 【…】 (KnowledgeBase.mark); the default marks nothing.
Marker = Callable[[str, Sequence[str]], str]

NO_OWNER = "未写明"
#: Columns of an indicator row that mean nothing on their own.
ROW_NOISE = ("序号", "类别")
#: Said beside a page number that was read off a contents page, not a printed page.
ESTIMATED_PAGE = "页码为估算：这一版本没有分页，页码按目录页推算，仅供参考。"


def no_marks(text: str, terms: Sequence[str]) -> str:
    return text


# ------------------------------------------------ the shapes rendered here


class TargetLike(Protocol):
    metric: str
    comparator: str
    value: str
    unit: str
    deadline: str | None
    baseline: str | None


class HitLike(Protocol):
    rank: int
    node: Node
    matched: Sequence[str]
    also: Sequence[Node]


class AnswerLike(Protocol):
    answer: str
    owners: Sequence[str]
    targets: Sequence[TargetLike]
    deadlines: Sequence[str]
    citations: Sequence[HitLike]
    found: bool
    note: str
    general_rule: Node | None
    indicator: Node | None


class MatchLike(Protocol):
    node: Node
    score: float
    exact: bool
    context: str


class QuizItemLike(Protocol):
    type: str
    question: str
    options: Sequence[str]
    answer: str
    explanation: str
    citation: str


# ------------------------------------------------------------ small pieces


def text(value: str) -> str:
    """Plan text as safe HTML: notation shown properly, then escaped."""
    return escape(display(value or ""))


def marked(value: str) -> str:
    """【term】-marked text as safe HTML: every piece escaped, marked ones in <mark>, line breaks as <br>.

    Neighbouring marks (【部门】【应急】) read as one.
    """
    pieces: list[tuple[str, bool]] = []
    for piece, hit in marked_spans(value):
        if hit and pieces and pieces[-1][1]:
            pieces[-1] = (pieces[-1][0] + piece, True)
        else:
            pieces.append((piece, hit))
    out = "".join(f"<mark>{text(p)}</mark>" if hit else text(p) for p, hit in pieces)
    return out.replace("\n", "<br>")


def unmarked(value: str) -> str:
    """【term】-marked text as plain text (marks dropped, notation shown)."""
    return display("".join(p for p, _ in marked_spans(value)))


def short(value: str, width: int) -> str:
    """One line of at most ``width`` characters, cut with an ellipsis."""
    value = re.sub(r"\s+", " ", value).strip()
    return value if len(value) <= width else value[: width - 1] + "…"


def target_line(t: TargetLike) -> str:
    """'城镇污水收集处理率 ≥96%（到2025年）', as every interface shows a target."""
    return display(target_text(t.metric, t.comparator, t.value, t.unit, t.deadline, t.baseline))


def page_span(node: Node) -> str:
    return f'<span class="page">{escape(node.pages)}</span>'


def empty_result(value: str) -> str:
    """A red box saying why nothing is shown."""
    return f'<div class="empty-result">{escape(value)}</div>'


def notice_html(value: str) -> str:
    """A reply card that is a hint, not an answer."""
    return f'<div class="answer-card notice"><div class="answer-text">{escape(value)}</div></div>'


def hint_html(value: str) -> str:
    """A grey line that says what a panel will show."""
    return f'<div class="kb-hint">{escape(value)}</div>'


def node_key(node: Node) -> str:
    """The id of a node's element in the page, unique across documents (for scrolling and marking)."""
    return "kbn-" + re.sub(r"[^0-9A-Za-z_-]", lambda m: f"_{ord(m.group()):x}", f"{node.doc}~{node.id}")


def open_button(node: Node, label: str = "", css: str = "kb-open") -> str:
    """A button that opens the node's source (its page, or its place in the document)."""
    shown = label or ("原文 " + node.pages if node.pages else "原文")
    return (f'<button type="button" class="{css}" data-kb-doc="{escape(node.doc)}" '
            f'data-kb-node="{escape(node.id)}" title="查看原文出处">{escape(shown)}</button>')


# --------------------------------------------------------------- citations


def cite_path(node: Node, show_doc: bool = False) -> str:
    """The citation without its page (shown on its own) and, for a one-plan index, without the plan's name."""
    cite = node.citation
    cite = cite[: -len(node.pages)].rstrip() if node.pages and cite.endswith(node.pages) else cite
    prefix = f"{node.doc} › "
    return display(cite[len(prefix):] if not show_doc and cite.startswith(prefix) else cite)


def plain_cite(node: Node) -> str:
    """'《某县规划》第二章 › 第一节 › 「推进污水管网建设」 p.12': a citation to paste into a letter."""
    parts = [*node.path]
    if node.title:
        parts.append(f"「{node.title}」" if node.kind in LEAF_KINDS or node.kind == "foreword" else node.title)
    return display(f"《{node.doc}》" + " › ".join(parts) + (f" {node.pages}" if node.pages else ""))


def short_cite(node: Node, show_doc: bool = False) -> str:
    """'第二章 › 专栏一 › 「城镇污水处理率(%)」 p.19': numbered headings by their number only, for table cells."""
    parts = [p[: len(p) - len(strip_heading_number(p))].strip() or p for p in node.path]
    if node.title:
        parts.append(f"「{node.title}」")
    return display(" › ".join([node.doc] * show_doc + parts) + (f" {node.pages}" if node.pages else ""))


def clause_details(node: Node, body: str | None = None, label: str = "", css: str = "citation",
                   is_open: bool = False, show_doc: bool = False) -> str:
    """A clause as <details>: citation, page and an open-the-source button; the (marked) text inside.

    ``body`` is the clause's text with 【】 marks; the plain text when not given.
    """
    summary = (f'<summary title="{escape(display(node.citation))}">{escape(label)}'
               f'<span class="cite-path">{escape(cite_path(node, show_doc))}</span>{page_span(node)}</summary>')
    inner = (f'<div class="clause-text">{marked(node.text if body is None else body)}</div>'
             f'<div class="full-cite">出处：{escape(display(node.citation))} {open_button(node, "看原文")}</div>')
    return f'<details class="{escape(css)}"{" open" if is_open else ""}>{summary}{inner}</details>'


def also_html(copies: Sequence[Node]) -> str:
    """The other documents that hold the same passage, under the hit they were folded into."""
    if not copies:
        return ""
    return '<div class="also">另见：' + "；".join(escape(display(o.citation)) for o in copies) + "</div>"


def citations_html(hits: Sequence[HitLike], title: str, show_doc: bool = False, mark: Marker = no_marks,
                   folded: bool = True) -> str:
    """Numbered clauses with each hit's matched terms marked, all folded under one line."""
    items = "".join(clause_details(h.node, mark(h.node.text, h.matched), f"[{h.rank}] ", show_doc=show_doc)
                    + also_html(h.also) for h in hits)
    head = f'<summary class="citations-title">{escape(title)}（{len(hits)} 条）</summary>'
    return f'<details class="citations"{"" if folded else " open"}>{head}{items}</details>'


# ----------------------------------------------------------------- answers


def _chips(values: Sequence[str]) -> str:
    return "".join(f'<span class="chip">{text(v)}</span>' for v in values)


def _fact(css: str, name: str, value_html: str) -> str:
    return (f'<div class="fact {css}"><span class="fact-name">{escape(name)}</span>'
            f'<span class="fact-value">{value_html or "<span class=none>—</span>"}</span></div>')


def indicator_table(row: Node) -> str:
    """An indicator-table row as a one-row HTML table (序号/类别 dropped: they mean nothing alone)."""
    cols = [(h, v) for h, v in row.columns if h not in ROW_NOISE and v]
    head = "".join(f"<th>{text(h)}</th>" for h, _ in cols)
    cells = "".join(f"<td>{text(v)}</td>" for _, v in cols)
    return f'<table class="indicator-row"><tr>{head}</tr><tr>{cells}</tr></table>'


def answer_plain(a: AnswerLike) -> str:
    """The answer as plain text to paste into Word or WeChat: the sentences, the facts, the citation."""
    if not a.found:
        return a.note
    lines = [unmarked(a.answer)]
    if a.owners:
        lines.append("责任主体：" + "、".join(display(o) for o in a.owners))
    if a.targets:
        lines.append("目标：" + "；".join(target_line(t) for t in a.targets))
    if a.deadlines:
        lines.append("期限：" + "、".join(a.deadlines))
    if a.citations:
        lines.append("出处：" + plain_cite(a.citations[0].node))
    return "\n".join(lines)


def turn_record(question: str, a: AnswerLike, searched: str = "") -> dict:
    """What a reply card carries for feedback and export: the question, the plain answer, the sources."""
    return {"q": question, "searched": searched, "text": answer_plain(a), "found": a.found,
            "cites": [{"doc": h.node.doc, "id": h.node.id, "citation": h.node.citation} for h in a.citations]}


def read_turn(card_html: str) -> dict | None:
    """The record :func:`answer_html` embedded in a card (None for a notice or foreign HTML)."""
    m = re.search(r'data-kb-turn="([^"]*)"', card_html or "")
    if not m:
        return None
    from html import unescape

    try:
        value = json.loads(unescape(m.group(1)))
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def attr(value: str) -> str:
    """A value for an HTML attribute: escaped, line breaks as character references (the card stays one line)."""
    return escape(value).replace("\r", "").replace("\n", "&#10;")


def _actions(record: dict, first: Node | None = None) -> str:
    """复制 (the plain text with its citation) and 看原文 (the source of citation [1])."""
    source = open_button(first, "看原文" + (f" {first.pages}" if first.pages else "")) if first else ""
    return (f'<div class="card-actions"><button type="button" class="kb-copy" '
            f'data-copy="{attr(record["text"])}" title="复制回答和出处（纯文本）">复制</button>{source}</div>')


def answer_html(a: AnswerLike, show_doc: bool = False, mark: Marker = no_marks, asks_owner: bool = False,
                question: str = "", searched: str = "") -> str:
    """The reply card: the answer, then 责任主体 / 目标 / 期限 one line each, then the citations folded.

    The "no owner named" note (with the plan's general rule on responsibility) appears
    only when the question asks who.  A question the plan does not cover gets the
    note and the nearest clauses, labelled as references, never dressed up as an answer.
    The card carries its plain text (for 复制) and a record (for feedback and export).
    """
    record = turn_record(question, a, searched)
    data = f' data-kb-turn="{escape(json.dumps(record, ensure_ascii=False))}"'
    if not a.found:
        card = (f'<div class="answer-card not-found"{data}><div class="note">{escape(a.note)}</div>'
                '<div class="source">可以换个说法再问，或到“条款定位”里粘贴原文查找。</div></div>')
        nearest = citations_html(a.citations, "最接近的条款（仅供参考，不是答案）", show_doc, mark) if a.citations else ""
        return card + nearest
    facts = [
        _fact("owners", "责任主体", _chips(a.owners) or f'<span class="none">{NO_OWNER}</span>'),
        _fact("targets", "目标", "；".join(escape(target_line(t)) for t in a.targets)),
        _fact("deadlines", "期限", _chips(a.deadlines)),
    ]
    if a.indicator is not None:
        facts.append(_fact("indicator", "指标表", indicator_table(a.indicator)))
    note = ""
    if asks_owner and not a.owners and a.note:
        rule = (clause_details(a.general_rule, label="总体责任：", css="citation general-rule", show_doc=show_doc)
                if a.general_rule else "")
        note = f'<div class="note">{escape(a.note)}</div>{rule}'
    first = a.citations[0].node if a.citations else None
    card = (f'<div class="answer-card"{data}><div class="answer-text">{marked(a.answer)}</div>'
            f'<div class="facts">{"".join(facts)}</div>{note}{_actions(record, first)}</div>')
    return card + citations_html(a.citations, "引用条款", show_doc, mark)


def header_html(documents: Sequence[str], chapters: int, clauses: int, commitments: int) -> str:
    """The title over the tabs: which plan(s), and how much of them the app knows."""
    if not documents:
        name = "规划"
    else:
        name = f"《{documents[0]}》" if len(documents) == 1 else f"{len(documents)} 份规划"
    return (f'<div class="kb-header"><h1>{escape(name)}知识库</h1>'
            '<p class="lead">用大白话提问，回答写明责任主体、目标和期限，并附上规划原文出处。</p>'
            f'<p class="stats"><span>{chapters} 章</span><span>{clauses} 条条款</span>'
            f"<span>{commitments} 项量化承诺</span></p></div>")


def user_html(name: str | None, role: str | None) -> str:
    """Who is logged in, with which role, and the way out."""
    if not name:
        return ""
    shown = ROLE_NAMES.get(role or "", role or "")
    return (f'<div class="kb-user">已登录：{escape(name)}（{escape(shown)}）'
            ' · <a href="logout">退出登录</a></div>')


ROLE_NAMES = {"reader": "查阅", "editor": "编辑", "admin": "管理员"}


# ----------------------------------------------------------------- outline


def outline_context(leaf: Node | None, siblings: Sequence[Node] = ()) -> str:
    """A clause in context: where it stands, then it and its siblings (it open, they folded)."""
    if leaf is None:
        return '<div class="outline-context"><div class="crumbs">请选择章节和条款。</div></div>'
    crumbs = " › ".join(text(p) for p in (leaf.doc, *leaf.path) if p)
    body = "".join(_sibling(s, i, s.id == leaf.id) for i, s in enumerate(siblings or [leaf], start=1))
    return (f'<div class="outline-context"><div class="current-cite">当前条款：{crumbs} › 「{text(leaf.title)}」'
            f"{page_span(leaf)}</div>{body}</div>")


def _sibling(node: Node, n: int, current: bool) -> str:
    """One clause of a section in the outline: its title as the summary, open when it is the chosen one."""
    title = text(short(node.title or node.text, 60))
    return (f'<details class="clause{" current" if current else ""}"{" open" if current else ""}>'
            f"<summary>{n}. {title}{page_span(node)}</summary>"
            f'<div class="clause-text">{marked(node.text)}</div>'
            f'<div class="full-cite">出处：{text(node.citation)}</div></details>')


def _children(nodes: Sequence[Node]) -> dict[str | None, list[Node]]:
    kids: dict[str | None, list[Node]] = {}
    for n in nodes:
        kids.setdefault(n.parent, []).append(n)
    return kids


def _ancestors(nodes: Sequence[Node], node_id: str | None) -> set[str]:
    by_id = {n.id: n for n in nodes}
    out: set[str] = set()
    while node_id and node_id in by_id and node_id not in out:
        out.add(node_id)
        node_id = by_id[node_id].parent
    return out


def _tree_label(node: Node) -> str:
    if node.kind == "preamble":
        return "印发通知"
    return short(node.title or node.text, 48)


def outline_tree(nodes: Sequence[Node], target: str | None = None) -> str:
    """One document's outline as nested <details>: chapters, sections and boxes open and close.

    Each heading has 读全章 (read everything under it in the reader); each clause
    opens in place to its text, with a button to its source.  ``target`` (a node id)
    is opened with its ancestors and marked, for a jump from a citation.
    """
    kids = _children(nodes)
    keep = _ancestors(nodes, target)

    def render(n: Node) -> str:
        here = " kb-target" if n.id == target else ""
        is_open = " open" if n.id in keep else ""
        key = node_key(n)
        if n.kind in LEAF_KINDS:
            if not n.text:
                return ""
            return (f'<details class="tree-leaf{here}" id="{key}"{is_open}><summary>{text(_tree_label(n))}'
                    f'{page_span(n)}</summary><div class="clause-text">{marked(n.text)}</div>'
                    f'<div class="full-cite">{open_button(n, "看原文")}</div></details>')
        inner = "".join(render(c) for c in kids.get(n.id, []))
        own = f'<div class="clause-text">{marked(n.text)}</div>' if n.text else ""
        read = (f'<button type="button" class="kb-read" data-kb-doc="{escape(n.doc)}" data-kb-node="{escape(n.id)}" '
                'title="在右侧阅读这一章（节）的全文">读全文</button>')
        return (f'<details class="tree-node kind-{escape(n.kind)}{here}" id="{key}"{is_open}>'
                f"<summary>{text(_tree_label(n))}{page_span(n)}{read}</summary>{own}{inner}</details>")

    body = "".join(render(n) for n in kids.get(None, []))
    return f'<div class="outline-tree">{body or hint_html("这份文件没有可显示的结构。")}</div>'


def _heading_tag(kind: str) -> str:
    return {"part": "h3", "chapter": "h3", "foreword": "h3", "preamble": "h3", "annex": "h3",
            "section": "h4", "box": "h4"}.get(kind, "h5")


def document_view(nodes: Sequence[Node], top: Node | None = None, target: str | None = None,
                  estimated: bool = False) -> str:
    """The full text of ``top`` and everything under it (a whole document when ``top`` is None), in order.

    Headings as headings, clauses as paragraphs; the ``target`` node is marked (and
    scrolled to by the page script).  ``estimated`` says the page numbers are estimates.
    """
    kids = _children(nodes)
    out: list[str] = []

    def walk(n: Node) -> None:
        here = " kb-target" if n.id == target else ""
        key = node_key(n)
        if n.kind in LEAF_KINDS:
            if n.text:
                label = f'<span class="leaf-title">{text(n.title)}</span>' if n.kind == "row" and n.title else ""
                out.append(f'<p class="doc-leaf{here}" id="{key}">{label}{marked(n.text)}{page_span(n)}</p>')
        else:
            tag = _heading_tag(n.kind)
            out.append(f'<{tag} class="doc-heading{here}" id="{key}">{text(_tree_label(n))}{page_span(n)}</{tag}>')
            if n.text:
                out.append(f'<p class="doc-leaf">{marked(n.text)}</p>')
        for c in kids.get(n.id, []):
            walk(c)

    for n in [top] if top is not None else kids.get(None, []):
        walk(n)
    note = f'<div class="kb-note">{escape(ESTIMATED_PAGE)}</div>' if estimated else ""
    title = f"《{text(top.doc if top else nodes[0].doc)}》" if nodes else ""
    return f'<div class="doc-view"><div class="doc-title">{title}</div>{note}{"".join(out)}</div>'


# ------------------------------------------------------------------ source


def page_view(node: Node, page: int, image_uri: str, boxes: Sequence[tuple[float, float, float, float]],
              pages: int) -> str:
    """One PDF page as an image with the passage's lines highlighted.

    ``boxes`` are (left, top, width, height) as fractions of the page, so the marks
    stay on their lines at any screen width.
    """
    marks = "".join(
        f'<div class="pdf-mark" style="left:{x * 100:.2f}%;top:{y * 100:.2f}%;width:{w * 100:.2f}%;'
        f'height:{h * 100:.2f}%"></div>' for x, y, w, h in boxes)
    found = "" if boxes else '<div class="kb-note">这一页上没有找到这段文字的位置，请在页面中查看。</div>'
    return (f'<div class="pdf-page" data-page="{page}"><div class="pdf-caption">第 {page} 页（共 {pages} 页）'
            f'<span class="pdf-swipe">页面已放大，可左右滑动查看。</span></div>{found}<div class="pdf-scroll">'
            f'<div class="pdf-sheet"><img src="{image_uri}" alt="第 {page} 页">{marks}</div></div></div>')


def source_html(node: Node, body: str, real_pages: bool) -> str:
    """The source panel: where the passage stands, a button into the outline, then the page(s) or the text."""
    cite = text(node.citation)
    where = "PDF 原页" if real_pages else "全文"
    return (f'<div class="source-view" data-kb-source="{escape(node.doc)}~{escape(node.id)}">'
            f'<div class="source-cite">{cite}</div>'
            f'<div class="source-tools"><span class="kb-where">{where}</span>'
            f'<button type="button" class="kb-outline" data-kb-doc="{escape(node.doc)}" '
            f'data-kb-node="{escape(node.id)}">在大纲中打开</button></div>{body}</div>')


# ------------------------------------------------------------------ locate


def _diff_side(segments: Sequence[tuple[str, str, str]], side: int) -> str:
    out = []
    for tag, quote, source in segments:
        piece = quote if side == 0 else source
        if not piece:
            continue
        out.append(text(piece) if tag == "equal" else f'<span class="diff-{"del" if side == 0 else "ins"}">'
                   f"{text(piece)}</span>")
    return "".join(out)


def diff_html(segments: Sequence[tuple[str, str, str]], numbers: Sequence[tuple[str, str]]) -> str:
    """Quote and source one above the other, every differing character marked; differing numbers in words."""
    flags = "".join(
        f'<div class="number-flag">数字不同：引文为 {text(q) or "（无）"}，原文为 {text(s) or "（无）"}</div>'
        for q, s in numbers)
    return (f'<div class="locate-diff">{flags}'
            f'<div class="diff-line"><span class="diff-label">引文</span>{_diff_side(segments, 0)}</div>'
            f'<div class="diff-line"><span class="diff-label">原文</span>{_diff_side(segments, 1)}</div></div>')


def locate_html(matches: Sequence[MatchLike], show_doc: bool = False) -> str:
    """Where a pasted phrase comes from: citation, page, how close, what differs, the match in context."""
    out = [f'<div class="locate-summary">找到 {len(matches)} 处：</div>']
    for i, m in enumerate(matches, start=1):
        segments = list(getattr(m, "segments", ()) or ())
        numbers = list(getattr(m, "numbers", ()) or ())
        changed = sum(1 for s in segments if s[0] != "equal")
        if m.exact:
            kind = "原文一致"
        else:
            kind = f"相近（相似度 {m.score:.1f}）" + (f"：{changed} 处不同" if changed else "")
        flag = " has-number" if numbers else ""
        diff = diff_html(segments, numbers) if segments and not m.exact else ""
        out.append(
            f'<div class="locate-hit{flag}"><span class="score">{escape(kind)}</span>'
            f'<div class="cite">[{i}] {escape(cite_path(m.node, show_doc))}{page_span(m.node)} '
            f'{open_button(m.node, "看原文")}</div>'
            f'{diff}<div class="context">{marked(m.context)}</div>'
            + clause_details(m.node, label="全文：", css="citation", show_doc=show_doc)
            + "</div>"
        )
    return "".join(out)


def locate_not_found(phrase: str) -> str:
    return empty_result(f"未找到「{short(phrase, 60)}」：规划中没有这句话，也没有足够接近的说法。")


# -------------------------------------------------------------- register


def indicator_chart(items: Sequence[dict]) -> str:
    """Baseline and target of each indicator as a share of its target: two bars, one row per indicator.

    ``items`` have label, unit, baseline, target (numbers), baseline_label and target_label.
    A share keeps % and μg/m³ off one axis; the values themselves are written beside
    the bars, zeros included.  A target of 0 is drawn against the larger value instead.
    """
    rows = []
    for it in items:
        b, g = float(it["baseline"]), float(it["target"])
        scale = g if g else max(b, g, 1.0)
        shares = (b / scale * 100, g / scale * 100)
        unit = display(it.get("unit") or "")
        bars = "".join(
            f'<div class="bar-line"><span class="bar-name">{escape(name)}</span>'
            f'<span class="bar-track"><span class="bar {css}" style="width:{min(share, 150) / 1.5:.1f}%"></span></span>'
            f'<span class="bar-value">{escape(_num(v))}{escape(unit)}</span></div>'
            for name, css, share, v in ((it.get("baseline_label") or "基准值", "base", shares[0], b),
                                        (it.get("target_label") or "目标", "goal", shares[1], g)))
        share = f"基准为目标的 {shares[0]:.0f}%" if g else "目标为 0"
        rows.append(f'<div class="chart-row"><div class="chart-label">{text(it["label"])}'
                    f'<span class="chart-share">{escape(share)}</span></div>{bars}</div>')
    return f'<div class="indicator-chart">{"".join(rows)}</div>'


def _num(v: float) -> str:
    return f"{v:g}"


# -------------------------------------------------------------------- quiz


def _quiz_source(item: QuizItemLike) -> str:
    if not item.citation or item.citation in item.explanation:
        return ""
    return f'<br><span class="page">出处：{text(item.citation)}</span>'


def quiz_html(items: Sequence[QuizItemLike], type_names: dict[str, str] | None = None) -> str:
    """The quiz as a preview: each question with its options; answer and source folded below."""
    names = type_names or {}
    out = []
    for i, it in enumerate(items, start=1):
        options = ("<ol class='options'>" + "".join(f"<li>{text(o)}</li>" for o in it.options) + "</ol>"
                   if it.type == "choice" else "")
        out.append(
            f'<div class="quiz-item"><div class="question">{i}. （{escape(names.get(it.type, it.type))}）'
            f"{text(it.question)}</div>{options}"
            f'<details class="citation"><summary>答案：{text(it.answer)}</summary>'
            f'<div class="clause-text">{text(it.explanation)}{_quiz_source(it)}</div></details></div>'
        )
    return "".join(out)


def quiz_summary(made: int, wanted: int) -> str:
    """'共 8 题：', saying so when the chapter held fewer questions than asked for."""
    fewer = f"（只能出 {made} 题，少于所要的 {wanted} 题）" if made < wanted else ""
    return f'<div class="locate-summary">共 {made} 题{fewer}：</div>'


# --------------------------------------------------------------- documents


def parse_preview(name: str, nodes: Sequence[Node], warnings: Sequence[str], replaces: bool = False) -> str:
    """What an upload will add, before it is indexed: counts, warnings, and its outline folded."""
    counts = _counts(nodes)
    warn = "".join(f"<li>{text(w)}</li>" for w in warnings)
    again = '<div class="kb-note">已有同名文件，加入索引会替换它。</div>' if replaces else ""
    return (f'<div class="parse-preview"><div class="preview-title">《{text(name)}》解析结果</div>'
            f'<div class="preview-counts">{escape(counts)}</div>{again}'
            + (f'<div class="preview-warnings"><b>解析提示</b><ul>{warn}</ul></div>' if warn else
               '<div class="preview-ok">没有解析警告。</div>')
            + f'<details class="preview-outline"><summary>结构预览</summary>{outline_tree(nodes)}</details></div>')


def _counts(nodes: Sequence[Node]) -> str:
    chapters = sum(1 for n in nodes if n.kind == "chapter")
    clauses = sum(1 for n in nodes if n.kind in LEAF_KINDS and n.text)
    boxes = sum(1 for n in nodes if n.kind == "box")
    pages = max((n.page_end or n.page or 0 for n in nodes), default=0)
    return f"{chapters} 章 · {clauses} 条条款 · {boxes} 个专栏" + (f" · {pages} 页" if pages else "")
