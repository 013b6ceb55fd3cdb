"""``kb build``: parse the corpus and (re)build the hybrid index."""

from __future__ import annotations

from pathlib import Path

import click

from kb.interfaces.cli.options import config, corpus_option, index_option, json_option, model_option
from kb.interfaces.cli.render import JSON, TEXT, View, render, say
from kb.knowledge import KnowledgeBase


@click.command()
@corpus_option("Corpus folder or file (repeatable). Default: corpus/ (env KB_CORPUS).", multiple=True)
@index_option
@model_option
@json_option
def build(corpus: tuple[Path, ...], index_dir: Path, model: str | None, as_json: bool) -> None:
    """Parse the corpus and build the hybrid index (FAISS + BM25) in --index.

    Only windows whose text changed are embedded again; a failed build leaves the
    previous index in place.
    """
    report = KnowledgeBase.build(list(corpus) or [config().corpus], index_dir, model=model, progress=not as_json)
    for s in report.skipped:
        say(f"kb: skipped {s}")
    for w in report.warnings:
        say(f"kb: warning: {w}")
    data = {
        "index": str(report.folder), "documents": list(report.documents), "skipped": list(report.skipped),
        "warnings": list(report.warnings), "leaves": report.leaves, "chunks": report.chunks,
        "embedded": report.embedded, "reused": report.reused, "seconds": report.seconds,
    }
    render(View(data, text=lambda color: (
        f"Indexed {len(report.documents)} document(s) into {report.folder}/: {report.leaves} passages, "
        f"{report.chunks} windows ({report.embedded} embedded, {report.reused} reused) in {report.seconds:.1f}s"
    )), JSON if as_json else TEXT)
