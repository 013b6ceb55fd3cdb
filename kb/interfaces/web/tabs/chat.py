"""问答: ask in plain Chinese, get an answer card with owners, targets, deadlines and the cited clauses.

A session keeps only its chat and the questions asked so far, which ``kb.ask``
needs to understand a follow-up such as 那到什么时候完成？.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial

import gradio as gr

from kb.errors import QueryError
from kb.interfaces.web import views
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

WELCOME = (
    "**您好！** 我只根据规划原文回答，每个回答都附出处。\n\n"
    "可以问：谁负责某项工作、某个指标要达到多少、什么时候完成、哪些县区要做什么。"
    "追问时可以直接说“那到什么时候完成？”。"
)
HELP = (
    "回答摘自规划原文，关键词以黄色标出。**责任主体**、**目标**、**期限**都从所引条款中提取；"
    "条款没写责任主体时，会引用规划的总体责任分工条款。点开引用条款可看全文和页码。"
)


def empty_question(example: str = "") -> str:
    return "请先输入一个问题" + (f"，比如：{example}" if example else "。")


def polite_error(kb: KnowledgeBase, question: str, example: str = "") -> str:
    """Why the library refused ``question`` (a QueryError: too long, or nothing left to search), in Chinese."""
    limit = kb.max_query_chars
    if len(question) > limit:
        return (f"问题太长了（{len(question)} 个字，最多 {limit} 个字）。请一次只问一件事；"
                "要查一段原文出自哪里，请用“条款定位”。")
    return empty_question(example)


def chat_turn(
    kb: KnowledgeBase,
    message: str | None,
    history: list | None,
    asked: list[str] | None,
    doc_value: str | None = ALL_DOCS,
    chapter_value: str | None = ALL_CHAPTERS,
    example: str = "",
) -> tuple[list, list[str], str]:
    """One question → (chat messages, questions asked so far, new textbox value).

    ``asked`` holds what each earlier turn actually searched (the question with
    the topic a follow-up leaned on), so a chain of follow-ups keeps its topic.
    A rejected question keeps its text in the box so it can be shortened.
    ``example`` is suggested when the box was empty.
    """
    question = (message or "").strip()
    history = list(history or [])
    asked = list(asked or [])
    if not question:
        history.append({"role": "assistant", "content": views.notice_html(empty_question(example))})
        return history, asked, ""
    history.append({"role": "user", "content": question})
    try:
        a = kb.ask(question, history=asked, doc=doc_filter(doc_value), chapter=chapter_filter(chapter_value))
    except QueryError:
        history.append({"role": "assistant", "content": views.notice_html(polite_error(kb, question, example))})
        return history, asked, question
    history.append({"role": "assistant", "content": views.answer_html(a, show_doc(kb), kb.mark)})
    return history, [*asked, a.searched or question], ""


def example_turn(kb: KnowledgeBase, history: list | None, asked: list[str] | None, doc_value: str | None,
                 chapter_value: str | None, evt: gr.SelectData) -> tuple[list, list[str], str]:
    """An example card of the empty chat was clicked: ask its question."""
    value = evt.value if isinstance(evt.value, dict) else {"text": str(evt.value)}
    return chat_turn(kb, value.get("text", ""), history, asked, doc_value, chapter_value)


def build(kb: KnowledgeBase, examples: Sequence[str]) -> None:
    """The chat beside its filters and example questions."""
    example = examples[0] if examples else ""
    turn = partial(chat_turn, kb, example=example)
    asked = gr.State([])
    with gr.Row(equal_height=False):
        with gr.Column(scale=4):
            chatbot = gr.Chatbot(
                show_label=False, elem_id="chatbot", height=540, layout="panel",
                placeholder=WELCOME, buttons=["copy"], feedback_options=None,
                examples=[{"text": q} for q in examples] or None,
            )
            with gr.Row():
                question = gr.Textbox(
                    placeholder=f"用一句话提问{f'，比如：{example}' if example else ''}（回车发送）",
                    show_label=False, scale=6, elem_id="question", max_lines=4, autofocus=True,
                )
                send = gr.Button("发送", variant="primary", scale=1, min_width=80, elem_id="send")
        with gr.Column(scale=1, min_width=220):
            doc = doc_dropdown(kb)
            chapter = chapter_dropdown(kb, "只在这一章里找", "chat-chapter")
            clear = gr.Button("清空对话", size="sm", elem_id="clear")
            if examples:
                gr.Markdown("**试试这样问：**")
            buttons = [gr.Button(q, size="sm", elem_classes="example-btn") for q in examples]
            gr.Markdown(HELP)
    outputs = [chatbot, asked, question]
    question.submit(turn, [question, chatbot, asked, doc, chapter], outputs, api_name="ask")
    send.click(turn, [question, chatbot, asked, doc, chapter], outputs, api_visibility="private")
    for button, q in zip(buttons, examples, strict=True):
        button.click(partial(turn, q), [chatbot, asked, doc, chapter], outputs, api_visibility="private")

    def on_example(history: list, asked: list[str], doc_value: str, chapter_value: str, evt: gr.SelectData):
        # a plain function, not a partial: Gradio finds the SelectData argument through its type hints
        return example_turn(kb, history, asked, doc_value, chapter_value, evt)

    chatbot.example_select(on_example, [chatbot, asked, doc, chapter], outputs, api_visibility="private")
    clear.click(lambda: ([], [], ""), None, outputs, api_visibility="private")
    chatbot.clear(lambda: [], None, asked, api_visibility="private")  # the chat's bin icon: forget the topic too
    doc.change(partial(update_chapters, kb), doc, chapter, api_visibility="private")
