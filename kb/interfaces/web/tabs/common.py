"""What every tab shares: the document and chapter filters, and the wiring to the session's knowledge base."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import gradio as gr

from kb.interfaces.web.downloads import Downloads
from kb.interfaces.web.shelf import Shelf
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


# ------------------------------------------------------------------ wiring


@dataclass
class Wiring:
    """What every tab is built with: the shelf of knowledge bases, the selector naming the session's one,
    the download folder, and the refreshers run when the knowledge base (or its documents) change.

    Every handler takes the selector's value first; :meth:`bind` turns a function of a
    KnowledgeBase into one, so the tabs' logic stays a plain function of the library.
    """

    shelf: Shelf
    selector: gr.Dropdown
    downloads: Downloads
    #: Encrypts what the browser keeps (the conversations); stable per workspace, so a restart keeps them.
    secret: str = ""
    #: Run once the knowledge base is known: (fn, inputs, outputs), wired to the page's load.
    demo_load: list[tuple[Callable, list, list]] = field(default_factory=list)
    #: Who may do what (kb.interfaces.web.security.Logins); None: no logins, everyone may.
    logins: object = None
    refreshers: list[tuple[list, Callable[[KnowledgeBase], list]]] = field(default_factory=list)

    def kb(self, name: str | None) -> KnowledgeBase:
        return self.shelf.get(name)

    def bind(self, fn: Callable[..., object]) -> Callable[..., object]:
        """``fn(kb, *args)`` as a handler ``(kb name, *args)``."""

        def handler(name: str | None, *args):
            return fn(self.shelf.get(name), *args)

        handler.__name__ = getattr(fn, "__name__", "handler")
        return handler

    def on_change(self, outputs: list, fn: Callable[[KnowledgeBase], list]) -> None:
        """Have ``fn(kb)`` (one update per output) run when the session's knowledge base changes."""
        self.refreshers.append((outputs, fn))

    def refresh_outputs(self) -> list:
        return [o for outputs, _ in self.refreshers for o in outputs]

    def refresh(self, kb: KnowledgeBase) -> list:
        out: list = []
        for outputs, fn in self.refreshers:
            values = fn(kb)
            assert len(values) == len(outputs), fn
            out.extend(values)
        return out


def doc_update(kb: KnowledgeBase):
    """The document filter for another knowledge base (or after an upload)."""
    return gr.update(choices=doc_choices(kb), value=ALL_DOCS, visible=show_doc(kb))


def chapter_update(kb: KnowledgeBase):
    return gr.update(choices=chapter_choices(kb), value=ALL_CHAPTERS)
