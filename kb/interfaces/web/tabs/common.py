"""The document and chapter filters every tab shares."""

from __future__ import annotations

import gradio as gr

from kb.knowledge import KnowledgeBase

ALL_DOCS = "全部文件"
ALL_CHAPTERS = "全部章节"


def show_doc(kb: KnowledgeBase) -> bool:
    """Name the plan in citations only when the index holds more than one."""
    return len(kb.documents) > 1


def doc_choices(kb: KnowledgeBase) -> list[str]:
    return [ALL_DOCS, *kb.documents]


def doc_filter(doc_value: str | None) -> str | None:
    return None if not doc_value or doc_value == ALL_DOCS else doc_value


def chapter_filter(chapter_value: str | int | None) -> int | None:
    text = str(chapter_value or "")
    return int(text) if text.isdigit() else None


def chapter_choices(kb: KnowledgeBase, doc_value: str | None = None) -> list[tuple[str, str]]:
    """(label, value) pairs for a chapter dropdown; values are chapter numbers as text."""
    doc = doc_filter(doc_value)
    seen: dict[int, str] = {}
    for c in kb.chapters(doc):
        seen.setdefault(c.chapter, c.title if doc or len(kb.documents) == 1 else f"第{c.chapter}章")
    return [(ALL_CHAPTERS, ALL_CHAPTERS), *((title, str(n)) for n, title in sorted(seen.items()))]


def update_chapters(kb: KnowledgeBase, doc_value: str | None):
    """New chapter choices when the document changes (back to 全部章节)."""
    return gr.update(choices=chapter_choices(kb, doc_value), value=ALL_CHAPTERS)


def doc_dropdown(kb: KnowledgeBase) -> gr.Dropdown:
    """A document filter, shown only when the index holds more than one plan."""
    return gr.Dropdown(doc_choices(kb), value=ALL_DOCS, label="文件", visible=show_doc(kb))


def chapter_dropdown(kb: KnowledgeBase, label: str = "章节", elem_id: str | None = None) -> gr.Dropdown:
    return gr.Dropdown(chapter_choices(kb), value=ALL_CHAPTERS, label=label, elem_id=elem_id)
