"""The web app: ask the plan in plain Chinese, read it, audit its targets, make quizzes.

Every handler here is a plain function of a KnowledgeBase and the form's values
that returns HTML, a DataFrame or a file path, so tests call them directly with
a fake-encoder index; :func:`create_app` only wires them to Gradio components.
One KnowledgeBase is shared by every browser session (it is read-only); a
session keeps only its chat and the questions asked so far, which ``kb.ask``
needs to understand a follow-up such as 那到什么时候完成？.

Nothing here reaches the network: analytics are off, ``share`` is off, the
theme's fonts are local and the server listens on loopback unless told otherwise.
"""

from __future__ import annotations

import os

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")  # before gradio is imported: no phoning home

import hashlib  # noqa: E402
import html  # noqa: E402
import re  # noqa: E402
import tempfile  # noqa: E402
import threading  # noqa: E402
import uuid  # noqa: E402
from collections.abc import Callable, Sequence  # noqa: E402
from functools import partial  # noqa: E402
from pathlib import Path  # noqa: E402

import gradio as gr  # noqa: E402
import pandas as pd  # noqa: E402

from kb.document import LEAF_KINDS, Node  # noqa: E402
from kb.errors import IndexMissing, QueryError  # noqa: E402
from kb.knowledge import KnowledgeBase  # noqa: E402
from kb.query.answer import Answer  # noqa: E402
from kb.query.search import MAX_QUERY_CHARS  # noqa: E402
from kb.text.extract import mark, split_unit  # noqa: E402
from kb.tools.register import HEADERS_ZH, to_rows  # noqa: E402

__all__ = ["EXAMPLES", "create_app", "launch", "open_or_build", "serve"]

#: Questions on the first screen: one per kind of answer (owner, rule, number, places).
EXAMPLES = (
    "哪个部门负责环境应急联动？",
    "农民烧秸秆怎么管？",
    "城镇污水处理率2025年要达到多少？",
    "哪些县区要建设畜禽废弃物综合利用企业？",
)
#: A phrase for the 条款定位 tab's example (verbatim from the plan).
LOCATE_EXAMPLE = "从源头上杜绝秸秆焚烧现象"
ALL_DOCS = "全部文件"
ALL_CHAPTERS = "全部章节"
#: Requests served at once; searches are read-only, so sessions need not wait for each other.
CONCURRENCY = 4
QUIZ_TYPES = (("选择题", "choice"), ("填空题", "fill"), ("判断题", "judge"))
QUIZ_FORMATS = (("Word 试卷（docx）", "docx"), ("Excel（xlsx）", "xlsx"), ("CSV", "csv"), ("Markdown", "md"))
TABLE_FORMATS = (("Excel（xlsx）", "xlsx"), ("CSV（Excel 可直接打开）", "csv"))
#: Register columns shown in the table (all of them go into the download).
TABLE_KEYS = ("id", "metric", "comparator", "value", "unit", "baseline", "deadline", "owners",
              "attribute", "source", "citation", "page", "text")
SOURCE_ZH = {"table": "指标表", "clause": "条款"}

EMPTY_QUESTION = f"请先输入一个问题，比如：{EXAMPLES[0]}"
NO_OWNER = "未写明"

CSS = """
.kb-header h1 {font-size: 1.55rem; margin: 0 0 .2rem 0;}
.kb-header p {margin: 0; color: var(--body-text-color-subdued);}
.kb-header .stats span {display: inline-block; margin-right: 1.2rem;}
.answer-card {border: 1px solid var(--border-color-primary); border-left: 4px solid #0f766e;
  border-radius: 8px; padding: .7rem .9rem; background: var(--background-fill-primary); line-height: 1.7;}
.answer-card .answer-text {font-size: 1.02rem; margin-bottom: .5rem;}
.answer-card dl.facts {margin: 0;}
.answer-card dl.facts > div {display: flex; gap: .8rem; align-items: baseline; padding: .1rem 0;}
.answer-card dl.facts dt {font-weight: 600; color: #0f766e; white-space: nowrap; min-width: 4.5em;}
.answer-card dl.facts dd {margin: 0; flex: 1;}
.answer-card .chip {display: inline-block; background: #ccfbf1; color: #134e4a; border-radius: 999px;
  padding: 0 .55rem; margin: 0 .3rem .2rem 0; font-size: .92rem;}
.answer-card .none {color: var(--body-text-color-subdued);}
.answer-card .note {margin-top: .5rem; color: #92400e; background: #fef3c7; border-radius: 6px; padding: .3rem .6rem;}
.answer-card.notice {border-left-color: #d97706;}
.answer-card.not-found {border-left-color: #b91c1c;}
.answer-card.not-found .note {color: #7f1d1d; background: #fee2e2;}
.answer-card .source {margin-top: .45rem; font-size: .9rem; color: var(--body-text-color-subdued);}
table.indicator-row {border-collapse: collapse; font-size: .9rem; margin: 0;}
table.indicator-row th, table.indicator-row td {border: 1px solid var(--border-color-primary); padding: .1rem .45rem;}
.citations {margin-top: .6rem;}
.citations .citations-title {font-weight: 600; margin-bottom: .25rem;}
details.citation, details.clause {border: 1px solid var(--border-color-primary); border-radius: 6px;
  margin: .3rem 0; padding: .25rem .6rem; background: var(--background-fill-secondary);}
details.citation summary, details.clause summary {cursor: pointer; font-size: .92rem;}
details.clause.current {border: 2px solid #0f766e; background: var(--background-fill-primary);}
.full-cite {font-size: .85rem; color: var(--body-text-color-subdued); margin-top: .2rem;}
.page {color: var(--body-text-color-subdued); font-size: .85rem; margin-left: .3rem; white-space: nowrap;}
.clause-text {margin-top: .35rem; line-height: 1.75; white-space: normal;}
mark {background: #fde68a; color: inherit; padding: 0 .1rem; border-radius: 3px;}
.outline-context .current-cite {font-weight: 600; margin-bottom: .3rem;}
.outline-context .crumbs {color: var(--body-text-color-subdued); font-size: .9rem; margin-bottom: .4rem;}
.locate-hit, .quiz-item {border: 1px solid var(--border-color-primary); border-radius: 8px; padding: .5rem .8rem;
  margin: .4rem 0; line-height: 1.7;}
.locate-hit .cite {font-weight: 600;} .locate-hit .score {float: right; font-size: .85rem;}
.quiz-item ol.options {list-style: upper-alpha; margin: .2rem 0 .2rem 1.4rem;}
.empty-result {color: #7f1d1d; background: #fee2e2; border-radius: 6px; padding: .5rem .8rem;}
.example-btn {justify-content: flex-start !important; text-align: left !important;}
#chatbot button.example {border: 1px solid #99f6e4; border-radius: 10px; background: #f0fdfa;}
#chatbot button.example:hover {border-color: #0f766e; background: #ccfbf1;}
"""

