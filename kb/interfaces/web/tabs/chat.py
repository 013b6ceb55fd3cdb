"""问答: ask in plain Chinese, get a compact answer card (owners, targets, deadlines, citations folded).

A session keeps its chat and the questions asked so far, which ``kb.ask`` needs
to understand a follow-up such as 那到什么时候完成？.  Both are also kept in the
browser (``gr.BrowserState``, per knowledge base), so a reload finds the
conversation again; it can be downloaded as .docx or .md.  👍/👎 go to
``feedback.jsonl`` beside the index (see kb.interfaces.web.feedback).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from html import escape

import gradio as gr

from kb.errors import QueryError
from kb.interfaces.web import views
from kb.interfaces.web.downloads import Downloads
from kb.interfaces.web.examples import examples_for
from kb.interfaces.web.feedback import Vote, record_feedback
from kb.interfaces.web.tabs.common import (
    ALL_CHAPTERS,
    ALL_DOCS,
    Wiring,
    chapter_dropdown,
    chapter_filter,
    chapter_update,
    doc_dropdown,
    doc_filter,
    doc_update,
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
    "回答摘自规划原文，关键词以黄色标出。**责任主体**、**目标**、**期限**都从所引条款中提取。"
    "点“看原文”可打开出处所在的页；“复制”得到带出处的纯文本，可直接粘贴到 Word 或微信。"
)
#: Turns a browser keeps per knowledge base (older ones drop off).
KEEP_TURNS = 40
CHAT_FORMATS = (("Word（docx）", "docx"), ("Markdown（md）", "md"))
#: localStorage key of the saved conversations (one entry per knowledge base).
STORAGE_KEY = "kb-chat"


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
    history.append({"role": "user", "content": escape(question, quote=False)})
    try:
        a = kb.ask(question, history=asked, doc=doc_filter(doc_value), chapter=chapter_filter(chapter_value))
    except QueryError:
        history.append({"role": "assistant", "content": views.notice_html(polite_error(kb, question, example))})
        return history, asked, question
    card = views.answer_html(a, show_doc(kb), kb.mark, asks_owner=kb.asks_owner(question), question=question,
                             searched=a.searched or question)
    history.append({"role": "assistant", "content": card})
    return history, [*asked, a.searched or question], ""


def example_turn(kb: KnowledgeBase, history: list | None, asked: list[str] | None, doc_value: str | None,
                 chapter_value: str | None, evt: gr.SelectData) -> tuple[list, list[str], str]:
    """An example card of the empty chat was clicked: ask its question."""
    value = evt.value if isinstance(evt.value, dict) else {"text": str(evt.value)}
    return chat_turn(kb, value.get("text", ""), history, asked, doc_value, chapter_value)


# ------------------------------------------------------- kept in the browser


def content_text(message) -> str:
    """A chat message's content as one string: Gradio hands earlier messages back as a list of parts."""
    content = message.get("content") if isinstance(message, dict) else message
    if isinstance(content, str):
        return content
    if isinstance(content, dict):
        return str(content.get("text", ""))
    if isinstance(content, list | tuple):
        return "".join(content_text({"content": part}) for part in content)
    return ""


def plain_messages(history: Sequence | None) -> list[dict]:
    """Messages as {role, content: str}, whatever shape Gradio returned them in."""
    return [{"role": m.get("role"), "content": content_text(m)} for m in history or []
            if isinstance(m, dict) and m.get("role") in ("user", "assistant")]


def remember(saved: dict | None, name: str, history: list, asked: list[str]) -> dict:
    """The browser's saved conversations with this knowledge base's replaced (its last KEEP_TURNS turns)."""
    saved = dict(saved) if isinstance(saved, dict) else {}
    saved[name] = {"messages": plain_messages(history)[-2 * KEEP_TURNS:], "asked": list(asked)[-KEEP_TURNS:]}
    return saved


