"""``kb doctor``: is the index sound, and if not, what is wrong and how to fix it."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from kb.interfaces.cli.options import index_option, json_option
from kb.interfaces.cli.render import JSON, TEXT, View, render
from kb.knowledge import KnowledgeBase


@click.command()
@index_option
@json_option
def doctor(index_dir: Path, as_json: bool) -> None:
    """Check the index: its link, its manifest and every file by SHA-256, and that it loads.

    Each problem is one line naming the file and what to do (usually `kb build`);
    warnings (a build running, old generations kept, documents changed since the
    build) do not make the index unusable.  Exit status 1 when there is a problem.

    JSON: {"index", "generation", "ok", "problems", "warnings", "verified", "documents", "chunks"}.
    """
    report = KnowledgeBase.doctor(index_dir)

    def text(color: bool) -> str:
        lines = [click.style(f"problem: {p.line()}", fg="red") for p in report.problems]
        lines += [click.style(f"warning: {w.line()}", fg="yellow") for w in report.warnings]
        lines.append(click.style(report.summary(), fg="green" if report.ok else "red", bold=True))
        return "\n".join(lines)

    render(View(report, text=text), JSON if as_json else TEXT)
    if not report.ok:
        sys.exit(1)