THEME = gr.themes.Soft(
    primary_hue="teal",
    font=("Noto Sans CJK SC", "Source Han Sans SC", "PingFang SC", "Microsoft YaHei", "system-ui", "sans-serif"),
    font_mono=("Noto Sans Mono CJK SC", "ui-monospace", "monospace"),
)


# ----------------------------------------------------------------- HTML bits

_MARK_RE = re.compile(r"【([^【】]*)】")


def marked(text: str) -> str:
    """Plan text as safe HTML, with kb.text.extract's 【term】 marks shown as <mark>."""
    out = _MARK_RE.sub(r"<mark>\1</mark>", html.escape(text)).replace("</mark><mark>", "")  # 【部门】【应急】 → one
    return out.replace("\n", "<br>")


def cite_path(node: Node, show_doc: bool = False) -> str:
    """The citation without its page (shown on its own) and, for a one-plan index, without the plan's name."""
    cite = node.citation
    cite = cite[: -len(node.pages)].rstrip() if node.pages and cite.endswith(node.pages) else cite
    prefix = f"{node.doc} › "
    return cite[len(prefix):] if not show_doc and cite.startswith(prefix) else cite


def clause_details(node: Node, terms: Sequence[str] = (), label: str = "", css: str = "citation",
                   is_open: bool = False, show_doc: bool = False) -> str:
    """A clause as <details>: its citation and page in the summary; the full text and full citation inside."""
    summary = (f'<summary title="{html.escape(node.citation)}">{html.escape(label)}'
               f'<span class="cite-path">{html.escape(cite_path(node, show_doc))}</span>'
               f'<span class="page">{html.escape(node.pages)}</span></summary>')
    body = (f'<div class="clause-text">{marked(mark(node.text, list(terms)))}</div>'
            f'<div class="full-cite">出处：{html.escape(node.citation)}</div>')
    return f'<details class="{css}"{" open" if is_open else ""}>{summary}{body}</details>'


def _chips(values: Sequence[str]) -> str:
    return "".join(f'<span class="chip">{html.escape(v)}</span>' for v in values)


def _fact(css: str, name: str, value_html: str) -> str:
    return f'<div class="{css}"><dt>{name}</dt><dd>{value_html or "<span class=none>—</span>"}</dd></div>'


def target_text(t) -> str:
    """'城镇污水收集处理率 ≥96%（到2025年）' from a kb.text.extract.Target."""
    comparator = "" if t.comparator in ("", "=") else t.comparator
    text = f"{t.metric} {comparator}{t.value}{t.unit}".strip()
    extras = [e for e in (t.deadline, f"基准 {t.baseline}" if t.baseline else "") if e]
    return text + (f"（{'，'.join(extras)}）" if extras else "")


def indicator_table(row: Node) -> str:
    """An indicator-table row as a one-row HTML table (序号/类别 dropped: they mean nothing alone)."""
    cols = [(h, v) for h, v in row.columns if h not in ("序号", "类别") and v]
    head = "".join(f"<th>{html.escape(h)}</th>" for h, _ in cols)
    cells = "".join(f"<td>{html.escape(v)}</td>" for _, v in cols)
    return f'<table class="indicator-row"><tr>{head}</tr><tr>{cells}</tr></table>'


def citations_html(hits: Sequence, title: str, show_doc: bool = False) -> str:
    items = "".join(clause_details(h.node, h.matched, f"[{h.rank}] ", show_doc=show_doc) for h in hits)
    return f'<div class="citations"><div class="citations-title">{title}</div>{items}</div>'


def notice_html(text: str) -> str:
    return f'<div class="answer-card notice"><div class="answer-text">{html.escape(text)}</div></div>'


def answer_html(a: Answer, show_doc: bool = False) -> str:
    """The reply card: answer, owners, targets, deadlines (always shown), then the cited clauses.

    A question the plan does not cover gets the note and the nearest clauses, labelled
    as references, never dressed up as an answer.
    """
    if not a.found:
        card = (f'<div class="answer-card not-found"><div class="note">{html.escape(a.note)}</div>'
                '<div class="source">可以换个说法再问，或到“条款定位”里粘贴原文查找。</div></div>')
        nearest = citations_html(a.citations, "最接近的条款（仅供参考，不是答案）", show_doc) if a.citations else ""
        return card + nearest
    facts = [
        _fact("owners", "责任主体", _chips(a.owners) or f'<span class="none">{NO_OWNER}</span>'),
        _fact("targets", "目标", "；".join(html.escape(target_text(t)) for t in a.targets)),
        _fact("deadlines", "期限", _chips(a.deadlines)),
    ]
    if a.indicator is not None:
        facts.append(_fact("indicator", "指标表", indicator_table(a.indicator)))
    note = ""
    if a.note:
        rule = (clause_details(a.general_rule, label="总体责任：", css="citation general-rule", show_doc=show_doc)
                if a.general_rule else "")
        note = f'<div class="note">{html.escape(a.note)}</div>{rule}'
    source = (f'<div class="source">依据：{html.escape(cite_path(a.citations[0].node, show_doc))}'
              f'<span class="page">{html.escape(a.citations[0].node.pages)}</span></div>' if a.citations else "")
    card = (f'<div class="answer-card"><div class="answer-text">{marked(a.answer)}</div>'
            f'<dl class="facts">{"".join(facts)}</dl>{note}{source}</div>')
    return card + citations_html(a.citations, "引用条款（点开看全文）", show_doc)


