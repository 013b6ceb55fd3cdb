"""出题: a reproducible quiz from a chapter, previewed on the page and offered as a file."""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial
from pathlib import Path

import gradio as gr

from kb.interfaces.web import views
from kb.interfaces.web.downloads import Downloads
from kb.interfaces.web.tabs.common import (
    chapter_dropdown,
    chapter_filter,
    doc_dropdown,
    doc_filter,
    update_chapters,
)
from kb.knowledge import KnowledgeBase

QUIZ_TYPES = (("选择题", "choice"), ("填空题", "fill"), ("判断题", "judge"))
QUIZ_FORMATS = (("Word 试卷（docx）", "docx"), ("Excel（xlsx）", "xlsx"), ("CSV", "csv"), ("Markdown", "md"))
NO_TYPE = "请至少选择一种题型。"
NOTHING = "这一章没有能出题的内容（没有数字、期限或名单），请换一章。"


def quiz_title(kb: KnowledgeBase, doc: str | None, chapter: int | None) -> str:
    name = doc or (kb.documents[0] if len(kb.documents) == 1 else "规划")
    return f"《{name}》知识测验" + (f"（第{chapter}章）" if chapter is not None else "")


def quiz_make(kb: KnowledgeBase, downloads: Downloads, doc_value: str | None, chapter_value: str | None,
              n: float, types: Sequence[str] | None, seed: float | None, fmt: str) -> tuple[str, str | None]:
    """Make a quiz → (preview HTML, path of the file to download, or None if nothing was made)."""
    known = {v for _, v in QUIZ_TYPES}
    types = [t for t in (types or []) if t in known]
    if not types:
        return views.empty_result(NO_TYPE), None
    doc, chapter, n, seed = doc_filter(doc_value), chapter_filter(chapter_value), int(n), int(seed or 0)
    items = kb.quiz(n=n, chapter=chapter, types=types, seed=seed, doc=doc)
    if not items:
        return views.empty_result(NOTHING), None
    fmt = fmt if fmt in {v for _, v in QUIZ_FORMATS} else "docx"
    title = quiz_title(kb, doc, chapter)
    key = ("quiz", doc, chapter, n, tuple(types), seed, fmt)
    path = downloads.file(f"测验.{fmt}", key, lambda part: kb.write_quiz(items, part, fmt, title=title))
    return views.quiz_summary(len(items), n) + views.quiz_html(items, kb.quiz_type_names()), path


def quiz_download(kb: KnowledgeBase, downloads: Downloads, *args):
    """quiz_make for the UI: the preview, and the download button shown once there is a file."""
    preview, path = quiz_make(kb, downloads, *args)
    if path is None:
        return preview, gr.update(visible=False)
    return preview, gr.update(value=path, visible=True, label=f"下载试卷（{Path(path).suffix.lstrip('.')}）")


def build(kb: KnowledgeBase, downloads: Downloads) -> None:
    """Chapter, size, seed, types and format; a preview and the paper to download."""
    with gr.Row():
        doc = doc_dropdown(kb)
        chapter = chapter_dropdown(kb)
        n = gr.Slider(1, 50, value=10, step=1, label="题数")
        seed = gr.Number(0, label="随机种子（相同种子出同一套题）", precision=0)
    with gr.Row():
        types = gr.CheckboxGroup(QUIZ_TYPES, value=[v for _, v in QUIZ_TYPES], label="题型")
        fmt = gr.Radio(QUIZ_FORMATS, value="docx", label="下载格式")
    with gr.Row():
        make = gr.Button("出题", variant="primary", elem_id="quiz-button", scale=3)
        download = gr.DownloadButton("下载试卷", visible=False, elem_id="quiz-download", scale=1)
    preview = gr.HTML(elem_id="quiz-preview")
    make.click(partial(quiz_download, kb, downloads), [doc, chapter, n, types, seed, fmt], [preview, download],
               api_name="quiz")
    doc.change(partial(update_chapters, kb), doc, chapter, api_visibility="private")
