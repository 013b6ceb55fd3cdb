"""指标清单: every quantified commitment as a filterable, sortable table, its download, and baseline vs target.

Rows come from the register (``kb.targets`` → ``kb.register_table``); each
keeps its node's id, so the table's short citation is read off the node itself.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from html import escape

import gradio as gr
import pandas as pd

from kb.interfaces.web import views
from kb.interfaces.web.downloads import Downloads
from kb.interfaces.web.tabs.common import (
    ALL_CHAPTERS,
    ALL_DOCS,
    Wiring,
    chapter_dropdown,
    chapter_filter,
    chapter_update,
    doc_dropdown,
    doc_filter,
    doc_update,
    show_doc,
    update_chapters,
)
from kb.knowledge import KnowledgeBase
from kb.text.chars import HAN
from kb.text.dates import year_of
from kb.text.notation import display

TITLE = "承诺清单"
TABLE_FORMATS = (("Excel（xlsx）", "xlsx"), ("CSV（Excel 可直接打开）", "csv"))
#: Register columns shown in the table, the citation first (every column goes into the download).
TABLE_KEYS = ("citation", "metric", "comparator", "value", "unit", "baseline", "deadline", "owners",
              "attribute", "source", "page", "text")
COLUMN_WIDTHS = ("210px", "190px", "56px", "96px", "64px", "72px", "96px", "170px", "70px",
                 "64px", "56px", "400px")
#: Columns of the download, in order: the table's, then the ids that link a row back to the index.
FILE_KEYS = (*TABLE_KEYS, "linked", "id", "node_id")
#: Fields a filter word may occur in.
SEARCHED = ("id", "metric", "value", "deadline", "owners", "attribute", "citation", "text")
#: Orders the table offers (label, key); "" is the plan's own order.
SORTS = (("规划顺序", ""), ("指标/事项", "metric"), ("目标值", "value"), ("期限", "deadline"),
         ("责任主体", "owners"), ("页码", "page"), ("来源", "source"))
DIRECTIONS = (("升序", "asc"), ("降序", "desc"))
#: Indicator-row columns the register does not carry: the row's number and the baseline's header.
NUMBER_HEADER = "序号"
BASELINE_HEADERS = ("基准", "现状")

_NUMBER = re.compile(r"\d+(?:\.\d+)?")
_WORDS = re.compile(f"[{HAN}]")


def register_entries(kb: KnowledgeBase, doc_value: str | None = None, chapter_value: str | None = None,
                     query: str = "") -> tuple[list[dict], list, dict[str, str]]:
    """(rows, their commitments, headers) of the register, narrowed to rows that mention every word of ``query``."""
    commitments = kb.targets(doc=doc_filter(doc_value), chapter=chapter_filter(chapter_value))
    rows, headers = kb.register_table(commitments)
    words = (query or "").split()
    kept = [(r, c) for r, c in zip(rows, commitments, strict=True)
            if all(any(w in str(r[f]) for f in SEARCHED) for w in words)]
    return [r for r, _ in kept], [c for _, c in kept], headers


def register_rows(kb: KnowledgeBase, doc_value: str | None = None, chapter_value: str | None = None,
                  query: str = "") -> list[dict]:
    return register_entries(kb, doc_value, chapter_value, query)[0]


def _sort_key(key: str):
    """Numbers by value (目标值 96 < 100), then text; blanks last."""

    def sort_key(pair):
        v = pair[0].get(key)
        text = "、".join(map(str, v)) if isinstance(v, list | tuple) else "" if v is None else str(v)
        n = number(text)
        return (not text, n is None, n if n is not None else 0.0, text)

    return sort_key


def sort_entries(rows: Sequence[dict], commitments: Sequence, key: str = "", direction: str = "asc"):
    """Rows (and their commitments) in the order picked; the plan's order when ``key`` is ""."""
    pairs = list(zip(rows, commitments, strict=True))
    if key:
        blanks = [p for p in pairs if _sort_key(key)(p)[0]]
        filled = sorted((p for p in pairs if not _sort_key(key)(p)[0]), key=_sort_key(key),
                        reverse=direction == "desc")
        pairs = filled + blanks  # blanks stay last either way
    return [r for r, _ in pairs], [c for _, c in pairs]


