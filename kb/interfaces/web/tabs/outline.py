"""大纲: walk a plan chapter → section or box → clause, and read the clause among its siblings."""

from __future__ import annotations

from functools import partial

import gradio as gr

from kb.document import LEAF_KINDS
from kb.interfaces.web import views
from kb.interfaces.web.tabs.common import doc_filter
from kb.knowledge import KnowledgeBase

NOTICE = "印发通知"
CHAPTER_BODY = "（本章正文）"


def outline_tops(kb: KnowledgeBase, doc: str | None = None) -> list[tuple[str, str]]:
    """The plan's top level: the notice, the foreword and each chapter."""
    doc = doc or kb.documents[0]
    return [(n.title if n.kind != "preamble" else NOTICE, n.id) for n in kb.nodes
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
        parts.insert(0, (CHAPTER_BODY if top.kind == "chapter" else top.title, top.id))
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
    return [(views.short(c.title or c.text, 40), c.id) for c in leaves]


def outline_context(kb: KnowledgeBase, leaf_id: str | None, doc: str | None = None) -> str:
    """A clause in context: where it stands, then it and its siblings (it open, they folded)."""
    doc = doc or kb.documents[0]
    leaf = kb.node(leaf_id, doc) if leaf_id else None
    if leaf is None:
        return views.outline_context(None)
    parent = kb.node(leaf.parent, doc) if leaf.parent else None
    siblings = [c for c in kb.children(parent) if c.kind in LEAF_KINDS and c.text] if parent else [leaf]
    return views.outline_context(leaf, siblings)


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


def outline_pick_leaf(kb: KnowledgeBase, doc_value: str | None, leaf_id: str | None) -> str:
    return outline_context(kb, leaf_id, doc_filter(doc_value))


def build(kb: KnowledgeBase) -> None:
    """Three cascading dropdowns over the clause in context; opens on the first chapter's first clause."""
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
    doc.change(partial(outline_pick_doc, kb), doc, [top, part, leaf, context], api_visibility="private")
    top.input(partial(outline_pick_top, kb), [doc, top], [part, leaf, context], api_visibility="private")
    part.input(partial(outline_pick_part, kb), [doc, part], [leaf, context], api_visibility="private")
    leaf.input(partial(outline_pick_leaf, kb), [doc, leaf], context, api_visibility="private")
