"""``kb search`` and ``kb ask``: the clauses that answer a question, and the answer they give.

Both take one question or a ``--queries`` file (one JSON object per line out, in
the same order; a bad line is reported in its own row, never fatal).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import click

from kb.errors import QueryError
from kb.interfaces.cli.errors import UserError
from kb.interfaces.cli.options import (
    filter_options,
    index_option,
    json_option,
    model_option,
    open_kb,
    queries_option,
    resolve_filters,
)
from kb.interfaces.cli.render import JSON, TEXT, View, render
from kb.knowledge import KnowledgeBase
from kb.text.display import ansi_marks, strip_controls, target_text
from kb.text.notation import display


@click.command()
@click.argument("query", required=False)
@click.option("-k", "k", type=click.IntRange(1, 100), default=5, show_default=True, help="How many clauses.")
@filter_options
@queries_option
@index_option
@model_option
@json_option
def search(query: str | None, k: int, doc: str | None, chapter: int | None, queries: Path | None,
           index_dir: Path, model: str | None, as_json: bool) -> None:
    """Find the clauses that answer QUERY, with citations."""
    batch = query_batch(query, queries, "QUERY")
    kb = open_kb(index_dir, model)
    doc, chapter = resolve_filters(kb, doc, chapter)
    fmt = JSON if as_json or queries is not None else TEXT
    for q, hits, error in answer_each(batch, lambda q: kb.search(q, k=k, doc=doc, chapter=chapter), queries):
        row = {"query": q, "hits": list(hits or [])}
        if error:
            row["error"] = error
        render(View(row, text=lambda color, q=q, hits=hits: hits_text(kb, q, hits, color)), fmt)


@click.command()
@click.argument("question", required=False)
@filter_options
@queries_option
@index_option
@model_option
@json_option
def ask(question: str | None, doc: str | None, chapter: int | None, queries: Path | None,
        index_dir: Path, model: str | None, as_json: bool) -> None:
    """Answer QUESTION from the plan: the clause that says so, who owns it, the target and the deadline.

    JSON: {"question", "answer", "owners", "targets", "deadlines", "citations", ...}.
    """
    batch = query_batch(question, queries, "QUESTION")
    kb = open_kb(index_dir, model)
    doc, chapter = resolve_filters(kb, doc, chapter)
    fmt = JSON if as_json or queries is not None else TEXT
    for q, answer, error in answer_each(batch, lambda q: kb.ask(q, doc=doc, chapter=chapter), queries):
        if error:
            render({"question": q, "answer": "", "owners": [], "targets": [], "deadlines": [],
                    "citations": [], "found": False, "note": error}, JSON)
        else:
            render(View(answer, text=lambda color, a=answer: answer_text(a, color)), fmt)


# -------------------------------------------------------------- batches


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


def query_batch(single: str | None, queries: Path | None, what: str) -> list[str]:
    """The questions to run: the one argument, or every line of --queries."""
    if queries is None and single is None:
        raise UserError(f"give a {what} or --queries FILE")
    return read_queries(queries) if queries is not None else [single or ""]


def answer_each(batch: Sequence[str], run: Callable, queries: Path | None) -> Iterator[tuple]:
    """Run each question; in a --queries batch a bad line is reported in place, not fatal."""
    for q in batch:
        try:
            yield q, run(q), None
        except QueryError as e:
            if queries is None:
                raise
            yield q, None, str(e)


# ---------------------------------------------------------- terminal views


def hits_text(kb: KnowledgeBase, query: str, hits: Sequence | None, color: bool) -> str:
    """Each clause under its citation, the query's terms marked."""
    if not hits:
        return f"没有找到与「{strip_controls(query)}」相关的条款。"
    blocks = []
    for h in hits:
        head = click.style(f"[{h.rank}] {strip_controls(display(h.citation))}", fg="cyan") + f"  (score {h.score:.4f})"
        body = ansi_marks(display(kb.mark(h.node.text, h.matched)), color).replace("\n", "\n    ")
        also = "".join(f"    另见：{strip_controls(display(o.citation))}\n" for o in h.also)
        blocks.append(f"{head}\n{also}    {body}\n\n")
    return "".join(blocks)


def answer_text(a, color: bool) -> str:
    """The answer card, then the cited clauses, as a civil servant reads them in a terminal."""
    def bold(s: str) -> str:
        return click.style(s, bold=True)

    def note(s: str) -> str:
        return click.style(strip_controls(s), fg="yellow")

    lines = []
    if not a.found:
        lines.append(note(a.note))
    else:
        lines.append(bold("答：") + ansi_marks(display(a.answer), color))
        lines.append(bold("责任主体：") + (strip_controls("、".join(a.owners)) or "（未写明）"))
        if a.targets:
            lines.append(bold("目标：") + strip_controls(display("；".join(
                target_text(t.metric, t.comparator, t.value, t.unit, t.deadline, t.baseline) for t in a.targets))))
        if a.deadlines:
            lines.append(bold("期限：") + strip_controls("、".join(a.deadlines)))
        if a.indicator is not None:
            cells = "；".join(f"{k} {v}" for k, v in dict(a.indicator.columns).items() if v)
            lines.append(bold("指标：") + strip_controls(display(cells)))
        if a.note:
            lines.append(note(a.note))
            if a.general_rule is not None:
                lines.append(f"    {strip_controls(a.general_rule.citation)}")
    lines.append(bold("出处："))
    lines += [f"  [{h.rank}] {strip_controls(display(h.citation))}" for h in a.citations]
    return "\n".join(lines)
