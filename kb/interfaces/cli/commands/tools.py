"""The auditor's and trainer's verbs: ``kb targets``, ``kb locate`` and ``kb quiz``.

They only read the index's nodes (no embedding model is loaded).  Files are
written through :func:`kb.interfaces.cli.render.render`; the format follows
``--format`` or, failing that, the suffix of ``-o``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import click

from kb.interfaces.cli.errors import UserError
from kb.interfaces.cli.options import (
    chapter_option,
    doc_option,
    filter_options,
    format_option,
    index_option,
    json_option,
    open_kb,
    output_option,
    resolve_filters,
)
from kb.interfaces.cli.render import JSON, TEXT, Paper, Table, View, choose_format, render, say, text_table
from kb.knowledge import KnowledgeBase
from kb.text.display import ansi_marks, quantity, strip_controls

TARGET_FORMATS = ("csv", "xlsx", "md")
QUIZ_FORMATS = ("csv", "xlsx", "md", "docx")
#: The human targets table: (row key, title, widest the column gets in display columns; longer text is cut with …).
TARGET_COLUMNS = (("id", "编号", 14), ("metric", "指标/事项", 30), ("target", "目标", 16), ("baseline", "基准值", 8),
                  ("deadline", "期限", 12), ("owners", "责任主体", 24), ("page", "页码", 4))


# ------------------------------------------------------------------ targets


@click.command()
@filter_options
@format_option(TARGET_FORMATS, "Table format: csv (UTF-8 with BOM), xlsx (needs -o) or md.")
@output_option
@index_option
@json_option
def targets(doc: str | None, chapter: int | None, fmt: str | None, output: Path | None, index_dir: Path,
            as_json: bool) -> None:
    """List every quantified commitment: indicator-table rows and clause targets.

    Each line is one commitment: metric, comparator, value and unit, baseline,
    deadline, owners and the citation of the sentence or row that states it.

    JSON: a list of objects {"id", "metric", "comparator", "value", "unit",
    "baseline", "deadline", "owners", "attribute", "source", "citation", "page",
    "text", "linked"}.
    """
    fmt = choose_format(as_json, fmt, output, TARGET_FORMATS)
    kb = open_kb(index_dir)
    doc, chapter = resolve_filters(kb, doc, chapter)
    rows = kb.register_rows(doc=doc, chapter=chapter)
    render(View(rows, text=lambda color: targets_table(rows) + "\n",
                table=Table(rows, KnowledgeBase.register_headers(), title="承诺清单"),
                noun=f"{len(rows)} commitments"), fmt, output)


def targets_table(rows: Sequence[Mapping]) -> str:
    """The register as an aligned, width-aware table for a terminal."""
    cells = [{**r, "target": quantity(r["comparator"], r["value"], r["unit"])} for r in rows]
    tables = sum(1 for r in rows if r["source"] == "table")
    summary = f"\n共 {len(rows)} 项承诺：指标表 {tables} 项，条款 {len(rows) - tables} 项。"
    return "\n".join([*text_table(cells, TARGET_COLUMNS), summary])


# ------------------------------------------------------------------- locate


@click.command()
@click.argument("phrase")
@click.option("-n", "limit", type=click.IntRange(1, 100), default=10, show_default=True,
              help="At most this many clauses.")
@doc_option
@index_option
@json_option
def locate(phrase: str, limit: int, doc: str | None, index_dir: Path, as_json: bool) -> None:
    """Find where a quoted PHRASE comes from: exact matches first, then near ones.

    Whitespace, full-/half-width forms and quote marks are ignored; a quotation
    with changed punctuation or a character or two wrong is still found (score <
    100).  A phrase that is not in the plans finds nothing.

    JSON: a list of {"id", "citation", "page", "score", "text", "span", "doc",
    "exact", "context"}, best first; [] when nothing matches.
    """
    kb = open_kb(index_dir)
    doc, _ = resolve_filters(kb, doc, None)
    matches = kb.locate(phrase, limit=limit, doc=doc)
    render(View(matches, text=lambda color: matches_text(phrase, matches, color)), JSON if as_json else TEXT)


def matches_text(phrase: str, matches: Sequence, color: bool) -> str:
    if not matches:
        return (f"未找到「{strip_controls(phrase)}」：规划中没有这句话，也没有足够接近的说法"
                f"（相似度低于 {KnowledgeBase.locate_threshold():g}）。")
    blocks = []
    for i, m in enumerate(matches, start=1):
        kind = "原文一致" if m.exact else f"相近 {m.score:.1f}"
        head = click.style(f"[{i}] {strip_controls(m.node.citation)}", fg="cyan") + f"  ({kind})"
        blocks.append(f"{head}\n    {ansi_marks(m.context, color)}\n\n")
    return "".join(blocks)


# --------------------------------------------------------------------- quiz


def _types(value: str) -> tuple[str, ...]:
    known = KnowledgeBase.quiz_types()
    types = tuple(dict.fromkeys(t.strip() for t in value.split(",") if t.strip()))
    bad = [t for t in types if t not in known]
    if bad or not types:
        raise UserError(f"--types: unknown type {', '.join(bad) or '(none)'}; choose from {','.join(known)}")
    return types


def _quiz_title(doc: str | None, documents: Sequence[str], chapter: int | None) -> str:
    name = doc or (documents[0] if len(documents) == 1 else "规划")
    return f"《{name}》知识测验" + (f"（第{chapter}章）" if chapter is not None else "")


@click.command()
@click.option("-n", "n", type=click.IntRange(1, 500), default=20, show_default=True, help="How many questions.")
@chapter_option
@doc_option
@click.option("--types", "types_", default="choice,fill,judge", show_default=True,
              help="Question types, comma-separated: choice (4 options), fill (blank), judge (true/false).")
@click.option("--seed", type=int, default=0, show_default=True, help="Same seed, same quiz.")
@format_option(QUIZ_FORMATS, "csv / xlsx (one row per question), md or docx (an exam paper with an answer key).")
@output_option
@index_option
@json_option
def quiz(n: int, chapter: int | None, doc: str | None, types_: str, seed: int, fmt: str | None,
         output: Path | None, index_dir: Path, as_json: bool) -> None:
    """Make a quiz on the plans whose every answer is checked against its source clause.

    Questions come from the plan's targets, indicator table, named counties and
    lists; wrong options are values of the same kind taken from elsewhere in the
    plan.  Each answer comes with the source sentence and its citation.

    JSON: a list of {"id", "type", "question", "options", "answer",
    "explanation", "citation", "source_id", "source_text"}; for a choice item
    "answer" is the text of the correct option.
    """
    types = _types(types_)
    fmt = choose_format(as_json, fmt, output, QUIZ_FORMATS)
    kb = open_kb(index_dir)
    doc, chapter = resolve_filters(kb, doc, chapter)
    items = kb.quiz(n=n, chapter=chapter, types=types, seed=seed, doc=doc)
    if not items:
        where = f"chapter {chapter}" if chapter is not None else "the index"
        raise UserError(f"no questions could be made from {where} with types {','.join(types)}")
    if len(items) < n:
        say(f"kb: only {len(items)} questions could be made (asked for {n})")
    paper = Paper(items, _quiz_title(doc, kb.documents, chapter))
    render(View(items, paper=paper, noun=f"{len(items)} questions"), fmt, output)
