"""A node's body: what it says beyond the heading line it repeats.

The segmenter opens a box item on its heading line (（一）大气污染治理工程) and keeps
that line as the item's title *and* as the first line of its text, so that the text
reads as printed.  Rules that read sentences (targets, owners, answers, quiz
excerpts) must not glue that heading onto the first sentence, so they read the body.
When the title was derived from the text instead (the lead words of a paragraph, no
heading line of its own), the whole text is body: nothing is dropped.
"""

from __future__ import annotations

from typing import Protocol

__all__ = ["body_text"]


class Titled(Protocol):
    """Anything with a kind, a title and a text, such as a :class:`kb.document.Node`."""

    @property
    def kind(self) -> str: ...

    @property
    def title(self) -> str: ...

    @property
    def text(self) -> str: ...


def body_text(node: Titled) -> str:
    """A box item's text without its first line when that line is its title; else the whole text.

    Only items: a preamble or clause whose first line equals its title is a document
    title or a short lead paragraph, and that is content.
    """
    if node.kind != "item":
        return node.text
    head, sep, rest = node.text.partition("\n")
    if sep and node.title and head.strip() == node.title.strip():
        return rest
    return node.text