# ------------------------------------------------------------------- filters


def doc_choices(kb: KnowledgeBase) -> list[str]:
    return [ALL_DOCS, *kb.documents]


def chapter_choices(kb: KnowledgeBase, doc_value: str | None = None) -> list[tuple[str, str]]:
    """(label, value) pairs for a chapter dropdown; values are chapter numbers as text."""
    doc = doc_filter(doc_value)
    seen: dict[int, str] = {}
    for c in kb.chapters(doc):
        seen.setdefault(c.chapter, c.title if doc or len(kb.documents) == 1 else f"第{c.chapter}章")
    return [(ALL_CHAPTERS, ALL_CHAPTERS), *((title, str(n)) for n, title in sorted(seen.items()))]


def doc_filter(doc_value: str | None) -> str | None:
    return None if not doc_value or doc_value == ALL_DOCS else doc_value


def chapter_filter(chapter_value: str | int | None) -> int | None:
    text = str(chapter_value or "")
    return int(text) if text.isdigit() else None


def update_chapters(kb: KnowledgeBase, doc_value: str | None):
    """New chapter choices when the document changes (back to 全部章节)."""
    return gr.update(choices=chapter_choices(kb, doc_value), value=ALL_CHAPTERS)


# ---------------------------------------------------------------------- chat


def polite_error(error: QueryError, question: str) -> str:
    """The library's QueryError, said in Chinese with what to do next."""
    if "too long" in str(error) or len(question) > MAX_QUERY_CHARS:
        return (f"问题太长了（{len(question)} 个字，最多 {MAX_QUERY_CHARS} 个字）。请一次只问一件事；"
                "要查一段原文出自哪里，请用“条款定位”。")
    return EMPTY_QUESTION


def chat_turn(
    kb: KnowledgeBase,
    message: str | None,
    history: list | None,
    asked: list[str] | None,
    doc_value: str | None = ALL_DOCS,
    chapter_value: str | None = ALL_CHAPTERS,
) -> tuple[list, list[str], str]:
    """One question → (chat messages, questions asked so far, new textbox value).

    ``asked`` holds what each earlier turn actually searched (the question with
    the topic a follow-up leaned on), so a chain of follow-ups keeps its topic.
    A rejected question keeps its text in the box so it can be shortened.
    """
    question = (message or "").strip()
    history = list(history or [])
    asked = list(asked or [])
    if not question:
        history.append({"role": "assistant", "content": notice_html(EMPTY_QUESTION)})
        return history, asked, ""
    history.append({"role": "user", "content": question})
    try:
        a = kb.ask(question, history=asked, doc=doc_filter(doc_value), chapter=chapter_filter(chapter_value))
    except QueryError as e:
        history.append({"role": "assistant", "content": notice_html(polite_error(e, question))})
        return history, asked, question
    history.append({"role": "assistant", "content": answer_html(a, show_doc=len(kb.documents) > 1)})
    return history, [*asked, a.searched or question], ""


def example_turn(kb: KnowledgeBase, history: list | None, asked: list[str] | None, doc_value: str | None,
                 chapter_value: str | None, evt: gr.SelectData) -> tuple[list, list[str], str]:
    """An example card of the empty chat was clicked: ask its question."""
    value = evt.value if isinstance(evt.value, dict) else {"text": str(evt.value)}
    return chat_turn(kb, value.get("text", ""), history, asked, doc_value, chapter_value)


# ------------------------------------------------------------------- outline


def outline_tops(kb: KnowledgeBase, doc: str | None = None) -> list[tuple[str, str]]:
    """The plan's top level: the notice, the foreword and each chapter."""
    doc = doc or kb.documents[0]
    return [(n.title if n.kind != "preamble" else "印发通知", n.id) for n in kb.nodes
            if n.doc == doc and n.parent is None and (n.kind != "preamble" or n.text)]


def outline_parts(kb: KnowledgeBase, top_id: str, doc: str | None = None) -> list[tuple[str, str]]:
    """Sections and boxes of a chapter; the chapter itself first when clauses sit right under it."""
    doc = doc or kb.documents[0]
    top = kb.node(top_id, doc)
    if top is None:
        return []
    children = kb.children(top)
    parts = [(c.title, c.id) for c in children if c.kind not in LEAF_KINDS]
    if top.kind in LEAF_KINDS or any(c.kind in LEAF_KINDS for c in children):
        parts.insert(0, ("（本章正文）" if top.kind == "chapter" else top.title, top.id))
    return parts


def outline_leaves(kb: KnowledgeBase, part_id: str, doc: str | None = None) -> list[tuple[str, str]]:
    """The clauses, box items and table rows directly under a section, box or chapter."""
    doc = doc or kb.documents[0]
    part = kb.node(part_id, doc)
    if part is None:
        return []
    if part.kind in LEAF_KINDS:
        return [(part.title or "全文", part.id)]
    leaves = [c for c in kb.children(part) if c.kind in LEAF_KINDS and c.text]
    return [(_short(c.title or c.text, 40), c.id) for c in leaves]