def register_frame(rows: Sequence[dict], headers: dict[str, str], cites: Sequence[str] | None = None,
                   labels: dict[str, dict[str, str]] | None = None) -> pd.DataFrame:
    """Rows as a DataFrame with the Chinese headers; pages stay numbers so they sort as numbers.

    ``cites`` (one per row) replaces the full citations (kept in downloads) by short ones that fit a cell;
    ``labels`` turn coded values into words (source: table → 指标表); notation reads properly (PM₂.₅).
    """
    labels = labels or {}

    def cell(i: int, r: dict, k: str):
        if k == "citation" and cites is not None:
            return cites[i]
        value = labels.get(k, {}).get(r[k], r[k])
        if isinstance(value, list | tuple):
            value = "、".join(map(str, value))
        return display(value) if isinstance(value, str) else value

    data = [{headers[k]: cell(i, r, k) for k in TABLE_KEYS} for i, r in enumerate(rows)]
    frame = pd.DataFrame(data, columns=[headers[k] for k in TABLE_KEYS])
    page = headers["page"]
    frame[page] = pd.to_numeric(frame[page], errors="coerce").astype("Int64")
    return frame.fillna({c: "" for c in frame.columns if c != page})  # a plan without pages keeps <NA>


def register_view(kb: KnowledgeBase, doc_value: str | None, chapter_value: str | None,
                  query: str, sort: str = "", direction: str = "asc") -> tuple[pd.DataFrame, str]:
    """The table on screen (in the order picked) and its one-line count."""
    rows, commitments, headers = register_entries(kb, doc_value, chapter_value, query)
    rows, commitments = sort_entries(rows, commitments, sort or "", direction or "asc")
    cites = []
    for r, c in zip(rows, commitments, strict=True):
        node = kb.source_node(c)
        cites.append(views.short_cite(node, show_doc(kb)) if node is not None else r["citation"])
    tables = sum(1 for r in rows if r["source"] == "table")
    summary = f"共 {len(rows)} 项承诺：指标表 {tables} 项，条款 {len(rows) - tables} 项。"
    return register_frame(rows, headers, cites, kb.register_labels()), summary


def register_export(kb: KnowledgeBase, downloads: Downloads, doc_value: str | None, chapter_value: str | None,
                    query: str, fmt: str) -> str:
    """The (filtered) register as an xlsx or csv file for download; returns its path."""
    fmt = fmt if fmt in dict((v, k) for k, v in TABLE_FORMATS) else "xlsx"
    words = " ".join((query or "").split())
    key = ("register", doc_filter(doc_value), chapter_filter(chapter_value), words, fmt)

    def write(path):
        rows, _, headers = register_entries(kb, doc_value, chapter_value, words)
        kb.write_table(rows, {k: headers[k] for k in FILE_KEYS if k in headers}, path, fmt, title=TITLE,
                       labels=kb.register_labels())

    return downloads.file(f"{TITLE}.{fmt}", key, write)


def register_download(kb: KnowledgeBase, downloads: Downloads, doc_value: str | None, chapter_value: str | None,
                      query: str, fmt: str):
    """The download button, pointing at a file of exactly the rows on screen."""
    path = register_export(kb, downloads, doc_value, chapter_value, query, fmt)
    return gr.update(value=path, label=f"下载{'Excel' if path.endswith('.xlsx') else ' CSV'}（当前筛选结果）")


def register_refresh(kb: KnowledgeBase, downloads: Downloads, doc_value: str | None, chapter_value: str | None,
                     query: str, fmt: str, sort: str = "", direction: str = "asc"):
    """Table, count and download together, so the button never offers the rows of the previous filter."""
    frame, summary = register_view(kb, doc_value, chapter_value, query, sort, direction)
    return frame, summary, register_download(kb, downloads, doc_value, chapter_value, query, fmt)


# -------------------------------------------------------------------- chart


def number(text: str) -> float | None:
    """96 from '96', 73.5 from '73.5*'; None for words (完成省定目标), '' or '-'."""
    text = (text or "").strip()
    m = _NUMBER.search(text)
    if not m or _WORDS.search(text):
        return None
    return float(m.group())


def _baseline_year(columns: Sequence[tuple[str, str]]) -> str:
    header = next((h for h, _ in columns if any(k in h for k in BASELINE_HEADERS)), "")
    return year_of(header) or ""


