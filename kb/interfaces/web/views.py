"""What the app shows, as HTML strings: pure functions of the library's results.

No Gradio here and no KnowledgeBase: each renderer takes the data it shows
(nodes, hits, an answer, matches, quiz items) and returns escaped HTML, so the
look of every card is tested without a server.  Marking query terms needs the
library's rule, so renderers that mark take a ``mark`` function
(``KnowledgeBase.mark``) instead of importing it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from html import escape
from typing import Protocol

from kb.document import Node
from kb.text.display import marked_spans, target_text
from kb.text.patterns import strip_heading_number

#: Marks ``terms`` in a text with 【…】 (KnowledgeBase.mark); the default marks nothing.
Marker = Callable[[str, Sequence[str]], str]

NO_OWNER = "未写明"
#: Columns of an indicator row that mean nothing on their own.
ROW_NOISE = ("序号", "类别")


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


def marked(text: str) -> str:
    """【term】-marked text as safe HTML: every piece escaped, marked ones in <mark>, line breaks as <br>.

    Neighbouring marks (【部门】【应急】) read as one.
    """
    pieces: list[tuple[str, bool]] = []
    for piece, hit in marked_spans(text):
        if hit and pieces and pieces[-1][1]:
            pieces[-1] = (pieces[-1][0] + piece, True)
        else:
            pieces.append((piece, hit))
    out = "".join(f"<mark>{escape(p)}</mark>" if hit else escape(p) for p, hit in pieces)
    return out.replace("\n", "<br>")


def short(text: str, width: int) -> str:
    """One line of at most ``width`` characters, cut with an ellipsis."""
    text = re.sub(r"\s+", " ", text).strip()
    return text if len(text) <= width else text[: width - 1] + "…"


def target_line(t: TargetLike) -> str:
    """'城镇污水收集处理率 ≥96%（到2025年）', as every interface shows a target."""
    return target_text(t.metric, t.comparator, t.value, t.unit, t.deadline, t.baseline)


def page_span(node: Node) -> str:
    return f'<span class="page">{escape(node.pages)}</span>'


def empty_result(text: str) -> str:
    """A red box saying why nothing is shown."""
    return f'<div class="empty-result">{escape(text)}</div>'


def notice_html(text: str) -> str:
    """A reply card that is a hint, not an answer."""
    return f'<div class="answer-card notice"><div class="answer-text">{escape(text)}</div></div>'


# --------------------------------------------------------------- citations


def cite_path(node: Node, show_doc: bool = False) -> str:
    """The citation without its page (shown on its own) and, for a one-plan index, without the plan's name."""
    cite = node.citation
    cite = cite[: -len(node.pages)].rstrip() if node.pages and cite.endswith(node.pages) else cite
    prefix = f"{node.doc} › "
    return cite[len(prefix):] if not show_doc and cite.startswith(prefix) else cite


def short_cite(node: Node, show_doc: bool = False) -> str:
    """'第二章 › 专栏一 › 「城镇污水处理率(%)」 p.19': numbered headings by their number only, for table cells."""
    parts = [p[: len(p) - len(strip_heading_number(p))].strip() or p for p in node.path]
    if node.title:
        parts.append(f"「{node.title}」")
    return " › ".join([node.doc] * show_doc + parts) + (f" {node.pages}" if node.pages else "")


def clause_details(node: Node, text: str | None = None, label: str = "", css: str = "citation",
                   is_open: bool = False, show_doc: bool = False) -> str:
    """A clause as <details>: citation and page in the summary; the (marked) text and full citation inside.

    ``text`` is the clause's text with 【】 marks; the plain text when not given.
    """
    summary = (f'<summary title="{escape(node.citation)}">{escape(label)}'
               f'<span class="cite-path">{escape(cite_path(node, show_doc))}</span>{page_span(node)}</summary>')
    body = (f'<div class="clause-text">{marked(node.text if text is None else text)}</div>'
            f'<div class="full-cite">出处：{escape(node.citation)}</div>')
    return f'<details class="{escape(css)}"{" open" if is_open else ""}>{summary}{body}</details>'


def citations_html(hits: Sequence[HitLike], title: str, show_doc: bool = False, mark: Marker = no_marks) -> str:
    """Numbered, folded clauses with each hit's matched terms marked."""
    items = "".join(clause_details(h.node, mark(h.node.text, h.matched), f"[{h.rank}] ", show_doc=show_doc)
                    for h in hits)
    return f'<div class="citations"><div class="citations-title">{escape(title)}</div>{items}</div>'


# ----------------------------------------------------------------- answers


def _chips(values: Sequence[str]) -> str:
    return "".join(f'<span class="chip">{escape(v)}</span>' for v in values)


def _fact(css: str, name: str, value_html: str) -> str:
    return f'<div class="{css}"><dt>{escape(name)}</dt><dd>{value_html or "<span class=none>—</span>"}</dd></div>'


