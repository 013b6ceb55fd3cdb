"""The one way a verb's result leaves the CLI: :func:`render`.

A verb builds a :class:`View` of what it found (the data ``--json`` prints, how
it reads on a terminal, and, where it has one, its table or exam paper) and
hands it to ``render(view, fmt, output)``.  Terminal text gets colour only when
stdout is a terminal; files are written by :mod:`kb.tools.export` (csv with a
BOM for Excel, xlsx, md, docx).

Nothing from a document reaches the terminal raw: every text written to stdout or
stderr (:func:`say` for messages) loses its control characters and escape
sequences, but for the colours kb adds itself, and JSON escapes every control
character, C1 ones included.
"""

from __future__ import annotations

import dataclasses
import json
import re
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import click

from kb.interfaces.cli.errors import UserError
from kb.text.display import strip_controls
from kb.tools import export

TEXT = "text"
JSON = "json"
#: The colour and bold sequences click.style writes: the only escapes kb sends to a terminal.
_SGR = re.compile(r"(\x1b\[[0-9;]*m)")
#: What JSON leaves unescaped but a terminal still obeys: DEL and the C1 controls (0x9b is CSI).
_C1 = re.compile("[\x7f-\x9f]")
#: Formats written through kb.tools.export.
FILE_FORMATS = export.FORMATS
#: Formats that cannot go to a terminal.
BINARY_FORMATS = ("xlsx", "docx")
_SUFFIXES = {"markdown": "md"}


@dataclass(frozen=True)
class Table:
    """Rows (dicts) and the Chinese header of each key, in column order."""

    rows: Sequence[Mapping]
    headers: Mapping[str, str]
    title: str = ""


@dataclass(frozen=True)
class Paper:
    """A quiz: md and docx print it as an exam paper, csv and xlsx list one question a row."""

    items: Sequence
    title: str


@dataclass(frozen=True)
class View:
    """What a verb shows, in every form it can take."""

    #: What --json prints: JSON-able values, objects with ``to_dict``, or lists of them.
    data: object
    #: The terminal view; called with whether colour is wanted.
    text: Callable[[bool], str] | None = None
    table: Table | None = None
    paper: Paper | None = None
    #: What a written file holds ("42 commitments"), said on stderr once it is saved.
    noun: str = ""


def choose_format(as_json: bool, fmt: str | None, output: Path | None, allowed: Sequence[str] = ()) -> str:
    """The output format: --json, --format, or the suffix of -o; plain text otherwise."""
    if as_json and fmt:
        raise UserError("use either --json or --format, not both")
    if as_json:
        return JSON
    if fmt is None and output is not None:
        suffix = output.suffix.lower().lstrip(".")
        fmt = _SUFFIXES.get(suffix, suffix)
        if fmt not in (*allowed, JSON):
            raise UserError(f"cannot tell the format of {output}; add --format {'|'.join(allowed)}")
    if fmt in BINARY_FORMATS and output is None:
        raise UserError(f"--format {fmt} writes a file: add -o FILE.{fmt}")
    return fmt or TEXT


def render(obj: View | object, fmt: str = TEXT, output: Path | None = None) -> None:
    """Print ``obj`` (a View, or plain data) as ``fmt`` to the terminal, or write it to ``output``."""
    view = obj if isinstance(obj, View) else View(obj)
    if fmt == JSON:
        _write(json_text(view.data) + "\n", output, raw=True)
    elif fmt == TEXT:
        color = output is None and _is_terminal()
        if view.text is not None:
            text = view.text(color)
        elif view.paper is not None:
            text = export.render_quiz_markdown(view.paper.items, view.paper.title)
        else:
            text = json.dumps(jsonable(view.data), ensure_ascii=False, indent=2)
        _write(text if color else click.unstyle(text), output, color=color)
    elif fmt in FILE_FORMATS:
        _export(view, fmt, output)
    else:
        raise UserError(f"unknown output format {fmt!r}")
    if output is not None and view.noun:
        say(f"{view.noun} → {output}")