def restore(saved: dict | None, name: str) -> tuple[list, list[str]]:
    """The conversation the browser kept for this knowledge base (empty if none, or not readable)."""
    entry = saved.get(name) if isinstance(saved, dict) else None
    if not isinstance(entry, dict):
        return [], []
    messages = [m for m in entry.get("messages") or [] if isinstance(m, dict) and m.get("role") in
                ("user", "assistant") and isinstance(m.get("content"), str)]
    asked = [a for a in entry.get("asked") or [] if isinstance(a, str)]
    return messages, asked


def conversation(history: Sequence[dict]) -> list[dict]:
    """The answered turns of a chat as {question, answer, citations}, for export."""
    turns = []
    for m in plain_messages(history):
        if m["role"] != "assistant":
            continue
        record = views.read_turn(m["content"])
        if record and record.get("q"):
            turns.append({"question": record["q"], "answer": record.get("text", ""),
                          "citations": [c.get("citation", "") for c in record.get("cites", [])]})
    return turns


def export_chat(kb: KnowledgeBase, downloads: Downloads, history: list | None, fmt: str):
    """The conversation as a .docx or .md file (hidden when there is nothing to export)."""
    turns = conversation(history or [])
    if not turns:
        return gr.update(value=None, visible=False), views.empty_result("还没有可导出的问答。")
    fmt = fmt if fmt in {v for _, v in CHAT_FORMATS} else "docx"
    digest = hashlib.sha1(json.dumps(turns, ensure_ascii=False).encode("utf-8")).hexdigest()
    title = f"{(kb.documents[0] if len(kb.documents) == 1 else '规划')}问答记录"
    path = downloads.file(f"问答记录.{fmt}", ("chat", digest, fmt),
                          lambda part: kb.write_conversation(turns, part, fmt, title=title))
    return gr.update(value=path, visible=True, label=f"下载问答记录（{fmt}）"), ""


def feedback(wiring: Wiring, name: str, history: list | None, index, value, liked) -> str | None:
    """Write one 👍/👎 to feedback.jsonl; returns the vote written (None for a notice or an unknown message)."""
    history = plain_messages(history)
    i = index[0] if isinstance(index, list | tuple) else index
    content = history[i]["content"] if isinstance(i, int) and 0 <= i < len(history) else content_text(value)
    record = views.read_turn(content)
    if not record or not record.get("q"):
        return None
    vote = "up" if liked is True or liked == "Like" else "down" if liked is False or liked == "Dislike" else str(liked)
    record_feedback(wiring.shelf.feedback_file(name), Vote(
        index=wiring.shelf.name(name), question=record["q"], searched=record.get("searched", ""),
        answer=record.get("text", ""), vote=vote,
        citations=tuple({"doc": c.get("doc"), "id": c.get("id")} for c in record.get("cites", []))))
    return vote


#: Scrolls the newest question to the top of the chat, so its answer's first line is on screen.
SCROLL_JS = "() => { window.kbShowLatest && window.kbShowLatest(); }"