def _short(text: str, width: int) -> str:
    text = re.sub(r"\s+", " ", text).strip()
    return text if len(text) <= width else text[: width - 1] + "…"


def outline_context(kb: KnowledgeBase, leaf_id: str | None, doc: str | None = None) -> str:
    """A clause in context: where it stands, then it and its siblings (it open, they folded)."""
    doc = doc or kb.documents[0]
    leaf = kb.node(leaf_id, doc) if leaf_id else None
    if leaf is None:
        return '<div class="outline-context"><div class="crumbs">请选择章节和条款。</div></div>'
    parent = kb.node(leaf.parent, doc) if leaf.parent else None
    siblings = [c for c in kb.children(parent) if c.kind in LEAF_KINDS and c.text] if parent else [leaf]
    crumbs = " › ".join(html.escape(p) for p in (leaf.doc, *leaf.path) if p)
    body = "".join(_sibling(s, i, s.id == leaf.id) for i, s in enumerate(siblings, start=1))
    return (f'<div class="outline-context"><div class="current-cite">当前条款：{crumbs} › 「{html.escape(leaf.title)}」'
            f'<span class="page">{html.escape(leaf.pages)}</span></div>{body}</div>')


def _sibling(node: Node, n: int, current: bool) -> str:
    """One clause of a section in the outline: its title as the summary, open when it is the chosen one."""
    title = html.escape(_short(node.title or node.text, 60))
    return (f'<details class="clause{" current" if current else ""}"{" open" if current else ""}>'
            f'<summary>{n}. {title}<span class="page">{html.escape(node.pages)}</span></summary>'
            f'<div class="clause-text">{marked(node.text)}</div>'
            f'<div class="full-cite">出处：{html.escape(node.citation)}</div></details>')


def outline_pick_top(kb: KnowledgeBase, doc_value: str | None, top_id: str):
    """Chapter chosen → its parts, their first part's clauses, the first clause shown."""
    doc = doc_filter(doc_value)
    parts = outline_parts(kb, top_id, doc)
    part = parts[0][1] if parts else None
    leaves = outline_leaves(kb, part, doc) if part else []
    leaf = leaves[0][1] if leaves else None
    return (gr.update(choices=parts, value=part), gr.update(choices=leaves, value=leaf),
            outline_context(kb, leaf, doc))


def outline_pick_part(kb: KnowledgeBase, doc_value: str | None, part_id: str):
    doc = doc_filter(doc_value)
    leaves = outline_leaves(kb, part_id, doc) if part_id else []
    leaf = leaves[0][1] if leaves else None
    return gr.update(choices=leaves, value=leaf), outline_context(kb, leaf, doc)


def outline_pick_doc(kb: KnowledgeBase, doc_value: str | None):
    doc = doc_filter(doc_value)
    tops = outline_tops(kb, doc)
    first = tops[0][1] if tops else None
    return (gr.update(choices=tops, value=first), *outline_pick_top(kb, doc_value, first))


# ------------------------------------------------------------------ register


def register_rows(kb: KnowledgeBase, doc_value: str | None = None, chapter_value: str | None = None,
                  query: str = "") -> list[dict]:
    """The register (kb.tools.register rows), narrowed to a chapter and to rows that mention ``query``."""
    rows = to_rows(kb.targets(doc=doc_filter(doc_value), chapter=chapter_filter(chapter_value)))
    words = (query or "").split()
    if words:
        fields = ("id", "metric", "value", "deadline", "owners", "attribute", "citation", "text")
        rows = [r for r in rows if all(any(w in str(r[f]) for f in fields) for w in words)]
    return rows


_NUMBERED_RE = re.compile(r"^(第[一二三四五六七八九十百零]+[章节]|专栏[一二三四五六七八九十百零]+)")


def short_cite(node: Node, show_doc: bool = False) -> str:
    """'第二章 › 专栏一 › 「城镇污水处理率(%)」 p.19': numbered headings by number only, for table cells."""
    parts = [m.group(1) if (m := _NUMBERED_RE.match(p)) else p for p in node.path]
    if node.title:
        parts.append(f"「{node.title}」")
    return " › ".join([node.doc] * show_doc + parts) + (f" {node.pages}" if node.pages else "")


def table_cites(kb: KnowledgeBase, rows: Sequence[dict]) -> dict[str, str]:
    """Short citations of register rows by row id (a row's id is its node's id, '#', a number)."""
    show_doc = len(kb.documents) > 1
    nodes = {(n.doc, n.id): n for n in kb.nodes}
    out = {}
    for r in rows:
        node = nodes.get((r["citation"].split(" › ", 1)[0], r["id"].rsplit("#", 1)[0]))
        out[r["id"]] = short_cite(node, show_doc) if node else r["citation"]
    return out


def register_frame(rows: Sequence[dict], cites: dict[str, str] | None = None) -> pd.DataFrame:
    """Rows as a DataFrame with the Chinese headers; pages stay numbers so they sort as numbers.

    ``cites`` replaces the full citations (kept in downloads) by short ones that fit a table cell.
    """
    cites = cites or {}

    def cell(r: dict, k: str):
        if k == "source":
            return SOURCE_ZH.get(r[k], r[k])
        if k == "citation":
            return cites.get(r["id"], r[k])
        return r[k]

    data = [{HEADERS_ZH[k]: cell(r, k) for k in TABLE_KEYS} for r in rows]
    frame = pd.DataFrame(data, columns=[HEADERS_ZH[k] for k in TABLE_KEYS])
    frame[HEADERS_ZH["page"]] = pd.to_numeric(frame[HEADERS_ZH["page"]], errors="coerce").astype("Int64")
    return frame.fillna("")


