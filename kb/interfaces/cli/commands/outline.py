"""``kb outline``: the structure of plans as parsed, before anything is indexed."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import click

from kb.document import KINDS, Document, Node
from kb.interfaces.cli.errors import UserError
from kb.interfaces.cli.options import config, corpus_option, json_option, unused_index_option
from kb.interfaces.cli.render import JSON, TEXT, View, render, say
from kb.knowledge import KnowledgeBase
from kb.text.display import strip_controls

#: The kinds each --depth shows.
DEPTHS = {
    "chapter": ("part", "chapter", "foreword", "preamble", "annex"),
    "section": ("part", "chapter", "section", "subsection", "box", "foreword", "preamble", "annex"),
    "all": KINDS,
}
#: Node fields in `kb outline --json`.
JSON_KEYS = ("id", "kind", "title", "parent", "doc", "page")


@click.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@corpus_option("Corpus folder used when no PATH is given (default corpus/, env KB_CORPUS).")
@click.option("--depth", type=click.Choice(list(DEPTHS)), default="all", show_default=True,
              help="How deep the human tree goes.")
@unused_index_option
@json_option
def outline(paths: tuple[Path, ...], corpus: Path | None, depth: str, as_json: bool) -> None:
    """Show the structure of the corpus, or of the given files (parsed, not indexed).

    JSON: a flat list of nodes {"id", "kind", "title", "parent", "doc", "page"}.
    """
    corpus = corpus or config().corpus
    docs, errors = KnowledgeBase.outline(list(paths) or [corpus])
    for e in errors:
        say(f"kb: skipped {e}")
    if not docs:
        raise UserError("nothing to outline: no readable documents" + (f" in {corpus}" if not paths else ""))
    data = [{k: getattr(n, k) for k in JSON_KEYS} for d in docs for n in d.nodes]
    render(View(data, text=lambda color: "\n".join(outline_text(d, depth) for d in docs)),
           JSON if as_json else TEXT)


def outline_text(d: Document, depth: str) -> str:
    """One document as an indented tree under a header line of counts."""
    counts = Counter(n.kind for n in d.nodes)
    summary = ", ".join(f"{counts[k]} {_plural(k, counts[k])}" for k in KINDS if counts[k])
    name = click.style(strip_controls(d.name), bold=True)
    lines = [f"{name}  ({Path(d.path).suffix[1:]}, {d.scheme} numbering): {summary}"]
    level: dict[str, int] = {}
    for n in d.nodes:
        level[n.id] = 0 if n.parent is None else level.get(n.parent, 0) + 1
        if n.kind in DEPTHS[depth]:
            lines.append("  " * (level[n.id] + 1) + _label(n))
    return "\n".join(lines)


def _plural(kind: str, n: int) -> str:
    if n == 1:
        return kind
    return kind + ("es" if kind.endswith(("x", "s")) else "s")


def _label(n: Node) -> str:
    page = f"  {n.pages}" if n.page else ""
    title = strip_controls(n.title)
    if n.kind in ("part", "chapter", "section", "subsection", "box", "foreword", "annex"):
        return click.style(title, bold=n.kind in ("part", "chapter")) + page
    return f"{n.id.rsplit('.', 1)[-1]} 「{title}」{page}"