def say(message: str) -> None:
    """A message on stderr ("kb: skipped …"), with anything a file name or a document put in it made harmless."""
    click.echo(strip_controls(message), err=True)


def json_text(data: object) -> str:
    """``data`` as one line of JSON with every control character escaped (json leaves DEL and C1 raw)."""
    text = json.dumps(jsonable(data), ensure_ascii=False)
    return _C1.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def terminal_text(text: str) -> str:
    """Styled text with every control character and escape sequence removed but kb's own colours."""
    return "".join(p if _SGR.fullmatch(p) else strip_controls(p) for p in _SGR.split(text))


def jsonable(obj: object) -> object:
    """Results as JSON values: ``to_dict`` where a result has one, lists and dicts all the way down."""
    if hasattr(obj, "to_dict"):
        return obj.to_dict()
    if isinstance(obj, Mapping):
        return {str(k): jsonable(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [jsonable(v) for v in obj]
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return jsonable(dataclasses.asdict(obj))
    if isinstance(obj, Path):
        return str(obj)
    return obj


def _export(view: View, fmt: str, output: Path | None) -> None:
    paper, table = view.paper, view.table
    if paper is not None and fmt in ("md", "docx"):
        if output is None:
            _write(export.render_quiz_markdown(paper.items, paper.title), None)
        else:
            _saving(output, lambda: export.write_quiz(paper.items, output, fmt, title=paper.title))
        return
    if paper is not None:
        table = Table(export.quiz_rows(paper.items), export.QUIZ_HEADERS_ZH, paper.title)
    if table is None:
        raise UserError(f"--format {fmt} is not available here; use --json")
    if output is not None:
        _saving(output, lambda: export.write_table(table.rows, table.headers, output, fmt, title=table.title))
    elif fmt == "csv":
        _write(export.render_csv(table.rows, table.headers), None)
    elif fmt == "md":
        _write(export.render_markdown(table.rows, table.headers), None)
    else:
        raise UserError(f"--format {fmt} writes a file: add -o FILE.{fmt}")


def _write(text: str, output: Path | None, color: bool = False, raw: bool = False) -> None:
    """Text to a file as it is, or to stdout with no stray control characters.

    ``color`` says the view already made its text safe and styled it; ``raw`` is
    JSON, whose escapes already keep controls out and whose data must not change.
    """
    if output is None:
        safe = text if raw else terminal_text(text) if color else strip_controls(text)
        click.echo(safe, nl=not text.endswith("\n"), color=color)
        return
    _saving(output, lambda: output.write_text(text, encoding="utf-8", newline=""))


def _saving(output: Path, write: Callable[[], object]) -> None:
    try:
        write()
    except OSError as e:
        raise UserError(f"{output}: cannot write ({e.strerror or e})") from e


def _is_terminal() -> bool:
    return sys.stdout.isatty()


# ------------------------------------------------------ terminal tables


def fit(text: str, width: int) -> str:
    """Cut ``text`` to ``width`` display columns (CJK counts two), with …, and pad it to exactly that width."""
    text = re.sub(r"\s+", " ", text)
    if export.display_width(text) > width:
        while export.display_width(text) > width - 1:
            text = text[:-1]
        text += "…"
    return text + " " * (width - export.display_width(text))


def text_table(rows: Sequence[Mapping[str, str]], columns: Sequence[tuple[str, str, int]]) -> list[str]:
    """Aligned lines for a terminal: a header of titles, a rule, then one line a row.

    ``columns`` are (key, title, width in display columns); cells are cut to fit.
    """
    lines = ["  ".join(fit(title, w) for _, title, w in columns).rstrip()]
    lines.append("  ".join("-" * w for *_, w in columns))
    lines += ["  ".join(fit(strip_controls(str(r.get(k) or "")), w) for k, _, w in columns).rstrip() for r in rows]
    return lines