def register_view(kb: KnowledgeBase, doc_value: str | None, chapter_value: str | None,
                  query: str) -> tuple[pd.DataFrame, str]:
    rows = register_rows(kb, doc_value, chapter_value, query)
    tables = sum(1 for r in rows if r["source"] == "table")
    summary = f"共 {len(rows)} 项承诺：指标表 {tables} 项，条款 {len(rows) - tables} 项。"
    return register_frame(rows, table_cites(kb, rows)), summary


_downloads: Path | None = None
_downloads_lock = threading.Lock()


def _download(kb: KnowledgeBase, name: str, key: tuple, write: Callable[[Path], object]) -> str:
    """The file for a download: written once per distinct request, then reused.

    A download depends only on the (read-only) index and the form's values, so a
    server that runs for months keeps one file per distinct request rather than one
    per click.  It is written under a temporary name and renamed into place, so no
    session is ever handed another's half-written file.
    """
    global _downloads
    with _downloads_lock:
        if _downloads is None:
            _downloads = Path(tempfile.mkdtemp(prefix="kb-app-"))
    index = (str(kb.data.folder.resolve()), kb.data.manifest.get("built_at"))
    folder = _downloads / hashlib.sha256(repr((index, key)).encode()).hexdigest()[:20]
    path = folder / name
    if not path.exists():
        folder.mkdir(parents=True, exist_ok=True)
        part = folder / f".{uuid.uuid4().hex}{path.suffix}"
        write(part)
        os.replace(part, path)
    return str(path)


def register_export(kb: KnowledgeBase, doc_value: str | None, chapter_value: str | None, query: str,
                    fmt: str) -> str:
    """The (filtered) register as an xlsx or csv file for download; returns its path."""
    from kb.tools.export import write_table

    fmt = fmt if fmt in ("xlsx", "csv") else "xlsx"
    rows = register_rows(kb, doc_value, chapter_value, query)
    key = ("register", doc_value, chapter_value, " ".join((query or "").split()), fmt)
    return _download(kb, f"承诺清单.{fmt}", key, lambda path: write_table(rows, HEADERS_ZH, path, fmt, title="承诺清单"))


def register_download(kb: KnowledgeBase, doc_value: str | None, chapter_value: str | None, query: str,
                      fmt: str):
    """The download button, pointing at a fresh file of exactly the rows on screen."""
    path = register_export(kb, doc_value, chapter_value, query, fmt)
    return gr.update(value=path, label=f"下载{'Excel' if path.endswith('.xlsx') else ' CSV'}（当前筛选结果）")


def register_refresh(kb: KnowledgeBase, doc_value: str | None, chapter_value: str | None, query: str, fmt: str):
    """Table, count and download together, so the button never offers the rows of the previous filter."""
    frame, summary = register_view(kb, doc_value, chapter_value, query)
    return frame, summary, register_download(kb, doc_value, chapter_value, query, fmt)


_NUMBER_RE = re.compile(r"\d+(?:\.\d+)?")
_YEAR_RE = re.compile(r"((?:19|20)\d{2})年")


def _number(cell: str) -> float | None:
    """96 from '≥96', 73.5 from '73.5*'; None for words (完成省定目标) or '-'."""
    cell = cell.strip()
    m = _NUMBER_RE.search(cell)
    if not m or re.search(r"[\u4e00-\u9fff]", cell):
        return None
    return float(m.group())


def indicator_chart_data(kb: KnowledgeBase, doc_value: str | None = None) -> pd.DataFrame:
    """Baseline vs target of each indicator row whose two cells are both numbers, for a bar chart.

    One bar per (indicator, year): NativePlot stacks bars of one x value, so each
    bar gets its own x label; rows keep the plan's order.
    """
    doc = doc_filter(doc_value)
    data = []
    for n in kb.nodes:
        if n.kind != "row" or (doc and n.doc != doc):
            continue
        cols = dict(n.columns)
        name = next((v for h, v in n.columns if "名称" in h), n.title)
        base = next(((h, v) for h, v in n.columns if "基准" in h or "现状" in h), None)
        goal = next(((h, v) for h, v in n.columns if "目标" in h), None)
        if not base or not goal:
            continue
        b, g = _number(base[1]), _number(goal[1])
        if b is None or g is None:
            continue
        metric, unit = split_unit(name)
        label = f"{cols.get('序号', '')}.{_short(metric, 9)}".lstrip(".")
        for header, value, kind in ((base[0], b, "基准值"), (goal[0], g, "目标")):
            year = _YEAR_RE.search(header)
            series = f"{year.group(1)}年{kind}" if year else kind
            data.append({"指标": f"{label}·{year.group(1) if year else kind}", "类别": series, "数值": value,
                         "单位": unit, "指标名称": metric})
    return pd.DataFrame(data, columns=["指标", "类别", "数值", "单位", "指标名称"])


# -------------------------------------------------------------------- locate


def locate_html(kb: KnowledgeBase, phrase: str | None) -> str:
    """Where a pasted phrase comes from: citation, page, score and the match marked in context."""
    phrase = (phrase or "").strip()
    if not phrase:
        return '<div class="empty-result">请粘贴一句要查找出处的原文。</div>'
    try:
        matches = kb.locate(phrase, limit=10)
    except QueryError:
        return '<div class="empty-result">这段文字太长了。请只粘贴要查的那一两句话。</div>'
    if not matches:
        return (f'<div class="empty-result">未找到「{html.escape(_short(phrase, 60))}」：规划中没有这句话，'
                "也没有足够接近的说法。</div>")
    show_doc = len(kb.documents) > 1
    out = [f'<div class="locate-summary">找到 {len(matches)} 处：</div>']
    for i, m in enumerate(matches, start=1):
        kind = "原文一致" if m.exact else f"相近（相似度 {m.score:.1f}）"
        out.append(
            f'<div class="locate-hit"><span class="score">{kind}</span>'
            f'<div class="cite">[{i}] {html.escape(cite_path(m.node, show_doc))}<span class="page">'
            f'{html.escape(m.node.pages)}</span></div><div class="context">{marked(m.context)}</div>'
            + clause_details(m.node, label="全文：", css="citation", show_doc=show_doc)
            + "</div>"
        )
    return "".join(out)


