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

from kb.document import KINDS, Document, Node
from kb.ingest.loaders import IngestError

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


def filter_options(f: Callable) -> Callable:
    """--doc and --chapter, shared by the commands that search."""
    f = click.option("--chapter", type=int, default=None, help="Only this chapter number (第N章).")(f)
    return click.option("--doc", default=None, help="Only this document (name or part of it).")(f)


def queries_option(f: Callable) -> Callable:
    return click.option(
        "--queries", type=click.Path(path_type=Path, dir_okay=False),
        help="A file with one query per line; one JSON object per line out, in the same order.",
    )(f)


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
    from kb.ingest.parse import parse_paths

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
    summary = ", ".join(f"{counts[k]} {_plural(k, counts[k])}" for k in KINDS if counts[k])
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


def _plural(kind: str, n: int) -> str:
    if n == 1:
        return kind
    return kind + ("es" if kind == "box" else "s")


def _outline_label(n: Node) -> str:
    page = f"  {n.pages}" if n.page else ""
    if n.kind in ("chapter", "section", "box", "foreword"):
        return click.style(n.title, bold=n.kind == "chapter") + page
    return f"{n.id.rsplit('.', 1)[-1]} 「{n.title}」{page}"


# -------------------------------------------------------------------- build


def model_option(f: Callable) -> Callable:
    return click.option(
        "--model", default=None, envvar="KB_MODEL",
        help="Embedding model: a sentence-transformers id or a local folder (env KB_MODEL; "
        "default multilingual-e5-small, bundled offline).",
    )(f)


@cli.command()
@click.option("--corpus", type=click.Path(path_type=Path), multiple=True,
              help="Corpus folder or file (repeatable). Default: corpus/ (env KB_CORPUS).")
@index_option
@model_option
@json_option
@user_errors
def build(corpus: tuple[Path, ...], index_dir: Path, model: str | None, as_json: bool) -> None:
    """Parse the corpus and build the hybrid index (FAISS + BM25) in --index.

    Only windows whose text changed are embedded again; a failed build leaves the
    previous index in place.
    """
    from kb.knowledge import KnowledgeBase

    report = KnowledgeBase.build(list(corpus) or [DEFAULT_CORPUS], index_dir, model=model, progress=not as_json)
    for s in report.skipped:
        click.echo(f"kb: skipped {s}", err=True)
    for w in report.warnings:
        click.echo(f"kb: warning: {w}", err=True)
    if as_json:
        emit_json({
            "index": str(report.folder), "documents": list(report.documents), "skipped": list(report.skipped),
            "warnings": list(report.warnings), "leaves": report.leaves, "chunks": report.chunks,
            "embedded": report.embedded, "reused": report.reused, "seconds": report.seconds,
        })
        return
    click.echo(
        f"Indexed {len(report.documents)} document(s) into {report.folder}/: {report.leaves} passages, "
        f"{report.chunks} windows ({report.embedded} embedded, {report.reused} reused) in {report.seconds:.1f}s"
    )


# ------------------------------------------------------------------- search


def open_kb(index_dir: Path, model: str | None = None):
    from kb.knowledge import KnowledgeBase

    return KnowledgeBase.open(index_dir, model=model)


@cli.command()
@click.argument("query", required=False)
@click.option("-k", "k", type=click.IntRange(1, 100), default=5, show_default=True, help="How many clauses.")
@filter_options
@queries_option
@index_option
@model_option
@json_option
@user_errors
def search(query: str | None, k: int, doc: str | None, chapter: int | None, queries: Path | None,
           index_dir: Path, model: str | None, as_json: bool) -> None:
    """Find the clauses that answer QUERY, with citations."""
    batch = query_batch(query, queries, "QUERY")
    kb = open_kb(index_dir, model)
    for q, hits, error in answer_each(batch, lambda q: kb.search(q, k=k, doc=doc, chapter=chapter), queries):
        if as_json or queries is not None:
            row = {"query": q, "hits": [h.to_dict() for h in hits or []]}
            if error:
                row["error"] = error
            emit_json(row)
        else:
            _print_hits(q, hits)


def query_batch(single: str | None, queries: Path | None, what: str) -> list[str]:
    """The questions to run: the one argument, or every line of --queries."""
    if queries is None and single is None:
        raise UserError(f"give a {what} or --queries FILE")
    return read_queries(queries) if queries is not None else [single or ""]


def answer_each(batch: list[str], run: Callable, queries: Path | None):
    """Run each question; in a --queries batch a bad line is reported in place, not fatal."""
    from kb.errors import QueryError

    for q in batch:
        try:
            yield q, run(q), None
        except QueryError as e:
            if queries is None:
                raise
            yield q, None, str(e)


