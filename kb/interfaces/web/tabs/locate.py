"""条款定位: paste a sentence, find the clause it comes from (verbatim or nearly)."""

from __future__ import annotations

from collections.abc import Sequence

import gradio as gr

from kb.errors import QueryError
from kb.interfaces.web import views
from kb.interfaces.web.tabs.common import Wiring, show_doc
from kb.knowledge import KnowledgeBase

#: Clauses listed at most.
LIMIT = 10


def locate_html(kb: KnowledgeBase, phrase: str | None) -> str:
    """Where a pasted phrase comes from: citation, page, score and the match marked in context."""
    phrase = (phrase or "").strip()
    if not phrase:
        return views.empty_result("请粘贴一句要查找出处的原文。")
    try:
        matches = kb.locate(phrase, limit=LIMIT)
    except QueryError:
        return views.empty_result("这段文字太长了。请只粘贴要查的那一两句话。")
    if not matches:
        return views.locate_not_found(phrase)
    return views.locate_html(matches, show_doc(kb))


def build(wiring: Wiring, phrases: Sequence[str]) -> None:
    """A phrase box, its button and the matches; ``phrases`` are verbatim examples from the plan."""
    gr.Markdown("粘贴一句话，查它出自规划的哪一条（标点、空格不同或错一两个字也能找到；表格中的一行也能找）。"
                "与原文不同的字会标出，数字不同会直接写明。")
    with gr.Row():
        phrase = gr.Textbox(label="要查找出处的原文", lines=2, elem_id="locate-phrase", scale=5,
                            placeholder=f"例如：{phrases[0]}" if phrases else "粘贴规划中的一句话")
        find = gr.Button("查找出处", variant="primary", elem_id="locate-button", scale=1)
    if phrases:
        gr.Examples([[p] for p in phrases], inputs=phrase, label="示例")
    found = gr.HTML(elem_id="locate-result")
    find.click(wiring.bind(locate_html), [wiring.selector, phrase], found, api_name="locate")
    phrase.submit(wiring.bind(locate_html), [wiring.selector, phrase], found, api_visibility="private")
    wiring.on_change([found], lambda kb: [""])
