"""The auditor's and trainer's verbs: ``kb targets``, ``kb locate`` and ``kb quiz``.

They only read the index's nodes (no embedding model is loaded), and share the
CLI conventions of :mod:`kb.interfaces.cli.main`: ``--index``, ``--json``, one-line user errors.
Files are written with :mod:`kb.tools.export`; the format follows ``--format`` or,
failing that, the suffix of ``-o``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from pathlib import Path

import click

from kb.interfaces.cli.main import UserError, cli, emit_json, index_option, json_option, open_kb, user_errors
from kb.tools.export import (
    display_width,
    render_csv,
    render_markdown,
    render_quiz_markdown,
    write_quiz,
    write_table,
)

#: Formats that cannot go to a terminal.
BINARY_FORMATS = ("xlsx", "docx")
#: Widest a column of the human targets table gets (display columns); longer text is cut with …
TABLE_WIDTHS = {"metric": 30, "target": 16, "baseline": 8, "deadline": 12, "owners": 24}


# ------------------------------------------------------------------ helpers


def output_option(f):
    return click.option(
        "-o", "--output", type=click.Path(path_type=Path, dir_okay=False), default=None,
        help="Write to this file instead of the terminal (format from --format or the file's suffix).",
    )(f)


def _format(fmt: str | None, output: Path | None, as_json: bool, allowed: Sequence[str]) -> str | None:
    """The output format: --json, --format, or the suffix of -o; None means the human view."""
    if as_json and fmt:
        raise UserError("use either --json or --format, not both")
    if as_json:
        return "json"
    if fmt is None and output is not None:
        suffix = output.suffix.lower().lstrip(".")
        fmt = {"markdown": "md", "json": "json"}.get(suffix, suffix)
        if fmt not in (*allowed, "json"):
            raise UserError(f"cannot tell the format of {output}; add --format {'|'.join(allowed)}")
    if fmt in BINARY_FORMATS and output is None:
        raise UserError(f"--format {fmt} writes a file: add -o FILE.{fmt}")
    return fmt


def _resolve_doc(kb, doc: str | None) -> str | None:
    """A document name from an exact name or a unique part of one."""
    if doc is None:
        return None
    names = kb.documents
    if doc in names:
        return doc
    hits = [n for n in names if doc in n]
    if len(hits) == 1:
        return hits[0]
    listing = "、".join(names) or "(none)"
    if not hits:
        raise UserError(f"no document matches --doc {doc!r}; the index has: {listing}")
    raise UserError(f"--doc {doc!r} matches several documents ({'、'.join(hits)}); be more specific")


def _check_chapter(kb, doc: str | None, chapter: int | None) -> None:
    if chapter is None:
        return
    numbers = sorted({n.chapter for n in kb.chapters(doc)})
    if chapter not in numbers:
        have = f"chapters {numbers[0]}–{numbers[-1]}" if numbers else "no chapters"
        raise UserError(f"there is no chapter {chapter}" + (f" in {doc}" if doc else "") + f" (the index has {have})")


def _write_text(text: str, output: Path | None, encoding: str = "utf-8") -> None:
    if output is None:
        click.echo(text, nl=not text.endswith("\n"))
        return
    try:
        output.write_text(text, encoding=encoding, newline="")
    except OSError as e:
        raise UserError(f"{output}: cannot write ({e.strerror or e})") from e


def _saved(output: Path, what: str) -> None:
    click.echo(f"{what} → {output}", err=True)


def _fit(text: str, width: int) -> str:
    """Cut ``text`` to ``width`` display columns (CJK counts two) and pad it to exactly that width."""
    text = re.sub(r"\s+", " ", text)
    if display_width(text) > width:
        while display_width(text) > width - 1:
            text = text[:-1]
        text += "…"
    return text + " " * (width - display_width(text))


# ------------------------------------------------------------------ targets


def _target_cell(row: dict) -> str:
    value = str(row["value"])
    if not value:
        return "—"
    if not re.fullmatch(r"\d+(?:\.\d+)?", value):  # 完成省定目标: wording, no unit
        return value
    comparator = row["comparator"] if row["comparator"] not in ("", "=") else ""
    return f"{comparator}{value}{row['unit']}"


def targets_table(rows: Sequence[dict]) -> str:
    """The register as an aligned, width-aware table for a terminal."""
    cols = [("id", "编号", 14), ("metric", "指标/事项", TABLE_WIDTHS["metric"]),
            ("target", "目标", TABLE_WIDTHS["target"]), ("baseline", "基准值", TABLE_WIDTHS["baseline"]),
            ("deadline", "期限", TABLE_WIDTHS["deadline"]), ("owners", "责任主体", TABLE_WIDTHS["owners"]),
            ("page", "页码", 4)]
    lines = ["  ".join(_fit(title, w) for _, title, w in cols).rstrip()]
    lines.append("  ".join("-" * w for *_, w in cols))
    for r in rows:
        cells = {**{k: str(r.get(k) or "") for k, _, _ in cols}, "target": _target_cell(r)}
        lines.append("  ".join(_fit(cells[k], w) for k, _, w in cols).rstrip())
    tables = sum(1 for r in rows if r["source"] == "table")
    lines.append(f"\n共 {len(rows)} 项承诺：指标表 {tables} 项，条款 {len(rows) - tables} 项。")
    return "\n".join(lines)


@cli.command()
@click.option("--doc", default=None, help="Only this document (name or part of it).")
@click.option("--chapter", type=int, default=None, help="Only this chapter number (第N章).")
@click.option("--format", "fmt", type=click.Choice(["csv", "xlsx", "md"]), default=None,
              help="Table format: csv (UTF-8 with BOM), xlsx (needs -o) or md.")
@output_option
@index_option
@json_option
@user_errors
def targets(doc: str | None, chapter: int | None, fmt: str | None, output: Path | None, index_dir: Path,
            as_json: bool) -> None:
    """List every quantified commitment: indicator-table rows and clause targets.

    Each line is one commitment: metric, comparator, value and unit, baseline,
    deadline, owners and the citation of the sentence or row that states it.

    JSON: a list of objects {"id", "metric", "comparator", "value", "unit",
    "baseline", "deadline", "owners", "attribute", "source", "citation", "page",
    "text", "linked"}.
    """
    from kb.tools.register import HEADERS_ZH, to_rows

    fmt = _format(fmt, output, as_json, ("csv", "xlsx", "md"))
    kb = open_kb(index_dir)
    doc = _resolve_doc(kb, doc)
    _check_chapter(kb, doc, chapter)
    rows = to_rows(kb.targets(doc=doc, chapter=chapter))
    if fmt == "json":
        _write_text(json.dumps(rows, ensure_ascii=False) + "\n", output)
    elif fmt is None:
        _write_text(targets_table(rows) + "\n", output)
    elif output is None:
        _write_text(render_csv(rows, HEADERS_ZH) if fmt == "csv" else render_markdown(rows, HEADERS_ZH), None)
    else:
        try:
            write_table(rows, HEADERS_ZH, output, fmt, title="承诺清单")
        except OSError as e:
            raise UserError(f"{output}: cannot write ({e.strerror or e})") from e
    if output is not None:
        _saved(output, f"{len(rows)} commitments")


# ------------------------------------------------------------------- locate


def _mark(context: str) -> str:
    return re.sub(r"【(.*?)】", lambda m: "【" + click.style(m.group(1), fg="red", bold=True) + "】", context)


@cli.command()
@click.argument("phrase")
@click.option("-n", "limit", type=click.IntRange(1, 100), default=10, show_default=True,
              help="At most this many clauses.")
@index_option
@json_option
@user_errors
def locate(phrase: str, limit: int, index_dir: Path, as_json: bool) -> None:
    """Find where a quoted PHRASE comes from: exact matches first, then near ones.

    Whitespace, full-/half-width forms and quote marks are ignored; a quotation
    with changed punctuation or a character or two wrong is still found (score <
    100).  A phrase that is not in the plans finds nothing.

    JSON: a list of {"id", "citation", "page", "score", "text", "span", "doc",
    "exact", "context"}, best first; [] when nothing matches.
    """
    from kb.tools.locate import NEAR_THRESHOLD

    kb = open_kb(index_dir)
    matches = kb.locate(phrase, limit=limit)
    if as_json:
        emit_json([m.to_dict() for m in matches])
        return
    if not matches:
        click.echo(f"未找到「{phrase}」：规划中没有这句话，也没有足够接近的说法（相似度低于 {NEAR_THRESHOLD:g}）。")
        return
    for i, m in enumerate(matches, start=1):
        kind = "原文一致" if m.exact else f"相近 {m.score:.1f}"
        click.echo(click.style(f"[{i}] {m.node.citation}", fg="cyan") + f"  ({kind})")
        click.echo("    " + _mark(m.context) + "\n")


# --------------------------------------------------------------------- quiz


def _types(value: str) -> tuple[str, ...]:
    from kb.tools.quiz import TYPES

    types = tuple(dict.fromkeys(t.strip() for t in value.split(",") if t.strip()))
    bad = [t for t in types if t not in TYPES]
    if bad or not types:
        raise UserError(f"--types: unknown type {', '.join(bad) or '(none)'}; choose from {','.join(TYPES)}")
    return types


def _quiz_title(doc: str | None, documents: Sequence[str], chapter: int | None) -> str:
    name = doc or (documents[0] if len(documents) == 1 else "规划")
    return f"《{name}》知识测验" + (f"（第{chapter}章）" if chapter is not None else "")


@cli.command()
@click.option("-n", "n", type=click.IntRange(1, 500), default=20, show_default=True, help="How many questions.")
@click.option("--chapter", type=int, default=None, help="Only this chapter number (第N章).")
@click.option("--doc", default=None, help="Only this document (name or part of it).")
@click.option("--types", "types_", default="choice,fill,judge", show_default=True,
              help="Question types, comma-separated: choice (4 options), fill (blank), judge (true/false).")
@click.option("--seed", type=int, default=0, show_default=True, help="Same seed, same quiz.")
@click.option("--format", "fmt", type=click.Choice(["csv", "xlsx", "md", "docx"]), default=None,
              help="csv / xlsx (one row per question), md or docx (an exam paper with an answer key).")
@output_option
@index_option
@json_option
@user_errors
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
    from kb.tools.export import QUIZ_HEADERS_ZH, quiz_rows

    types = _types(types_)
    fmt = _format(fmt, output, as_json, ("csv", "xlsx", "md", "docx"))
    kb = open_kb(index_dir)
    doc = _resolve_doc(kb, doc)
    _check_chapter(kb, doc, chapter)
    items = kb.quiz(n=n, chapter=chapter, types=types, seed=seed, doc=doc)
    if not items:
        where = f"chapter {chapter}" if chapter is not None else "the index"
        raise UserError(f"no questions could be made from {where} with types {','.join(types)}")
    if len(items) < n:
        click.echo(f"kb: only {len(items)} questions could be made (asked for {n})", err=True)
    title = _quiz_title(doc, kb.documents, chapter)
    if fmt == "json":
        _write_text(json.dumps([it.to_dict() for it in items], ensure_ascii=False) + "\n", output)
    elif fmt in (None, "md") and output is None:
        _write_text(render_quiz_markdown(items, title), None)
    elif fmt == "csv" and output is None:
        _write_text(render_csv(quiz_rows(items), QUIZ_HEADERS_ZH), None)
    else:
        try:
            write_quiz(items, output, fmt or "md", title=title)
        except OSError as e:
            raise UserError(f"{output}: cannot write ({e.strerror or e})") from e
    if output is not None:
        _saved(output, f"{len(items)} questions")


# -------------------------------------------------------------------- serve

from kb.interfaces.cli.main import DEFAULT_CORPUS, model_option  # noqa: E402  (kept beside the one command that needs them)


@cli.command()
@click.option("--corpus", type=click.Path(path_type=Path), default=None,
              help="Corpus folder or file to build from when the index is missing. Default: corpus/ (env KB_CORPUS).")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on (loopback by default).")
@click.option("--port", type=click.IntRange(1, 65535), default=7860, show_default=True, help="Port to listen on.")
@index_option
@model_option
@user_errors
def serve(corpus: Path | None, host: str, port: int, index_dir: Path, model: str | None) -> None:
    """Serve the web app (问答, 大纲, 指标清单, 条款定位, 出题); builds the index first if it is missing.

    Same as `python app.py`.  Nothing is shared or sent anywhere: the server
    listens on HOST (loopback by default) and Gradio's analytics are off.
    """
    from kb.embed.encoder import ModelError
    from kb.interfaces.web.app import serve as serve_app

    try:
        serve_app(index_dir, corpus or DEFAULT_CORPUS, host, port, model=model,
                  echo=lambda m: click.echo(m, err=True))
    except ModelError as e:
        raise UserError(str(e)) from e