def mark_terms(text: str, terms: Iterable[str], color: bool | None = None) -> str:
    """Mark matched terms: bold red on a terminal, 【】 when the output goes to a file or pipe."""
    from kb.text.extract import mark

    if color is None:
        color = sys.stdout.isatty()
    marked = mark(text, [t for t in terms if t])
    return marked.replace("【", "\x1b[1;31m").replace("】", "\x1b[0m") if color else marked


def _print_hits(query: str, hits) -> None:
    if not hits:
        click.echo(f"没有找到与「{query}」相关的条款。")
        return
    for h in hits:
        click.echo(click.style(f"[{h.rank}] {h.citation}", fg="cyan") + f"  (score {h.score:.4f})")
        click.echo("    " + mark_terms(h.node.text, h.matched).replace("\n", "\n    ") + "\n", color=sys.stdout.isatty())


# ---------------------------------------------------------------------- ask


@cli.command()
@click.argument("question", required=False)
@filter_options
@queries_option
@index_option
@model_option
@json_option
@user_errors
def ask(question: str | None, doc: str | None, chapter: int | None, queries: Path | None,
        index_dir: Path, model: str | None, as_json: bool) -> None:
    """Answer QUESTION from the plan: the clause that says so, who owns it, the target and the deadline.

    JSON: {"question", "answer", "owners", "targets", "deadlines", "citations", ...}.
    """
    batch = query_batch(question, queries, "QUESTION")
    kb = open_kb(index_dir, model)
    for q, answer, error in answer_each(batch, lambda q: kb.ask(q, doc=doc, chapter=chapter), queries):
        if error:
            emit_json({"question": q, "answer": "", "owners": [], "targets": [], "deadlines": [],
                       "citations": [], "found": False, "note": error})
        elif as_json or queries is not None:
            emit_json(answer.to_dict())
        else:
            _print_answer(answer)


def _print_answer(a) -> None:
    """The answer card, then the cited clauses, as a civil servant reads them in a terminal."""
    if not a.found:
        click.echo(click.style(a.note, fg="yellow"))
    else:
        answer = a.answer.replace("【", "\x1b[1;31m").replace("】", "\x1b[0m") if sys.stdout.isatty() else a.answer
        click.echo(click.style("答：", bold=True) + answer)
        click.echo(click.style("责任主体：", bold=True) + ("、".join(a.owners) or "（未写明）"))
        if a.targets:
            click.echo(click.style("目标：", bold=True) + "；".join(
                f"{t.metric} {t.comparator}{t.value}{t.unit}" + (f"（{t.deadline}）" if t.deadline else "")
                for t in a.targets))
        if a.deadlines:
            click.echo(click.style("期限：", bold=True) + "、".join(a.deadlines))
        if a.indicator is not None:
            cols = dict(a.indicator.columns)
            click.echo(click.style("指标：", bold=True) + "；".join(f"{k} {v}" for k, v in cols.items() if v))
        if a.note:
            click.echo(click.style(a.note, fg="yellow"))
            if a.general_rule is not None:
                click.echo(f"    {a.general_rule.citation}")
    click.echo(click.style("出处：", bold=True))
    for h in a.citations:
        click.echo(f"  [{h.rank}] {h.citation}")


# --------------------------------------------------------------------- eval


@cli.command(name="eval")
@click.argument("questions", type=click.Path(path_type=Path, exists=True, dir_okay=False))
@click.option("-k", "k", type=click.IntRange(1, 100), default=10, show_default=True)
@click.option("--show-misses", is_flag=True, help="List the questions whose first hit is wrong.")
@index_option
@model_option
@json_option
@user_errors
def eval_(questions: Path, k: int, show_misses: bool, index_dir: Path, model: str | None, as_json: bool) -> None:
    """Score retrieval on a gold question file (hit@1, hit@5, MRR@10, median top-1 length)."""
    from kb.tools.evaluate import load_questions, score

    kb = open_kb(index_dir, model)
    qs = load_questions(questions)
    owners = getattr(kb, "ask", None)
    report = score(
        qs,
        lambda q: [h.node.text for h in kb.search(q, k=k)],
        (lambda q: kb.ask(q).owners) if owners else None,
    )
    if as_json:
        emit_json({"file": str(questions), "n": report.n, "hit@1": report.hit1, "hit@5": report.hit5,
                   "mrr@10": report.mrr10, "median_top1_len": report.median_top1_len,
                   "owner_recall": report.owner_recall, "misses": report.misses})
        return
    if show_misses:
        for m in report.misses:
            click.echo(f"miss {m['id']} {m['q']} | rank {m['rank']} | top-1: {m['top1']}")
    click.echo(report.line(questions.name))


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

from kb.interfaces.cli import tools  # noqa: E402,F401  (registers targets, locate, quiz)
