"""The `kb` command line: one group of verbs over one KnowledgeBase.

Every command takes ``--index`` and ``--json``; user errors end as one clear
line on stderr (exit 1), never a traceback.
"""

from __future__ import annotations

import functools
import json
import os
import sys
from collections import Counter
from collections.abc import Callable, Iterable
from pathlib import Path

import click

from kb.ingest import IngestError
from kb.nodes import KINDS, Document, Node

DEFAULT_INDEX = Path(os.environ.get("KB_INDEX", "index"))
DEFAULT_CORPUS = Path(os.environ.get("KB_CORPUS", "corpus"))


class UserError(click.ClickException):
    """An error the user can fix; shown as one line, no traceback."""

    def show(self, file=None) -> None:
        click.echo(f"kb: {self.format_message()}", err=True)


def index_option(f: Callable) -> Callable:
    return click.option(
        "--index", "index_dir", type=click.Path(path_type=Path), default=DEFAULT_INDEX, show_default=True,
        help="Index folder (env KB_INDEX).",
    )(f)


def json_option(f: Callable) -> Callable:
    return click.option("--json", "as_json", is_flag=True, help="Machine-readable JSON output.")(f)


def user_errors(f: Callable) -> Callable:
    """Turn the library's expected failures into one-line messages."""

    @functools.wraps(f)
    def wrapper(*args, **kwargs):
        from kb.errors import KBError

        try:
            return f(*args, **kwargs)
        except (KBError, IngestError) as e:
            raise UserError(str(e)) from e

    return wrapper


def emit_json(obj) -> None:
    click.echo(json.dumps(obj, ensure_ascii=False))


def read_queries(path: Path) -> list[str]:
    """One query per line; blank lines are kept as empty queries so output lines stay aligned."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as e:
        raise UserError(f"{path}: cannot read the queries file ({e.strerror or e})") from e
    lines = text.splitlines()
    while lines and not lines[-1].strip():
        lines.pop()
    return lines


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="kb")
def cli() -> None:
    """kb: a knowledge base of Chinese government plans.

    Parse plans into their real structure (outline), index them (build), find the
    clauses that answer a question (search, ask), and serve them (serve).
    """


# ------------------------------------------------------------------ outline


@cli.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--corpus", type=click.Path(path_type=Path), default=DEFAULT_CORPUS, show_default=True,
              help="Corpus folder used when no PATH is given.")
@click.option("--depth", type=click.Choice(["chapter", "section", "all"]), default="all", show_default=True,
              help="How deep the human tree goes.")
@index_option
@json_option
@user_errors
def outline(paths: tuple[Path, ...], corpus: Path, depth: str, index_dir: Path, as_json: bool) -> None:
    """Show the structure of the corpus, or of the given files (parsed, not indexed).

    JSON: a flat list of nodes {"id", "kind", "title", "parent", "doc", "page"}.
    """
    from kb.parse import parse_paths

    docs, errors = parse_paths(paths or [corpus])
    for e in errors:
        click.echo(f"kb: skipped {e}", err=True)
    if not docs:
        raise UserError("nothing to outline: no readable .txt or .pdf files" + (f" in {corpus}" if not paths else ""))
    if as_json:
        emit_json([
            {"id": n.id, "kind": n.kind, "title": n.title, "parent": n.parent, "doc": n.doc, "page": n.page}
            for d in docs for n in d.nodes
        ])
        return
    for d in docs:
        click.echo(_outline_text(d, depth))


def _outline_text(d: Document, depth: str) -> str:
    counts = Counter(n.kind for n in d.nodes)
    summary = ", ".join(f"{counts[k]} {k}{'es' if k == 'box' else 's'}" for k in KINDS if counts[k])
    lines = [click.style(f"{d.name}", bold=True) + f"  ({Path(d.path).suffix[1:]}, {d.scheme} numbering): {summary}"]
    depth_of = {n.id: 0 for n in d.nodes if n.parent is None}
    for n in d.nodes:
        if n.parent is not None:
            depth_of[n.id] = depth_of.get(n.parent, 0) + 1
        level = depth_of[n.id]
        if depth == "chapter" and n.kind not in ("chapter", "foreword", "preamble"):
            continue
        if depth == "section" and n.kind not in ("chapter", "section", "box", "foreword", "preamble"):
            continue
        lines.append("  " * (level + 1) + _outline_label(n))
    return "\n".join(lines)


def _outline_label(n: Node) -> str:
    page = f"  {n.pages}" if n.page else ""
    if n.kind in ("chapter", "section", "box", "foreword"):
        return click.style(n.title, bold=n.kind == "chapter") + page
    return f"{n.id.rsplit('.', 1)[-1]} 「{n.title}」{page}"


def _echo_lines(lines: Iterable[str]) -> None:
    for line in lines:
        click.echo(line)


def main() -> None:
    """Entry point for the `kb` script."""
    try:
        cli.main(prog_name="kb")
    except KeyboardInterrupt:
        click.echo("kb: interrupted", err=True)
        sys.exit(130)


if __name__ == "__main__":
    main()
