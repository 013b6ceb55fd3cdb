"""``kb eval``: retrieval scored on a gold question file, with the metrics of shared/eval/score.py."""

from __future__ import annotations

from pathlib import Path

import click

from kb.interfaces.cli.options import index_option, json_option, model_option, open_kb
from kb.interfaces.cli.render import JSON, TEXT, View, render
from kb.text.display import strip_controls


@click.command(name="eval")
@click.argument("questions", type=click.Path(path_type=Path, exists=True, dir_okay=False))
@click.option("-k", "k", type=click.IntRange(1, 100), default=10, show_default=True)
@click.option("--show-misses", is_flag=True, help="List the questions whose first hit is wrong.")
@index_option
@model_option
@json_option
def evaluate(questions: Path, k: int, show_misses: bool, index_dir: Path, model: str | None, as_json: bool) -> None:
    """Score retrieval on a gold question file (hit@1, hit@5, MRR@10, median top-1 length)."""
    report = open_kb(index_dir, model).evaluate(questions, k=k)
    data = {"file": str(questions), "n": report.n, "hit@1": report.hit1, "hit@5": report.hit5,
            "mrr@10": report.mrr10, "median_top1_len": report.median_top1_len,
            "owner_recall": report.owner_recall, "misses": report.misses}

    def text(color: bool) -> str:
        misses = [strip_controls(f"miss {m['id']} {m['q']} | rank {m['rank']} | top-1: {m['top1']}")
                  for m in report.misses] if show_misses else []
        return "\n".join([*misses, report.line(questions.name)])

    render(View(data, text=text), JSON if as_json else TEXT)