def indicator_table(row: Node) -> str:
    """An indicator-table row as a one-row HTML table (序号/类别 dropped: they mean nothing alone)."""
    cols = [(h, v) for h, v in row.columns if h not in ROW_NOISE and v]
    head = "".join(f"<th>{escape(h)}</th>" for h, _ in cols)
    cells = "".join(f"<td>{escape(v)}</td>" for _, v in cols)
    return f'<table class="indicator-row"><tr>{head}</tr><tr>{cells}</tr></table>'


def answer_html(a: AnswerLike, show_doc: bool = False, mark: Marker = no_marks) -> str:
    """The reply card: answer, owners, targets, deadlines (always shown), then the cited clauses.

    A question the plan does not cover gets the note and the nearest clauses, labelled
    as references, never dressed up as an answer.
    """
    if not a.found:
        card = (f'<div class="answer-card not-found"><div class="note">{escape(a.note)}</div>'
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
    if a.note:
        rule = (clause_details(a.general_rule, label="总体责任：", css="citation general-rule", show_doc=show_doc)
                if a.general_rule else "")
        note = f'<div class="note">{escape(a.note)}</div>{rule}'
    first = a.citations[0].node if a.citations else None
    source = (f'<div class="source">依据：{escape(cite_path(first, show_doc))}{page_span(first)}</div>'
              if first else "")
    card = (f'<div class="answer-card"><div class="answer-text">{marked(a.answer)}</div>'
            f'<dl class="facts">{"".join(facts)}</dl>{note}{source}</div>')
    return card + citations_html(a.citations, "引用条款（点开看全文）", show_doc, mark)


def header_html(documents: Sequence[str], chapters: int, clauses: int, commitments: int) -> str:
    """The title over the tabs: which plan(s), and how much of them the app knows."""
    name = f"《{documents[0]}》" if len(documents) == 1 else f"{len(documents)} 份规划"
    return (f'<div class="kb-header"><h1>{escape(name)}知识库</h1>'
            "<p>用大白话提问，回答写明责任主体、目标和期限，并附上规划原文出处。</p>"
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
    crumbs = " › ".join(escape(p) for p in (leaf.doc, *leaf.path) if p)
    body = "".join(_sibling(s, i, s.id == leaf.id) for i, s in enumerate(siblings or [leaf], start=1))
    return (f'<div class="outline-context"><div class="current-cite">当前条款：{crumbs} › 「{escape(leaf.title)}」'
            f"{page_span(leaf)}</div>{body}</div>")


def _sibling(node: Node, n: int, current: bool) -> str:
    """One clause of a section in the outline: its title as the summary, open when it is the chosen one."""
    title = escape(short(node.title or node.text, 60))
    return (f'<details class="clause{" current" if current else ""}"{" open" if current else ""}>'
            f"<summary>{n}. {title}{page_span(node)}</summary>"
            f'<div class="clause-text">{marked(node.text)}</div>'
            f'<div class="full-cite">出处：{escape(node.citation)}</div></details>')


# ------------------------------------------------------------------ locate


def locate_html(matches: Sequence[MatchLike], show_doc: bool = False) -> str:
    """Where a pasted phrase comes from: citation, page, score and the match marked in context."""
    out = [f'<div class="locate-summary">找到 {len(matches)} 处：</div>']
    for i, m in enumerate(matches, start=1):
        kind = "原文一致" if m.exact else f"相近（相似度 {m.score:.1f}）"
        out.append(
            f'<div class="locate-hit"><span class="score">{escape(kind)}</span>'
            f'<div class="cite">[{i}] {escape(cite_path(m.node, show_doc))}{page_span(m.node)}</div>'
            f'<div class="context">{marked(m.context)}</div>'
            + clause_details(m.node, label="全文：", css="citation", show_doc=show_doc)
            + "</div>"
        )
    return "".join(out)


def locate_not_found(phrase: str) -> str:
    return empty_result(f"未找到「{short(phrase, 60)}」：规划中没有这句话，也没有足够接近的说法。")


# -------------------------------------------------------------------- quiz


def _quiz_source(item: QuizItemLike) -> str:
    if not item.citation or item.citation in item.explanation:
        return ""
    return f'<br><span class="page">出处：{escape(item.citation)}</span>'


def quiz_html(items: Sequence[QuizItemLike], type_names: dict[str, str] | None = None) -> str:
    """The quiz as a preview: each question with its options; answer and source folded below."""
    names = type_names or {}
    out = []
    for i, it in enumerate(items, start=1):
        options = ("<ol class='options'>" + "".join(f"<li>{escape(o)}</li>" for o in it.options) + "</ol>"
                   if it.type == "choice" else "")
        out.append(
            f'<div class="quiz-item"><div class="question">{i}. （{escape(names.get(it.type, it.type))}）'
            f"{escape(it.question)}</div>{options}"
            f'<details class="citation"><summary>答案：{escape(it.answer)}</summary>'
            f'<div class="clause-text">{escape(it.explanation)}{_quiz_source(it)}</div></details></div>'
        )
    return "".join(out)


def quiz_summary(made: int, wanted: int) -> str:
    """'共 8 题：', saying so when the chapter held fewer questions than asked for."""
    fewer = f"（只能出 {made} 题，少于所要的 {wanted} 题）" if made < wanted else ""
    return f'<div class="locate-summary">共 {made} 题{fewer}：</div>'
