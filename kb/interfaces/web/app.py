"""The web app's wiring: six tabs over a shelf of knowledge bases, and how it is served.

Every handler is a plain function of a KnowledgeBase and the form's values (see
``tabs/``), and every card is rendered by ``views``; this module only assembles
them.  Each knowledge base is shared by every browser session (read-only between
rebuilds, see ``shelf``); the selector says which one a session uses, and every
tab is redrawn when it changes, when a document is added or removed, and when a
page loads (so a page opened after an upload shows it).  Clicking 看原文 opens the
source beside the tabs (``source``); 在大纲中打开 jumps into the outline.  Each app
instance owns a private download folder, removed with it.

Nothing here reaches the network: analytics are off (``analytics_enabled=False``
on the Blocks, no environment variable needed), ``share`` is off, the theme's
fonts are local and the server listens on loopback unless told otherwise.
Gradio is imported when an app is made, not when this module is.

Serving beyond loopback takes logins (kb.interfaces.web.security): a users file,
rate-limited logins, expiring sessions, an upload size limit, a private temporary
folder per server, and no file served from anywhere else.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable
from importlib.resources import files
from pathlib import Path
from typing import TYPE_CHECKING

from kb.auth import UserStore
from kb.config import Config
from kb.document import LEAF_KINDS
from kb.errors import IndexMissing, KBError
from kb.interfaces.web import views
from kb.interfaces.web.downloads import Downloads
from kb.interfaces.web.examples import Examples, examples_for
from kb.interfaces.web.security import (
    ClientAddress,
    Logins,
    PrivateFolder,
    expire_sessions,
    exposure,
    stop_on_sigterm,
)
from kb.interfaces.web.shelf import Shelf
from kb.interfaces.web.source import source_panel
from kb.knowledge import KnowledgeBase

if TYPE_CHECKING:
    import gradio as gr

__all__ = ["CONCURRENCY", "Server", "create_app", "launch", "open_or_build", "serve"]

TITLE = "规划知识库"
#: Requests served at once; searches are read-only, so sessions need not wait for each other.
CONCURRENCY = 4
#: Gradio's own copies of served files (downloads, uploads) older than an hour go, checked every ten minutes.
GRADIO_CACHE = (600, 3600)
AUTH_MESSAGE = "请输入管理员为您开设的账号和密码。"
FONTS = ("Noto Sans CJK SC", "Source Han Sans SC", "PingFang SC", "Microsoft YaHei", "system-ui", "sans-serif")
MONO_FONTS = ("Noto Sans Mono CJK SC", "ui-monospace", "monospace")


def stylesheet() -> str:
    """The app's CSS (static/kb.css, shipped as package data)."""
    return files(__package__).joinpath("static/kb.css").read_text(encoding="utf-8")


def script() -> str:
    """The page script (static/kb.js): citation buttons, copy, scrolling; run once per page load."""
    return files(__package__).joinpath("static/kb.js").read_text(encoding="utf-8")


def header_html(kb: KnowledgeBase) -> str:
    leaves = sum(1 for n in kb.nodes if n.kind in LEAF_KINDS and n.text)
    return views.header_html(kb.documents, len(kb.chapters()), leaves, len(kb.targets()))


#: Gradio's own labels that its zh-CN dictionary leaves in English (or words them for developers).
ZH_CN = {
    "dataframe": {"filter": "筛选", "clear_filter": "清除筛选", "sort_ascending": "升序", "sort_descending": "降序",
                  "clear_sort": "取消排序", "sort_column": "排序"},
    "chatbot": {"like": "有帮助", "dislike": "没帮助", "copy_message": "复制", "copied_message": "已复制",
                "clear": "清空对话", "retry": "重试", "undo": "撤销"},
    "common": {"settings": "设置", "clear": "清除", "download": "下载", "language": "语言", "display_theme": "显示主题"},
    "upload_text": {"drop_file": "将文件拖放到此处", "click_to_upload": "点击上传", "or": "或"},
    "file": {"uploading": "正在上传…"},
}


