"""``kb serve``: the web app, built on the same KnowledgeBase.

The web package is imported only when the command runs (so ``kb --help`` never
loads Gradio), and it never imports the CLI.
"""

from __future__ import annotations

from pathlib import Path

import click

from kb.interfaces.cli.options import config, corpus_option, index_option, model_option
from kb.interfaces.cli.render import say


@click.command()
@corpus_option("Corpus folder or file to build from when the index is missing. Default: corpus/ (env KB_CORPUS).")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on (loopback by default).")
@click.option("--port", type=click.IntRange(1, 65535), default=7860, show_default=True, help="Port to listen on.")
@index_option
@model_option
def serve(corpus: Path | None, host: str, port: int, index_dir: Path, model: str | None) -> None:
    """Serve the web app (问答, 大纲, 指标清单, 条款定位, 出题); builds the index first if it is missing.

    Same as `python app.py`.  Nothing is shared or sent anywhere: the server
    listens on HOST (loopback by default) and Gradio's analytics are off.
    """
    from kb.interfaces.web.app import serve as serve_app

    serve_app(index_dir, corpus or config().corpus, host, port, model=model,
              echo=say)
