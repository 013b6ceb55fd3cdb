"""指标清单: every quantified commitment as a filterable table, its download, and baseline vs target.

Rows come from the register (``kb.targets`` → ``kb.register_table``); each
keeps its node's id, so the table's short citation is read off the node itself.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import partial

import gradio as gr
import pandas as pd

from kb.interfaces.web import views
from kb.interfaces.web.downloads import Downloads
from kb.interfaces.web.tabs.common import (
    ALL_CHAPTERS,
    ALL_DOCS,
    chapter_dropdown,
    chapter_filter,
    doc_dropdown,
    doc_filter,
    show_doc,
    update_chapters,
)
from kb.knowledge import KnowledgeBase
from kb.text.chars import HAN
from kb.text.dates import year_of

TITLE = "承诺清单"
TABLE_FORMATS = (("Excel（xlsx）", "xlsx"), ("CSV（Excel 可直接打开）", "csv"))
#: Register columns shown in the table (all of them go into the download).
TABLE_KEYS = ("id", "metric", "comparator", "value", "unit", "baseline", "deadline", "owners",
              "attribute", "source", "citation", "page", "text")
COLUMN_WIDTHS = ("104px", "200px", "56px", "96px", "56px", "72px", "96px", "170px", "70px",
                 "64px", "240px", "56px", "400px")
SOURCE_ZH = {"table": "指标表", "clause": "条款"}
#: Fields a filter word may occur in.
SEARCHED = ("id", "metric", "value", "deadline", "owners", "attribute", "citation", "text")
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


def register_frame(rows: Sequence[dict], headers: dict[str, str], cites: Sequence[str] | None = None) -> pd.DataFrame:
    """Rows as a DataFrame with the Chinese headers; pages stay numbers so they sort as numbers.

    ``cites`` (one per row) replaces the full citations (kept in downloads) by short ones that fit a cell.
    """

    def cell(i: int, r: dict, k: str):
        if k == "source":
            return SOURCE_ZH.get(r[k], r[k])
        if k == "citation" and cites is not None:
            return cites[i]
        return r[k]

    data = [{headers[k]: cell(i, r, k) for k in TABLE_KEYS} for i, r in enumerate(rows)]
    frame = pd.DataFrame(data, columns=[headers[k] for k in TABLE_KEYS])
    page = headers["page"]
    frame[page] = pd.to_numeric(frame[page], errors="coerce").astype("Int64")
    return frame.fillna({c: "" for c in frame.columns if c != page})  # a plan without pages keeps <NA>


def register_view(kb: KnowledgeBase, doc_value: str | None, chapter_value: str | None,
                  query: str) -> tuple[pd.DataFrame, str]:
    """The table on screen and its one-line count."""
    rows, commitments, headers = register_entries(kb, doc_value, chapter_value, query)
    cites = []
    for r, c in zip(rows, commitments, strict=True):
        node = kb.source_node(c)
        cites.append(views.short_cite(node, show_doc(kb)) if node is not None else r["citation"])
    tables = sum(1 for r in rows if r["source"] == "table")
    summary = f"共 {len(rows)} 项承诺：指标表 {tables} 项，条款 {len(rows) - tables} 项。"
    return register_frame(rows, headers, cites), summary


def register_export(kb: KnowledgeBase, downloads: Downloads, doc_value: str | None, chapter_value: str | None,
                    query: str, fmt: str) -> str:
    """The (filtered) register as an xlsx or csv file for download; returns its path."""
    fmt = fmt if fmt in dict((v, k) for k, v in TABLE_FORMATS) else "xlsx"
    words = " ".join((query or "").split())
    key = ("register", doc_filter(doc_value), chapter_filter(chapter_value), words, fmt)

    def write(path):
        rows, _, headers = register_entries(kb, doc_value, chapter_value, words)
        kb.write_table(rows, headers, path, fmt, title=TITLE)

    return downloads.file(f"{TITLE}.{fmt}", key, write)


def register_download(kb: KnowledgeBase, downloads: Downloads, doc_value: str | None, chapter_value: str | None,
                      query: str, fmt: str):
    """The download button, pointing at a file of exactly the rows on screen."""
    path = register_export(kb, downloads, doc_value, chapter_value, query, fmt)
    return gr.update(value=path, label=f"下载{'Excel' if path.endswith('.xlsx') else ' CSV'}（当前筛选结果）")


def register_refresh(kb: KnowledgeBase, downloads: Downloads, doc_value: str | None, chapter_value: str | None,
                     query: str, fmt: str):
    """Table, count and download together, so the button never offers the rows of the previous filter."""
    frame, summary = register_view(kb, doc_value, chapter_value, query)
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


def indicator_chart_data(kb: KnowledgeBase, doc_value: str | None = None) -> pd.DataFrame:
    """Baseline vs target of each indicator row whose two values are both numbers, for a bar chart.

    Metric, unit, baseline and target are the register's; one bar per (indicator,
    year), since NativePlot stacks bars of one x value; rows keep the plan's order.
    """
    data = []
    for c in kb.targets(doc=doc_filter(doc_value)):
        if c.source != "table":
            continue
        b, g = number(c.baseline), number(c.value)
        node = kb.source_node(c)
        if b is None or g is None or node is None:
            continue
        label = f"{dict(node.columns).get(NUMBER_HEADER, '')}.{views.short(c.metric, 9)}".lstrip(".")
        goal = year_of(c.deadline or "") or ""
        for year, value, kind in ((_baseline_year(node.columns), b, "基准值"), (goal, g, "目标")):
            data.append({"指标": f"{label}·{year or kind}", "类别": f"{year}年{kind}" if year else kind,
                         "数值": value, "单位": c.unit, "指标名称": c.metric})
    return pd.DataFrame(data, columns=["指标", "类别", "数值", "单位", "指标名称"])


def chart_title(data: pd.DataFrame) -> str:
    """'2020年基准值与2025年目标', from the chart's own series."""
    return "与".join(dict.fromkeys(data["类别"])) or "基准值与目标"


