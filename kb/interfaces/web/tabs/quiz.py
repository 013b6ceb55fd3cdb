"""出题: a reproducible quiz from a chapter, previewed on the page and offered as a file."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import gradio as gr

from kb.interfaces.web import views
from kb.interfaces.web.downloads import Downloads
from kb.interfaces.web.tabs.common import (
    Wiring,
    chapter_dropdown,
    chapter_filter,
    chapter_update,
    doc_dropdown,
    doc_filter,
    doc_update,
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
    return preview, download_update(path)


def download_update(path: str | None):
    if path is None:
        return gr.update(value=None, visible=False)
    fmt = Path(path).suffix.lstrip(".")
    name = dict((v, k) for k, v in QUIZ_FORMATS).get(fmt, fmt)
    return gr.update(value=path, visible=True, label=f"下载{name}")


def quiz_file(kb: KnowledgeBase, downloads: Downloads, made: bool, *args):
    """The format changed: the paper of the same quiz in the new format, at once (nothing before 出题)."""
    if not made:
        return gr.update(visible=False)
    _, path = quiz_make(kb, downloads, *args)
    return download_update(path)


def build(wiring: Wiring) -> None:
    """Chapter, size, seed, types and format; a preview and the paper to download."""
    kb0 = wiring.kb(None)
    downloads = wiring.downloads
    with gr.Row():
        doc = doc_dropdown(kb0)
        chapter = chapter_dropdown(kb0)
        n = gr.Slider(1, 50, value=10, step=1, label="题数")
        seed = gr.Number(0, label="随机种子（相同种子出同一套题）", precision=0)
    with gr.Row():
        types = gr.CheckboxGroup(QUIZ_TYPES, value=[v for _, v in QUIZ_TYPES], label="题型")
        fmt = gr.Radio(QUIZ_FORMATS, value="docx", label="下载格式", elem_id="quiz-format")
    with gr.Row():
        make = gr.Button("出题", variant="primary", elem_id="quiz-button", scale=3)
        download = gr.DownloadButton("下载试卷", visible=False, elem_id="quiz-download", scale=1)
    made = gr.State(False)
    preview = gr.HTML(elem_id="quiz-preview")
    inputs = [doc, chapter, n, types, seed, fmt]

    def make_quiz(name, *args):
        page, button = quiz_download(wiring.kb(name), downloads, *args)
        return page, button, button.get("visible", False)

    make.click(make_quiz, [wiring.selector, *inputs], [preview, download, made], api_name="quiz")
    fmt.change(lambda name, m, *a: quiz_file(wiring.kb(name), downloads, m, *a), [wiring.selector, made, *inputs],
               download, api_visibility="private")
    for changed in (doc, chapter, n, types, seed):  # the paper on offer would no longer match the form
        changed.change(lambda: (gr.update(visible=False), False), None, [download, made], api_visibility="private")
    doc.change(wiring.bind(update_chapters), [wiring.selector, doc], chapter, api_visibility="private")
    wiring.on_change([doc, chapter, preview, download, made],
                     lambda kb: [doc_update(kb), chapter_update(kb), "", gr.update(visible=False), False])
