"""The web app's wiring: five tabs over one KnowledgeBase, and how it is served.

Every handler is a plain function of a KnowledgeBase and the form's values (see
``tabs/``), and every card is rendered by ``views``; this module only assembles
them.  One KnowledgeBase is shared by every browser session (it is read-only);
each app instance owns a private download folder, removed with it.

Nothing here reaches the network: analytics are off (``analytics_enabled=False``
on the Blocks, no environment variable needed), ``share`` is off, the theme's
fonts are local and the server listens on loopback unless told otherwise.
Gradio is imported when an app is made, not when this module is.
"""

from __future__ import annotations

from collections.abc import Callable
from importlib.resources import files
from pathlib import Path
from typing import TYPE_CHECKING

from kb.config import Config
from kb.document import LEAF_KINDS
from kb.errors import IndexMissing
from kb.interfaces.web import views
from kb.interfaces.web.downloads import Downloads
from kb.interfaces.web.examples import Examples, examples_for
from kb.knowledge import KnowledgeBase

if TYPE_CHECKING:
    import gradio as gr

__all__ = ["CONCURRENCY", "create_app", "launch", "open_or_build", "serve"]

TITLE = "规划知识库"
#: Requests served at once; searches are read-only, so sessions need not wait for each other.
CONCURRENCY = 4
#: Gradio's own copies of served files older than a day go, checked hourly.
GRADIO_CACHE = (3600, 86400)
FONTS = ("Noto Sans CJK SC", "Source Han Sans SC", "PingFang SC", "Microsoft YaHei", "system-ui", "sans-serif")
MONO_FONTS = ("Noto Sans Mono CJK SC", "ui-monospace", "monospace")


def stylesheet() -> str:
    """The app's CSS (static/kb.css, shipped as package data)."""
    return files(__package__).joinpath("static/kb.css").read_text(encoding="utf-8")


def header_html(kb: KnowledgeBase) -> str:
    leaves = sum(1 for n in kb.nodes if n.kind in LEAF_KINDS and n.text)
    return views.header_html(kb.documents, len(kb.chapters()), leaves, len(kb.targets()))


def create_app(kb: KnowledgeBase, examples: Examples | None = None, downloads: Downloads | None = None,
               concurrency: int = CONCURRENCY) -> gr.Blocks:
    """The Blocks UI over one loaded (read-only, shared) KnowledgeBase.

    ``examples`` default to the plan's own (see kb.interfaces.web.examples);
    ``downloads`` to a fresh private folder that lives as long as the app.
    """
    import gradio as gr

    from kb.interfaces.web.tabs import chat, locate, outline, quiz, register

    examples = examples or examples_for(kb)
    downloads = downloads or Downloads()
    with gr.Blocks(title=TITLE, analytics_enabled=False, delete_cache=GRADIO_CACHE) as demo:
        gr.HTML(header_html(kb), elem_id="kb-header")
        with gr.Tabs(elem_id="kb-tabs"):
            with gr.Tab("问答", id="chat", elem_id="tab-chat"):
                chat.build(kb, examples.questions)
            with gr.Tab("大纲", id="outline", elem_id="tab-outline"):
                outline.build(kb)
            with gr.Tab("指标清单", id="register", elem_id="tab-register"):
                register.build(kb, downloads)
            with gr.Tab("条款定位", id="locate", elem_id="tab-locate"):
                locate.build(kb, examples.phrases)
            with gr.Tab("出题", id="quiz", elem_id="tab-quiz"):
                quiz.build(kb, downloads)
    demo.queue(default_concurrency_limit=concurrency)
    demo.kb_downloads = downloads  # the handlers hold it too; kept here so the app's owner can find it
    return demo


def theme():
    import gradio as gr

    return gr.themes.Soft(primary_hue="teal", font=FONTS, font_mono=MONO_FONTS)


def launch(demo: gr.Blocks, host: str = "127.0.0.1", port: int = 7860, block: bool = True, quiet: bool = False):
    """Serve the app (Gradio 6 takes the theme and CSS at launch); never shares, never phones home."""
    return demo.launch(
        server_name=host, server_port=port, share=False, prevent_thread_lock=not block, quiet=quiet,
        css=stylesheet(), theme=theme(), ssr_mode=False, mcp_server=False, pwa=False, enable_monitoring=False,
        footer_links=["settings"],
    )


# -------------------------------------------------------------------- serving


def open_or_build(index_dir: Path | str, corpus: Path | str, model: str | None = None, encoder=None,
                  echo: Callable[[str], None] = print) -> KnowledgeBase:
    """Open the index, building it from the corpus first if there is none (progress in the terminal)."""
    try:
        return KnowledgeBase.open(index_dir, model=model, encoder=encoder)
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


def serve(index_dir: Path | str | None = None, corpus: Path | str | None = None, host: str = "127.0.0.1",
          port: int = 7860, model: str | None = None, echo: Callable[[str], None] = print) -> None:
    """What `kb serve` and `python app.py` do: open (or first build) the index, load the model, serve.

    Index, corpus and model not given come from kb.config (KB_INDEX, KB_CORPUS, KB_MODEL).
    """
    config = Config.from_env().with_(index=None if index_dir is None else Path(index_dir),
                                     corpus=None if corpus is None else Path(corpus), model=model)
    kb = open_or_build(config.index, config.corpus, model=config.model, echo=echo)
    echo("kb: loading the search model …")
    quiet_model_loading()
    examples = examples_for(kb)
    warm_up(kb, examples.questions[0] if examples.questions else kb.documents[0])
    echo(f"kb: serving on http://{host}:{port}  (Ctrl+C to stop)")
    launch(create_app(kb, examples), host, port, quiet=True)