# ---------------------------------------------------------------------- quiz


def quiz_title(kb: KnowledgeBase, doc: str | None, chapter: int | None) -> str:
    name = doc or (kb.documents[0] if len(kb.documents) == 1 else "规划")
    return f"《{name}》知识测验" + (f"（第{chapter}章）" if chapter is not None else "")


def _quiz_source(item) -> str:
    if not item.citation or item.citation in item.explanation:
        return ""
    return f'<br><span class="page">出处：{html.escape(item.citation)}</span>'


def quiz_html(items: Sequence) -> str:
    """The quiz as a preview: each question with its options; answer and source folded below."""
    from kb.tools.export import TYPE_NAMES_ZH

    out = []
    for i, it in enumerate(items, start=1):
        options = ("<ol class='options'>" + "".join(f"<li>{html.escape(o)}</li>" for o in it.options) + "</ol>"
                   if it.type == "choice" else "")
        out.append(
            f'<div class="quiz-item"><div class="question">{i}. （{TYPE_NAMES_ZH.get(it.type, it.type)}）'
            f"{html.escape(it.question)}</div>{options}"
            f'<details class="citation"><summary>答案：{html.escape(it.answer)}</summary>'
            f'<div class="clause-text">{html.escape(it.explanation)}{_quiz_source(it)}</div></details></div>'
        )
    return "".join(out)


def quiz_make(kb: KnowledgeBase, doc_value: str | None, chapter_value: str | None, n: float,
              types: Sequence[str] | None, seed: float | None, fmt: str) -> tuple[str, str | None]:
    """Make a quiz → (preview HTML, path of the file to download, or None if nothing was made)."""
    from kb.tools.export import write_quiz

    types = [t for t in (types or []) if t in dict((v, k) for k, v in QUIZ_TYPES)]
    if not types:
        return '<div class="empty-result">请至少选择一种题型。</div>', None
    doc, chapter = doc_filter(doc_value), chapter_filter(chapter_value)
    items = kb.quiz(n=int(n), chapter=chapter, types=types, seed=int(seed or 0), doc=doc)
    if not items:
        return '<div class="empty-result">这一章没有能出题的内容（没有数字、期限或名单），请换一章。</div>', None
    fmt = fmt if fmt in dict((v, k) for k, v in QUIZ_FORMATS) else "docx"
    title = quiz_title(kb, doc, chapter)
    key = ("quiz", doc, chapter, int(n), tuple(types), int(seed or 0), fmt)
    path = _download(kb, f"测验.{fmt}", key, lambda part: write_quiz(items, part, fmt, title=title))
    head = f'<div class="locate-summary">共 {len(items)} 题' + (f"（只能出 {len(items)} 题，少于所要的 {int(n)} 题）"
                                                              if len(items) < int(n) else "") + "：</div>"
    return head + quiz_html(items), path


# ----------------------------------------------------------------------- app


def header_html(kb: KnowledgeBase) -> str:
    docs = kb.documents
    name = f"《{docs[0]}》" if len(docs) == 1 else f"{len(docs)} 份规划"
    leaves = sum(1 for n in kb.nodes if n.kind in LEAF_KINDS and n.text)
    chapters = len(kb.chapters())
    commitments = len(kb.targets())
    return (f'<div class="kb-header"><h1>{html.escape(name)}知识库</h1>'
            "<p>用大白话提问，回答写明责任主体、目标和期限，并附上规划原文出处。</p>"
            f'<p class="stats"><span>{chapters} 章</span><span>{leaves} 条条款</span>'
            f"<span>{commitments} 项量化承诺</span></p></div>")


WELCOME = (
    "**您好！** 我只根据规划原文回答，每个回答都附出处。\n\n"
    "可以问：谁负责某项工作、某个指标要达到多少、什么时候完成、哪些县区要做什么。"
    "追问时可以直接说“那到什么时候完成？”。"
)


def _bind(fn: Callable, kb: KnowledgeBase) -> Callable:
    """Gradio reads the handler's signature; partial keeps the kb argument out of it."""
    return partial(fn, kb)


def create_app(kb: KnowledgeBase) -> gr.Blocks:
    """The Blocks UI over one loaded (read-only, shared) KnowledgeBase."""
    # delete_cache: Gradio's copies of downloads older than a day go, checked hourly
    with gr.Blocks(title="规划知识库", analytics_enabled=False, delete_cache=(3600, 86400)) as demo:
        gr.HTML(header_html(kb), elem_id="kb-header")
        with gr.Tabs(elem_id="kb-tabs"):
            with gr.Tab("问答", id="chat", elem_id="tab-chat"):
                _chat_tab(kb)
            with gr.Tab("大纲", id="outline", elem_id="tab-outline"):
                _outline_tab(kb)
            with gr.Tab("指标清单", id="register", elem_id="tab-register"):
                _register_tab(kb)
            with gr.Tab("条款定位", id="locate", elem_id="tab-locate"):
                _locate_tab(kb)
            with gr.Tab("出题", id="quiz", elem_id="tab-quiz"):
                _quiz_tab(kb)
    demo.queue(default_concurrency_limit=CONCURRENCY)
    return demo


