"""``kb serve``: the web app, built on the same KnowledgeBase.

The web package is imported only when the command runs (so ``kb --help`` never
loads Gradio), and it never imports the CLI.
"""

from __future__ import annotations

from pathlib import Path

import click

from kb.interfaces.cli.options import config, corpus_option, index_option, model_option, users_option
from kb.interfaces.cli.render import say


@click.command()
@corpus_option("Corpus folder or file to build from when the index is missing. Default: corpus/ (env KB_CORPUS).")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on. Anything but loopback needs --users (or --insecure-no-login).")
@click.option("--port", type=click.IntRange(1, 65535), default=7860, show_default=True, help="Port to listen on.")
@users_option
@click.option("--insecure-no-login", is_flag=True,
              help="Serve beyond loopback without logins: anyone who can reach the machine can use the app.")
@click.option("--max-file-mb", type=click.FloatRange(min=0, min_open=True), default=None,
              help="Largest upload accepted, in MB (env KB_MAX_FILE_MB; default 50).")
@click.option("--session-hours", type=click.FloatRange(min=0, min_open=True), default=None,
              help="How long a login lasts (env KB_SESSION_HOURS; default 8).")
@index_option
@click.option("--index-root", type=click.Path(path_type=Path, file_okay=False), default=None,
              help="Serve every index folder under this folder (one knowledge base each, picked in the app) "
              "instead of --index.")
@model_option
def serve(corpus: Path | None, host: str, port: int, users: Path | None, insecure_no_login: bool,
          max_file_mb: float | None, session_hours: float | None, index_dir: Path, index_root: Path | None,
          model: str | None) -> None:
    """Serve the web app (问答, 大纲, 指标清单, 条款定位, 出题, 文档); builds the index first if it is missing.

    Same as `python app.py`.  Nothing is shared or sent anywhere: the server
    listens on HOST (loopback by default) and Gradio's analytics are off.  With
    --users FILE (see `kb users`) everyone logs in; failed logins are rate-limited,
    sessions expire, and logins are written to the audit log (KB_AUDIT, default
    audit.jsonl under KB_HOME).
    """
    from kb.interfaces.web.app import serve as serve_app

    serve_app(index_dir, corpus or config().corpus, host, port, model=model, echo=say, users=users,
              insecure_no_login=insecure_no_login, max_file_mb=max_file_mb, session_hours=session_hours,
              index_root=index_root)