# -------------------------------------------------------------------- build


def build(kb: KnowledgeBase, downloads: Downloads) -> None:
    """Filters, the table with its download, and the chart of numeric indicators."""
    frame, summary0 = register_view(kb, ALL_DOCS, ALL_CHAPTERS, "")
    with gr.Row():
        doc = doc_dropdown(kb)
        chapter = chapter_dropdown(kb)
        query = gr.Textbox(label="筛选（指标、责任主体、原文中的词，空格分隔，回车生效）", scale=2,
                           elem_id="register-query")
    with gr.Row(equal_height=True):
        summary = gr.Markdown(summary0, elem_id="register-summary")
        fmt = gr.Radio(TABLE_FORMATS, value="xlsx", show_label=False, container=False)
        download = gr.DownloadButton("下载 Excel（当前筛选结果）",
                                     register_export(kb, downloads, ALL_DOCS, ALL_CHAPTERS, "", "xlsx"),
                                     variant="primary", elem_id="register-download")
    table = gr.Dataframe(
        frame, elem_id="register-table", interactive=False, wrap=True, max_height=460,
        datatype=["number" if k == "page" else "str" for k in TABLE_KEYS],
        column_widths=list(COLUMN_WIDTHS), max_chars=120, buttons=["fullscreen", "copy"], pinned_columns=2,
    )
    chart = indicator_chart_data(kb)
    if len(chart):
        gr.Markdown(f"### {chart_title(chart)}\n"
                    "指标表中基准值和目标都是数字的指标（目标为“完成省定目标”等文字的见上表）。")
        gr.BarPlot(
            chart, x="指标", y="数值", color="类别", sort=list(dict.fromkeys(chart["指标"])), x_label_angle=-45,
            x_title="指标（序号.名称·年份）", y_title="数值（单位见提示）", height=440,
            tooltip=["指标名称", "类别", "数值", "单位"], elem_id="indicator-chart", show_label=False,
            color_map={s: c for s, c in zip(dict.fromkeys(chart["类别"]), ("#60a5fa", "#0f766e"), strict=False)},
        )
    filters = [doc, chapter, query, fmt]
    refresh = partial(register_refresh, kb, downloads)
    for trigger in (chapter.change, query.submit, doc.change):
        trigger(refresh, filters, [table, summary, download], api_visibility="private")
    fmt.change(partial(register_download, kb, downloads), filters, download, api_visibility="private")
    doc.change(partial(update_chapters, kb), doc, chapter, api_visibility="private")