def _doc_dropdown(kb: KnowledgeBase) -> gr.Dropdown:
    """A document filter, shown only when the index holds more than one plan."""
    return gr.Dropdown(doc_choices(kb), value=ALL_DOCS, label="文件", visible=len(kb.documents) > 1)


def _chat_tab(kb: KnowledgeBase) -> None:
    asked = gr.State([])
    with gr.Row(equal_height=False):
        with gr.Column(scale=4):
            chatbot = gr.Chatbot(
                show_label=False, elem_id="chatbot", height=540, layout="panel",
                placeholder=WELCOME, buttons=["copy"], feedback_options=None,
                examples=[{"text": q} for q in EXAMPLES],
            )
            with gr.Row():
                question = gr.Textbox(
                    placeholder="用一句话提问，比如：哪个部门负责环境应急联动？（回车发送）",
                    show_label=False, scale=6, elem_id="question", max_lines=4, autofocus=True,
                )
                send = gr.Button("发送", variant="primary", scale=1, min_width=80, elem_id="send")
        with gr.Column(scale=1, min_width=220):
            doc = _doc_dropdown(kb)
            chapter = gr.Dropdown(chapter_choices(kb), value=ALL_CHAPTERS, label="只在这一章里找",
                                  elem_id="chat-chapter")
            clear = gr.Button("清空对话", size="sm", elem_id="clear")
            gr.Markdown("**试试这样问：**")
            examples = [gr.Button(q, size="sm", elem_classes="example-btn") for q in EXAMPLES]
            gr.Markdown(
                "回答摘自规划原文，关键词以黄色标出。**责任主体**、**目标**、**期限**都从所引条款中提取；"
                "条款没写责任主体时，会引用规划的总体责任分工条款。点开引用条款可看全文和页码。"
            )
    outputs = [chatbot, asked, question]
    question.submit(_bind(chat_turn, kb), [question, chatbot, asked, doc, chapter], outputs, api_name="ask")
    send.click(_bind(chat_turn, kb), [question, chatbot, asked, doc, chapter], outputs, api_visibility="private")
    for button, q in zip(examples, EXAMPLES, strict=True):
        button.click(partial(chat_turn, kb, q), [chatbot, asked, doc, chapter], outputs, api_visibility="private")
    def on_example(history: list, asked: list[str], doc_value: str, chapter_value: str, evt: gr.SelectData):
        # a plain function, not a partial: Gradio finds the SelectData argument through its type hints
        return example_turn(kb, history, asked, doc_value, chapter_value, evt)

    chatbot.example_select(on_example, [chatbot, asked, doc, chapter], outputs, api_visibility="private")
    clear.click(lambda: ([], [], ""), None, outputs, api_visibility="private")
    chatbot.clear(lambda: [], None, asked, api_visibility="private")  # the chat's bin icon: forget the topic too
    doc.change(_bind(update_chapters, kb), doc, chapter, api_visibility="private")


def _outline_tab(kb: KnowledgeBase) -> None:
    tops = outline_tops(kb)
    first = next((v for _, v in tops if kb.node(v, kb.documents[0]).kind == "chapter"), tops[0][1] if tops else None)
    parts = outline_parts(kb, first) if first else []
    leaves = outline_leaves(kb, parts[0][1]) if parts else []
    leaf0 = leaves[0][1] if leaves else None
    with gr.Row():
        doc = gr.Dropdown(kb.documents, value=kb.documents[0], label="文件", visible=len(kb.documents) > 1)
        top = gr.Dropdown(tops, value=first, label="章", elem_id="outline-chapter")
        part = gr.Dropdown(parts, value=parts[0][1] if parts else None, label="节 / 专栏", elem_id="outline-part")
        leaf = gr.Dropdown(leaves, value=leaf0, label="条款", elem_id="outline-leaf")
    context = gr.HTML(outline_context(kb, leaf0), elem_id="outline-context")
    doc.change(_bind(outline_pick_doc, kb), doc, [top, part, leaf, context], api_visibility="private")
    top.input(_bind(outline_pick_top, kb), [doc, top], [part, leaf, context], api_visibility="private")
    part.input(_bind(outline_pick_part, kb), [doc, part], [leaf, context], api_visibility="private")
    leaf.input(lambda d, i: outline_context(kb, i, doc_filter(d)), [doc, leaf], context, api_visibility="private")


def _register_tab(kb: KnowledgeBase) -> None:
    frame, summary0 = register_view(kb, ALL_DOCS, ALL_CHAPTERS, "")
    with gr.Row():
        doc = _doc_dropdown(kb)
        chapter = gr.Dropdown(chapter_choices(kb), value=ALL_CHAPTERS, label="章节")
        query = gr.Textbox(label="筛选（指标、责任主体、原文中的词，空格分隔，回车生效）", scale=2,
                           elem_id="register-query")
    with gr.Row(equal_height=True):
        summary = gr.Markdown(summary0, elem_id="register-summary")
        fmt = gr.Radio(TABLE_FORMATS, value="xlsx", show_label=False, container=False)
        download = gr.DownloadButton("下载 Excel（当前筛选结果）", register_export(kb, ALL_DOCS, ALL_CHAPTERS, "", "xlsx"),
                                     variant="primary", elem_id="register-download")
    table = gr.Dataframe(
        frame, elem_id="register-table", interactive=False, wrap=True, max_height=460,
        datatype=["number" if k == "page" else "str" for k in TABLE_KEYS],
        column_widths=["104px", "200px", "56px", "96px", "56px", "72px", "96px", "170px", "70px",
                       "64px", "240px", "56px", "400px"],
        max_chars=120, buttons=["fullscreen", "copy"], pinned_columns=2,
    )
    chart = indicator_chart_data(kb)
    gr.Markdown("### 2020 年基准值与 2025 年目标\n指标表中基准值和目标都是数字的指标（目标为“完成省定目标”等文字的见上表）。")
    gr.BarPlot(
        chart, x="指标", y="数值", color="类别", sort=list(dict.fromkeys(chart["指标"])), x_label_angle=-45,
        x_title="指标（序号.名称·年份）", y_title="数值（单位见提示）", height=440,
        tooltip=["指标名称", "类别", "数值", "单位"], elem_id="indicator-chart", show_label=False,
        color_map={s: c for s, c in zip(dict.fromkeys(chart["类别"]), ("#60a5fa", "#0f766e"), strict=False)},
    )
    filters = [doc, chapter, query, fmt]
    for trigger in (chapter.change, query.submit, doc.change):
        trigger(_bind(register_refresh, kb), filters, [table, summary, download], api_visibility="private")
    fmt.change(_bind(register_download, kb), filters, download, api_visibility="private")
    doc.change(_bind(update_chapters, kb), doc, chapter, api_visibility="private")