def i18n():
    """Gradio's translations with ours on top, for Chinese browsers (zh-CN, and zh as sent by some)."""
    import gradio as gr

    return gr.I18n(**{"zh-CN": ZH_CN, "zh": ZH_CN})


def browser_secret(shelf: Shelf) -> str:
    """The key the browser's saved conversations are encrypted with: kept beside the index, so that a
    restart still reads them (a fresh random key per start would lose every conversation)."""
    path = shelf.workspace(None) / ".kb-app-secret"
    try:
        value = path.read_text(encoding="ascii").strip()
        if len(value) >= 16:
            return value
    except OSError:
        pass
    value = secrets.token_hex(16)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="ascii") as f:
            f.write(value)
    except OSError:
        pass  # a read-only workspace: conversations last until the server restarts
    return value


def create_app(kb: KnowledgeBase | Shelf, examples: Examples | None = None, downloads: Downloads | None = None,
               concurrency: int = CONCURRENCY, encoder=None, logins: Logins | None = None) -> gr.Blocks:
    """The Blocks UI over a shelf of knowledge bases, or one loaded KnowledgeBase.

    ``examples`` default to the first plan's own (see kb.interfaces.web.examples);
    ``downloads`` to a fresh private folder that lives as long as the app; ``encoder``
    embeds uploads (default: the index's model, loaded when first needed).
    With ``logins``, the page says who is logged in, with which role, and offers to log out.
    """
    import gradio as gr

    from kb.interfaces.web.tabs import chat, docs, locate, outline, quiz, register
    from kb.interfaces.web.tabs.common import Wiring

    shelf = kb if isinstance(kb, Shelf) else Shelf.single(kb, encoder=encoder)
    kb0 = shelf.get(None)
    examples = examples or examples_for(kb0)
    downloads = downloads or Downloads()
    with gr.Blocks(title=TITLE, analytics_enabled=False, delete_cache=GRADIO_CACHE) as demo:
        with gr.Sidebar(position="right", open=False, width="min(760px, 100vw)", elem_id="source-panel") as side:
            close = gr.Button("关闭", size="sm", elem_id="source-close")
            source = gr.HTML(views.hint_html("点引用条款旁的“看原文”，在这里查看出处所在的页。"), elem_id="source-view")
        with gr.Row(elem_id="kb-top", equal_height=False):
            header = gr.HTML(header_html(kb0), elem_id="kb-header")
            selector = gr.Dropdown(shelf.names, value=shelf.default, label="知识库", elem_id="kb-select",
                                   visible=len(shelf.names) > 1, scale=0, min_width=200)
        if logins is not None:
            who = gr.HTML(elem_id="kb-user")

            def show_user(request) -> str:
                return views.user_html(request.username, logins.role(request.username))

            show_user.__annotations__ = {"request": gr.Request, "return": str}  # Gradio injects it by its type
            demo.load(show_user, None, who, api_visibility="private")
        wiring = Wiring(shelf, selector, downloads, secret=browser_secret(shelf), logins=logins)
        with gr.Tabs(elem_id="kb-tabs", overflow_behavior="wrap") as tabs:
            with gr.Tab("问答", id="chat", elem_id="tab-chat"):
                chat.build(wiring, examples.questions)
            with gr.Tab("大纲", id="outline", elem_id="tab-outline"):
                outlined = outline.build(wiring)
            with gr.Tab("指标清单", id="register", elem_id="tab-register"):
                register.build(wiring)
            with gr.Tab("条款定位", id="locate", elem_id="tab-locate"):
                locate.build(wiring, examples.phrases)
            with gr.Tab("出题", id="quiz", elem_id="tab-quiz"):
                quiz.build(wiring)
            with gr.Tab("文档", id="docs", elem_id="tab-docs"):
                changes = docs.build(wiring)
        opened = gr.Textbox(elem_id="kb-open", elem_classes="kb-hidden", show_label=False, container=False)
        jump = gr.Textbox(elem_id="kb-goto", elem_classes="kb-hidden", show_label=False, container=False)

        outputs = [header, *wiring.refresh_outputs()]

        def redraw(name: str | None):
            current = shelf.get(name)
            return [header_html(current), *wiring.refresh(current)]

        def open_source(name: str | None, value: str):
            doc, node = outline.parse_event(value)
            return source_panel(shelf.get(name), doc or "", node or ""), gr.Sidebar(open=True)

        def open_outline(name: str | None, value: str):
            doc, node = outline.parse_event(value)
            doc, tree, reader = outline.goto(shelf.get(name), doc, node)
            return gr.Tabs(selected="outline"), gr.update(value=doc), tree, reader, gr.Sidebar(open=False)

        opened.change(open_source, [selector, opened], [source, side], api_visibility="private").then(
            None, js="() => { window.kbShowSource && window.kbShowSource(); }")
        jump.change(open_outline, [selector, jump], [tabs, outlined["doc"], outlined["tree"], outlined["reader"],
                                                     side], api_visibility="private").then(
            None, js=outline.SHOW_TARGET_JS)
        close.click(lambda: gr.Sidebar(open=False), None, side, api_visibility="private")
        selector.change(redraw, selector, outputs, api_visibility="private")
        for event in changes:
            event.then(redraw, selector, outputs, api_visibility="private")
        demo.load(None, js=script())
        demo.load(redraw, selector, outputs, api_visibility="private")
        for fn, inputs, targets in wiring.demo_load:
            demo.load(fn, inputs, targets, api_visibility="private")
    demo.queue(default_concurrency_limit=concurrency)
    demo.kb_downloads = downloads  # the handlers hold it too; kept here so the app's owner can find it
    demo.kb_shelf = shelf
    return demo


