"""Options every verb spells the same way, and what they mean once parsed.

Defaults come from :meth:`kb.config.Config.from_env` when a command runs, never at
import time, so ``KB_INDEX``/``KB_CORPUS``/``KB_MODEL`` set by a launcher or a
test are honoured.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import click

from kb.config import Config
from kb.errors import KBError
from kb.interfaces.cli.errors import UserError
from kb.knowledge import KnowledgeBase

Decorator = Callable[[Callable], Callable]


def config() -> Config:
    """The defaults, read from the environment now."""
    return Config.from_env()


def index_option(f: Callable) -> Callable:
    return click.option(
        "--index", "index_dir", type=click.Path(path_type=Path), default=lambda: config().index,
        show_default="index, or env KB_INDEX", help="Index folder.",
    )(f)


def unused_index_option(f: Callable) -> Callable:
    """--index on a verb that reads no index: accepted, so every verb takes it, but not shown."""
    return click.option("--index", "_index", type=click.Path(path_type=Path), default=None, hidden=True,
                        expose_value=False)(f)


def corpus_option(help: str, multiple: bool = False) -> Decorator:
    """--corpus: where the plans are (env KB_CORPUS); ``multiple`` for verbs that take several."""
    if multiple:
        return click.option("--corpus", type=click.Path(path_type=Path), multiple=True, help=help)
    return click.option("--corpus", type=click.Path(path_type=Path), default=None, help=help)


def model_option(f: Callable) -> Callable:
    return click.option(
        "--model", default=lambda: config().model,
        help="Embedding model: a sentence-transformers id or a local folder (env KB_MODEL; "
        "default multilingual-e5-small, bundled offline).",
    )(f)


def users_option(f: Callable) -> Callable:
    return click.option(
        "--users", type=click.Path(path_type=Path, dir_okay=False), default=lambda: config().users,
        show_default="env KB_USERS", help="The users file (made with `kb users add`).",
    )(f)


def json_option(f: Callable) -> Callable:
    return click.option("--json", "as_json", is_flag=True, help="Machine-readable JSON output.")(f)


def doc_option(f: Callable) -> Callable:
    return click.option("--doc", default=None, help="Only this document: its name or a unique part of it.")(f)


def chapter_option(f: Callable) -> Callable:
    return click.option("--chapter", type=int, default=None, help="Only this chapter number (第N章).")(f)


def filter_options(f: Callable) -> Callable:
    """--doc and --chapter, for every verb that narrows the plans."""
    return doc_option(chapter_option(f))


def queries_option(f: Callable) -> Callable:
    return click.option(
        "--queries", type=click.Path(path_type=Path, dir_okay=False),
        help="A file with one query per line; one JSON object per line out, in the same order.",
    )(f)


def output_option(f: Callable) -> Callable:
    return click.option(
        "-o", "--output", type=click.Path(path_type=Path, dir_okay=False), default=None,
        help="Write to this file instead of the terminal (format from --format or the file's suffix).",
    )(f)


def format_option(choices: Sequence[str], help: str) -> Decorator:
    return click.option("--format", "fmt", type=click.Choice(list(choices)), default=None, help=help)


# ------------------------------------------------------------ meanings


#: What a one-off ``kb search``/``kb ask`` process opened, kept so that it is never freed: the
#: process ends with os._exit (kb.interfaces.cli.group.main), and freeing it first costs 0.3 s.
_KEPT: list[KnowledgeBase] = []
_keep = False


def keep_opened(keep: bool) -> None:
    """Whether :func:`open_kb` keeps what it opens alive to the end of the process."""
    global _keep
    _keep = keep


def open_kb(index_dir: Path, model: str | None = None) -> KnowledgeBase:
    kb = KnowledgeBase.open(index_dir, model=model)
    if _keep:
        _KEPT.append(kb)
    return kb


def resolve_filters(kb: KnowledgeBase, doc: str | None, chapter: int | None) -> tuple[str | None, int | None]:
    """--doc as one document's exact name (KnowledgeBase.resolve_doc) and --chapter checked against it."""
    try:
        doc = kb.resolve_doc(doc)
    except KBError as e:
        raise UserError(f"--doc: {e}") from e
    if chapter is not None:
        numbers = sorted({n.chapter for n in kb.chapters(doc)})
        if chapter not in numbers:
            have = f"chapters {numbers[0]}–{numbers[-1]}" if numbers else "no chapters"
            where = f" in {doc}" if doc else ""
            raise UserError(f"there is no chapter {chapter}{where} (the index has {have})")
    return doc, chapter