def build(wiring: Wiring, examples: Sequence[str]) -> None:
    """The chat, its box, and beside (on a phone: below) it the filters, clear and export."""
    kb0 = wiring.kb(None)
    example = examples[0] if examples else ""
    asked = gr.State([])
    saved = gr.BrowserState({}, storage_key=STORAGE_KEY, secret=wiring.secret)
    with gr.Row(equal_height=False, elem_id="chat-row"):
        with gr.Column(scale=4, min_width=300):
            chatbot = gr.Chatbot(
                show_label=False, elem_id="chatbot", height="min(72vh, 760px)", min_height=360, layout="panel",
                placeholder=WELCOME, buttons=[], feedback_options=("Like", "Dislike"), autoscroll=False,
                sanitize_html=False, examples=[{"text": q} for q in examples] or None,
            )
            with gr.Row(elem_id="ask-row"):
                question = gr.Textbox(
                    placeholder=f"用一句话提问{f'，比如：{example}' if example else ''}（回车发送）",
                    show_label=False, scale=6, elem_id="question", max_lines=4, autofocus=True, container=False,
                )
                send = gr.Button("发送", variant="primary", scale=1, min_width=72, elem_id="send")
        with gr.Column(scale=1, min_width=220, elem_id="chat-side"):
            doc = doc_dropdown(kb0)
            chapter = chapter_dropdown(kb0, "只在这一章里找", "chat-chapter")
            clear = gr.Button("清空对话", size="sm", elem_id="clear")
            with gr.Accordion("导出对话", open=False, elem_id="chat-export"):
                fmt = gr.Radio(CHAT_FORMATS, value="docx", show_label=False, container=False, elem_id="chat-format")
                export = gr.Button("生成文件", size="sm", elem_id="chat-export-button")
                exported = gr.DownloadButton("下载问答记录", visible=False, elem_id="chat-download", size="sm")
                export_note = gr.HTML()
            gr.Markdown(HELP, elem_classes="chat-help")
    selector = wiring.selector

    def turn(name, message, history, asked_, doc_value, chapter_value, saved_):
        history, asked_, box = chat_turn(wiring.kb(name), message, history, asked_, doc_value, chapter_value,
                                         example)
        return history, asked_, box, remember(saved_, wiring.shelf.name(name), history, asked_)

    outputs = [chatbot, asked, question, saved]
    inputs = [selector, question, chatbot, asked, doc, chapter, saved]
    question.submit(turn, inputs, outputs, api_name="ask").then(None, js=SCROLL_JS)
    send.click(turn, inputs, outputs, api_visibility="private").then(None, js=SCROLL_JS)

    def on_example(name: str, history: list, asked_: list[str], doc_value: str, chapter_value: str, saved_: dict,
                   evt: gr.SelectData):
        # a plain function, not a partial: Gradio finds the SelectData argument through its type hints
        value = evt.value if isinstance(evt.value, dict) else {"text": str(evt.value)}
        return turn(name, value.get("text", ""), history, asked_, doc_value, chapter_value, saved_)

    chatbot.example_select(on_example, [selector, chatbot, asked, doc, chapter, saved], outputs,
                           api_visibility="private").then(None, js=SCROLL_JS)

    def forget(name: str, saved_: dict):
        return [], [], "", remember(saved_, wiring.shelf.name(name), [], [])

    clear.click(forget, [selector, saved], outputs, api_visibility="private")
    chatbot.clear(forget, [selector, saved], outputs, api_visibility="private")

    def on_like(name: str, history: list, evt: gr.LikeData):
        feedback(wiring, name, history, evt.index, evt.value, evt.liked)

    chatbot.like(on_like, [selector, chatbot], None, api_visibility="private")
    export.click(lambda name, history, f: export_chat(wiring.kb(name), wiring.downloads, history, f),
                 [selector, chatbot, fmt], [exported, export_note], api_visibility="private")
    fmt.change(lambda: (gr.update(visible=False), ""), None, [exported, export_note], api_visibility="private")
    doc.change(wiring.bind(update_chapters), [selector, doc], chapter, api_visibility="private")

    def reload(name: str, saved_: dict):
        history, asked_ = restore(saved_, wiring.shelf.name(name))
        return history, asked_

    # A reload, or another knowledge base picked: that knowledge base's conversation, as the browser kept it.
    wiring.demo_load.append((reload, [selector, saved], [chatbot, asked]))
    selector.change(reload, [selector, saved], [chatbot, asked], api_visibility="private")
    def switched(kb: KnowledgeBase) -> list:
        own = examples_for(kb).questions
        return [doc_update(kb), chapter_update(kb), gr.update(examples=[{"text": q} for q in own] or None)]

    wiring.on_change([doc, chapter, chatbot], switched)

