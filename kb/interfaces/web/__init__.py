"""The web app (Gradio): 问答 · 大纲 · 指标清单 · 条款定位 · 出题 over one KnowledgeBase.

``create_app(kb)`` builds the UI, ``serve(...)`` opens (or first builds) an index
and serves it, ``open_or_build`` does the first half.  They are looked up when
first used, so importing this package (or its pure ``views``) loads neither
Gradio nor the index code.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

__all__ = ["create_app", "open_or_build", "serve"]

if TYPE_CHECKING:
    from kb.interfaces.web.app import create_app, open_or_build, serve


def __getattr__(name: str):
    if name in __all__:
        from kb.interfaces.web import app

        return getattr(app, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