def _locate_tab(kb: KnowledgeBase) -> None:
    gr.Markdown("粘贴一句话，查它出自规划的哪一条（标点、空格不同或错一两个字也能找到）。")
    with gr.Row():
        phrase = gr.Textbox(label="要查找出处的原文", lines=2, elem_id="locate-phrase", scale=5,
                            placeholder=f"例如：{LOCATE_EXAMPLE}")
        find = gr.Button("查找出处", variant="primary", elem_id="locate-button", scale=1)
    gr.Examples([[LOCATE_EXAMPLE], ["到2025年，城镇污水收集处理率达96%以上"]], inputs=phrase, label="示例")
    found = gr.HTML(elem_id="locate-result")
    find.click(_bind(locate_html, kb), phrase, found, api_name="locate")
    phrase.submit(_bind(locate_html, kb), phrase, found, api_visibility="private")


def quiz_download(kb: KnowledgeBase, *args):
    """quiz_make for the UI: the preview, and the download button shown once there is a file."""
    preview, path = quiz_make(kb, *args)
    if path is None:
        return preview, gr.update(visible=False)
    return preview, gr.update(value=path, visible=True, label=f"下载试卷（{Path(path).suffix.lstrip('.')}）")


def _quiz_tab(kb: KnowledgeBase) -> None:
    with gr.Row():
        doc = _doc_dropdown(kb)
        chapter = gr.Dropdown(chapter_choices(kb), value=ALL_CHAPTERS, label="章节")
        n = gr.Slider(1, 50, value=10, step=1, label="题数")
        seed = gr.Number(0, label="随机种子（相同种子出同一套题）", precision=0)
    with gr.Row():
        types = gr.CheckboxGroup(QUIZ_TYPES, value=[v for _, v in QUIZ_TYPES], label="题型")
        fmt = gr.Radio(QUIZ_FORMATS, value="docx", label="下载格式")
    with gr.Row():
        make = gr.Button("出题", variant="primary", elem_id="quiz-button", scale=3)
        download = gr.DownloadButton("下载试卷", visible=False, elem_id="quiz-download", scale=1)
    preview = gr.HTML(elem_id="quiz-preview")
    make.click(_bind(quiz_download, kb), [doc, chapter, n, types, seed, fmt], [preview, download], api_name="quiz")
    doc.change(_bind(update_chapters, kb), doc, chapter, api_visibility="private")


# -------------------------------------------------------------------- launch


def launch(demo: gr.Blocks, host: str = "127.0.0.1", port: int = 7860, block: bool = True, quiet: bool = False):
    """Serve the app (Gradio 6 takes the theme and CSS at launch); never shares, never phones home."""
    return demo.launch(
        server_name=host, server_port=port, share=False, prevent_thread_lock=not block, quiet=quiet,
        css=CSS, theme=THEME, ssr_mode=False, mcp_server=False, pwa=False, enable_monitoring=False,
        footer_links=["settings"],
    )


def open_or_build(index_dir: Path | str, corpus: Path | str, model: str | None = None, encoder=None,
                  echo: Callable[[str], None] = print) -> KnowledgeBase:
    """Open the index, building it from the corpus first if there is none (progress in the terminal)."""
    try:
        return KnowledgeBase.open(index_dir, model=model, encoder=encoder)
    except IndexMissing:
        echo(f"kb: no index in {index_dir}/ yet; building it from {corpus} (this is needed once) …")
    report = KnowledgeBase.build(corpus, index_dir, model=model, encoder=encoder, progress=True)
    for s in report.skipped:
        echo(f"kb: skipped {s}")
    echo(f"kb: indexed {len(report.documents)} document(s): {report.leaves} passages in {report.seconds:.1f}s")
    return KnowledgeBase.open(index_dir, model=model, encoder=encoder)


def quiet_model_loading() -> None:
    """Hide transformers' "Loading weights" bar: the app prints one line of its own instead."""
    try:
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()
        hf_logging.set_verbosity_error()
    except ImportError:  # a fake or custom encoder: nothing to hide
        pass


def warm_up(kb: KnowledgeBase) -> None:
    """Load the query model and searcher once, before the first user waits for them."""
    kb.search(EXAMPLES[0], k=1)


def serve(index_dir: Path | str = "index", corpus: Path | str = "corpus", host: str = "127.0.0.1",
          port: int = 7860, model: str | None = None, echo: Callable[[str], None] = print) -> None:
    """What `python app.py` and `kb serve` do: open (or first build) the index, load the model, serve."""
    kb = open_or_build(index_dir, corpus, model=model, echo=echo)
    echo("kb: loading the search model …")
    quiet_model_loading()
    warm_up(kb)
    echo(f"kb: serving on http://{host}:{port}  (Ctrl+C to stop)")
    launch(create_app(kb), host, port, quiet=True)