def indicator_chart_items(kb: KnowledgeBase, doc_value: str | None = None) -> list[dict]:
    """Baseline and target of each indicator row whose two values are both numbers, in the plan's order.

    Each item: label ('5.城镇污水处理率'), metric, unit, baseline, target, and the years
    they refer to ('2020年基准值', '2025年目标') read off the table's headers.
    """
    items = []
    for c in kb.targets(doc=doc_filter(doc_value)):
        if c.source != "table":
            continue
        b, g = number(c.baseline), number(c.value)
        node = kb.source_node(c)
        if b is None or g is None or node is None:
            continue
        year = _baseline_year(node.columns)
        goal = year_of(c.deadline or "") or ""
        items.append({
            "label": f"{dict(node.columns).get(NUMBER_HEADER, '')}.{c.metric}".lstrip("."),
            "metric": c.metric, "unit": c.unit, "baseline": b, "target": g,
            "baseline_label": f"{year}年基准值" if year else "基准值",
            "target_label": f"{goal}年目标" if goal else "目标",
            "comparator": c.comparator,
        })
    return items


def chart_title(items: Sequence[dict]) -> str:
    """'2020年基准值与2025年目标（占目标的比例）', from the chart's own series."""
    series = dict.fromkeys(s for it in items for s in (it["baseline_label"], it["target_label"]))
    return "与".join(series or ("基准值", "目标")) + "（以目标为 100%）"


def chart_view(kb: KnowledgeBase, doc_value: str | None = None) -> str:
    items = indicator_chart_items(kb, doc_value)
    if not items:
        return views.hint_html("指标表中没有基准值和目标都是数字的指标。")
    return (f'<div class="chart-title">{escape(chart_title(items))}</div>'
            '<div class="kb-hint">每个指标的基准值按目标的比例画出，数值和单位写在条旁；'
            "目标为“完成省定目标”等文字的见上表。</div>" + views.indicator_chart(items))


# -------------------------------------------------------------------- build


def build(wiring: Wiring) -> None:
    """Filters and order, the table with its download, and the chart of numeric indicators."""
    kb0 = wiring.kb(None)
    downloads = wiring.downloads
    frame, summary0 = register_view(kb0, ALL_DOCS, ALL_CHAPTERS, "")
    with gr.Row(elem_id="register-filters"):
        doc = doc_dropdown(kb0)
        chapter = chapter_dropdown(kb0)
        query = gr.Textbox(label="筛选（指标、责任主体、原文中的词，空格分隔，回车生效）", scale=2,
                           elem_id="register-query")
    with gr.Row(elem_id="register-order"):
        sort = gr.Dropdown(SORTS, value="", label="排序", elem_id="register-sort", scale=1)
        direction = gr.Radio(DIRECTIONS, value="asc", label="顺序", elem_id="register-direction", scale=1)
    with gr.Row(equal_height=True):
        summary = gr.Markdown(summary0, elem_id="register-summary")
        fmt = gr.Radio(TABLE_FORMATS, value="xlsx", show_label=False, container=False, elem_id="register-format")
        download = gr.DownloadButton("下载 Excel（当前筛选结果）",
                                     register_export(kb0, downloads, ALL_DOCS, ALL_CHAPTERS, "", "xlsx"),
                                     variant="primary", elem_id="register-download")
    table = gr.Dataframe(
        frame, elem_id="register-table", interactive=False, wrap=True, max_height=460,
        datatype=["number" if k == "page" else "str" for k in TABLE_KEYS],
        column_widths=list(COLUMN_WIDTHS), max_chars=120, buttons=["fullscreen", "copy"], pinned_columns=1,
    )
    chart = gr.HTML(chart_view(kb0), elem_id="indicator-chart")
    filters = [wiring.selector, doc, chapter, query, fmt, sort, direction]
    refresh = wiring.bind(lambda kb, *a: register_refresh(kb, downloads, *a))
    for trigger in (chapter.change, query.submit, doc.change, sort.change, direction.change):
        trigger(refresh, filters, [table, summary, download], api_visibility="private")
    fmt.change(wiring.bind(lambda kb, *a: register_download(kb, downloads, *a)), filters[:5], download,
               api_visibility="private")
    doc.change(wiring.bind(update_chapters), [wiring.selector, doc], chapter, api_visibility="private")
    doc.change(wiring.bind(chart_view), [wiring.selector, doc], chart, api_visibility="private")

    def switched(kb: KnowledgeBase) -> list:
        frame, summary = register_view(kb, ALL_DOCS, ALL_CHAPTERS, "")
        return [doc_update(kb), chapter_update(kb), "", frame, summary, chart_view(kb),
                register_download(kb, downloads, ALL_DOCS, ALL_CHAPTERS, "", "xlsx"), "xlsx", "", "asc"]

    wiring.on_change([doc, chapter, query, table, summary, chart, download, fmt, sort, direction], switched)