def theme():
    import gradio as gr

    return gr.themes.Soft(primary_hue="teal", font=FONTS, font_mono=MONO_FONTS)


def launch(demo: gr.Blocks, host: str = "127.0.0.1", port: int = 7860, block: bool = True, quiet: bool = False,
           auth: Callable[[str, str], bool] | None = None, max_file_size: int | None = None,
           allowed_paths: list[str] | None = None):
    """Serve the app (Gradio 6 takes the theme and CSS at launch); never shares, never phones home.

    ``auth`` checks logins (Logins); ``max_file_size`` (bytes) caps an upload; ``allowed_paths``
    are the only folders besides Gradio's own cache that files may be served from.
    """
    from starlette.middleware import Middleware

    return demo.launch(
        server_name=host, server_port=port, share=False, prevent_thread_lock=not block, quiet=quiet,
        css=stylesheet(), theme=theme(), ssr_mode=False, mcp_server=False, pwa=False, enable_monitoring=False,
        footer_links=["settings"], i18n=i18n(), auth=auth, auth_message=AUTH_MESSAGE if auth else None,
        max_file_size=max_file_size, allowed_paths=allowed_paths, blocked_paths=None,
        app_kwargs={"middleware": [Middleware(ClientAddress)]},
    )


# -------------------------------------------------------------------- serving


def open_or_build(index_dir: Path | str, corpus: Path | str, model: str | None = None, encoder=None,
                  echo: Callable[[str], None] = print, verify: bool = False) -> KnowledgeBase:
    """Open the index, building it from the corpus first if there is none (progress in the terminal).

    ``verify`` checks every file of the index against its SHA-256 (a server does, at start).
    """
    try:
        return KnowledgeBase.open(index_dir, model=model, encoder=encoder, verify=verify)
    except IndexMissing:
        echo(f"kb: no index in {index_dir}/ yet; building it from {corpus} (this is needed once) …")
    report = KnowledgeBase.build(corpus, index_dir, model=model, encoder=encoder, progress=True)
    for s in report.skipped:
        echo(f"kb: skipped {s}")
    echo(f"kb: indexed {len(report.documents)} document(s): {report.leaves} passages in {report.seconds:.1f}s")
    return KnowledgeBase.open(index_dir, model=model, encoder=encoder)


def quiet_model_loading() -> None:
    """Hide transformers' "Loading weights" bar: the app prints one line of its own instead."""
    try:
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()
        hf_logging.set_verbosity_error()
    except ImportError:  # a fake or custom encoder: nothing to hide
        pass


