"""大纲: a plan as a tree that opens and closes, with a reader for a whole chapter beside it.

The tree (views.outline_tree) is plain <details>: chapters, sections and boxes
open and close in the browser, each clause opens to its text.  读全文 on a
heading shows everything under it in the reader; a citation's 在大纲中打开 comes
here with the tree opened down to the clause and its chapter in the reader, the
clause marked (see :func:`goto`).
"""

from __future__ import annotations

import json

import gradio as gr

from kb.document import Node
from kb.interfaces.web import views
from kb.interfaces.web.source import real_pages
from kb.interfaces.web.tabs.common import Wiring
from kb.knowledge import KnowledgeBase

READER_HINT = "点目录中任一章、节旁的“读全文”，在这里阅读整章；点条款标题可展开原文。"
#: After the tree and reader are drawn: the marked clause scrolled into view in both.
SHOW_TARGET_JS = "() => { window.kbShowTarget && window.kbShowTarget(); }"


def first_doc(kb: KnowledgeBase, doc: str | None) -> str:
    return doc if doc in kb.documents else kb.documents[0]


def doc_nodes(kb: KnowledgeBase, doc: str | None) -> list[Node]:
    doc = first_doc(kb, doc)
    return [n for n in kb.nodes if n.doc == doc]


def tree_html(kb: KnowledgeBase, doc: str | None, target: str | None = None) -> str:
    """The outline of one document; ``target`` opened down to and marked."""
    return views.outline_tree(doc_nodes(kb, doc), target)


def top_of(kb: KnowledgeBase, node: Node) -> Node:
    """The chapter (or top-level part, foreword …) a node stands in."""
    seen = set()
    while node.parent and node.parent not in seen:
        seen.add(node.parent)
        parent = kb.node(node.parent, node.doc)
        if parent is None:
            break
        node = parent
    return node


def reader_html(kb: KnowledgeBase, doc: str | None, node_id: str | None, target: str | None = None) -> str:
    """Everything under ``node_id`` (a chapter or section) as running text; ``target`` marked."""
    doc = first_doc(kb, doc)
    node = kb.node(node_id, doc) if node_id else None
    if node is None:
        return views.hint_html(READER_HINT)
    estimated = not real_pages(kb, doc) and any(n.page for n in doc_nodes(kb, doc))
    return views.document_view(doc_nodes(kb, doc), node, target, estimated)


def goto(kb: KnowledgeBase, doc: str | None, node_id: str | None) -> tuple[str, str, str]:
    """A citation opened in the outline: (document, tree opened to the clause, its chapter in the reader)."""
    doc = first_doc(kb, doc)
    node = kb.node(node_id, doc) if node_id else None
    if node is None:
        return doc, tree_html(kb, doc), views.hint_html("找不到这一条（索引可能已更新）。")
    return doc, tree_html(kb, doc, node.id), reader_html(kb, doc, top_of(kb, node).id, node.id)


def parse_event(value: str | None) -> tuple[str | None, str | None]:
    """(doc, node id) from the page script's event value (JSON with doc, node and a time stamp)."""
    try:
        data = json.loads(value or "")
    except ValueError:
        return None, None
    if not isinstance(data, dict):
        return None, None
    return (str(data["doc"]) if data.get("doc") else None), (str(data["node"]) if data.get("node") else None)


def build(wiring: Wiring) -> dict:
    """The document picker, tree and reader; returns the components a jump from a citation updates."""
    kb0 = wiring.kb(None)
    with gr.Row(elem_id="outline-bar"):
        doc = gr.Dropdown(kb0.documents, value=kb0.documents[0], label="文件", visible=len(kb0.documents) > 1,
                          elem_id="outline-doc")
        gr.HTML('<div class="tree-tools"><button type="button" class="kb-expand" data-kb-tree="open">全部展开'
                '</button><button type="button" class="kb-expand" data-kb-tree="close">全部收起</button></div>')
    with gr.Row(equal_height=False, elem_id="outline-row"):
        with gr.Column(scale=2, min_width=280):
            tree = gr.HTML(tree_html(kb0, None), elem_id="outline-tree")
        with gr.Column(scale=3, min_width=300):
            reader = gr.HTML(views.hint_html(READER_HINT), elem_id="outline-reader")
    read = gr.Textbox(elem_id="kb-read", elem_classes="kb-hidden", show_label=False, container=False)

    def on_read(name: str, value: str, doc_value: str):
        event_doc, node = parse_event(value)
        return reader_html(wiring.kb(name), event_doc or doc_value, node)

    read.change(on_read, [wiring.selector, read, doc], reader, api_visibility="private").then(
        None, js="() => { window.kbShowReader && window.kbShowReader(); }")
    doc.input(lambda name, d: (tree_html(wiring.kb(name), d), views.hint_html(READER_HINT)),
               [wiring.selector, doc], [tree, reader], api_visibility="private")
    wiring.on_change([doc, tree, reader], lambda kb: [
        gr.update(choices=kb.documents, value=kb.documents[0], visible=len(kb.documents) > 1),
        tree_html(kb, None), views.hint_html(READER_HINT)])
    return {"doc": doc, "tree": tree, "reader": reader}