def warm_up(kb: KnowledgeBase, question: str) -> None:
    """Load the query model and searcher once, before the first user waits for them."""
    kb.search(question, k=1)


class Server:
    """A running app and what it owns: its private folder, removed by :meth:`close`."""

    def __init__(self, demo, url: str, private: PrivateFolder, logins: Logins | None):
        self.demo, self.url, self.private, self.logins = demo, url, private, logins

    def close(self) -> None:
        try:
            close = getattr(self.demo, "close", None)
            if close is not None:
                close(verbose=False)
        finally:
            self.private.close()


def logins_for(config: Config) -> Logins | None:
    """The login check for ``config.users``; None when no users file is configured."""
    if config.users is None:
        return None
    store = UserStore(config.users)
    if not store.exists():
        raise KBError(f"{config.users}: no such users file; create it with `kb users add NAME --users {config.users}`")
    if not store.users():
        raise KBError(f"{config.users}: there are no users in it; add one with `kb users add NAME --users "
                      f"{config.users}`")
    return Logins(store, config.audit_log)


def wait_until_stopped(demo) -> None:
    """Block until Ctrl+C or SIGTERM."""
    stop_on_sigterm()
    demo.block_thread()


def serve(index_dir: Path | str | None = None, corpus: Path | str | None = None, host: str = "127.0.0.1",
          port: int = 7860, model: str | None = None, echo: Callable[[str], None] = print, *,
          users: Path | str | None = None, insecure_no_login: bool = False, max_file_mb: float | None = None,
          session_hours: float | None = None, block: bool = True,
          index_root: Path | str | None = None) -> Server | None:
    """What `kb serve` and `python app.py` do: open (or first build) the index, load the model, serve.

    Index, corpus, model, users, the size limit and the session length not given come
    from kb.config (KB_INDEX, KB_CORPUS, KB_MODEL, KB_USERS, KB_MAX_FILE_MB,
    KB_SESSION_HOURS).  Beyond loopback, users are required (or ``insecure_no_login``).
    The index is verified by checksum first.  With ``block=False`` the running
    :class:`Server` is returned; close it when done.  With ``index_root``, every index
    folder under it is served, chosen in the app's selector.
    """
    config = Config.from_env().with_(index=None if index_dir is None else Path(index_dir),
                                     corpus=None if corpus is None else Path(corpus), model=model,
                                     users=None if users is None else Path(users), max_file_mb=max_file_mb,
                                     session_hours=session_hours)
    logins = logins_for(config)
    warning = exposure(host, logins is not None, insecure_no_login)
    if warning:
        echo(warning)
    private = PrivateFolder().activate()  # before Gradio is imported, so all of its defaults follow
    server = None
    try:
        if index_root is not None:
            shelf = Shelf.from_root(index_root, model=config.model)
            kb = shelf.get(None)
            echo(f"kb: {len(shelf.names)} knowledge base(s) under {index_root}: {'、'.join(shelf.names)}")
        else:
            kb = shelf = open_or_build(config.index, config.corpus, model=config.model, echo=echo, verify=True)
        echo("kb: loading the search model …")
        quiet_model_loading()
        examples = examples_for(kb)
        warm_up(kb, examples.questions[0] if examples.questions else kb.documents[0])
        demo = create_app(shelf, examples, downloads=Downloads(parent=private.downloads), logins=logins)
        launch(demo, host, port, block=False, quiet=True, auth=logins, max_file_size=config.max_file_bytes,
               allowed_paths=[str(private.path)])
        if logins is not None:
            expire_sessions(demo, config.session_hours)
            echo(f"kb: logins required ({len(logins.store.users())} user(s) in {config.users}); "
                 f"audit log: {config.audit_log}")
        server = Server(demo, f"http://{host}:{port}", private, logins)
        echo(f"kb: serving on http://{host}:{port}  (Ctrl+C to stop)")
        if not block:
            return server
        wait_until_stopped(demo)
    except BaseException:
        if server is None:
            private.close()
        raise
    finally:
        if block and server is not None:
            server.close()
    return None
