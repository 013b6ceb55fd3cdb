"""The ``kb`` group, and the one place its verbs are registered.

Each verb's module is imported only when that verb runs (``kb --help`` imports them all
to list them): ``kb search`` never pays for the build, the users file's password hashing
or the web app.  A real ``kb`` process also skips tearing its objects down at exit (the
loaded model, jieba's dictionary and the index take a few hundred milliseconds to free,
which nobody waits for on purpose).
"""

from __future__ import annotations

import importlib
import os
import sys
from collections.abc import Sequence

import click

from kb.interfaces.cli import options
from kb.interfaces.cli.errors import Group

#: verb → (its module under kb.interfaces.cli.commands, the command's name there).
VERBS = {
    "outline": ("outline", "outline"), "build": ("build", "build"), "doctor": ("doctor", "doctor"),
    "search": ("search", "search"), "ask": ("search", "ask"), "eval": ("evaluate", "evaluate"),
    "targets": ("tools", "targets"), "locate": ("tools", "locate"), "quiz": ("tools", "quiz"),
    "serve": ("serve", "serve"), "users": ("users", "users"),
}


class LazyGroup(Group):
    """A group whose verbs are imported on first use, from :data:`VERBS`."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*VERBS, *super().list_commands(ctx)})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        found = super().get_command(ctx, cmd_name)
        if found is not None or cmd_name not in VERBS:
            return found
        module, attribute = VERBS[cmd_name]
        command = getattr(importlib.import_module(f"kb.interfaces.cli.commands.{module}"), attribute)
        self.add_command(command, cmd_name)
        return command


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="kb")
def cli() -> None:
    """kb: a knowledge base of Chinese government plans.

    Parse plans into their real structure (outline), index them (build), check
    the index (doctor), find the clauses that answer a question (search, ask),
    and serve them (serve) to the users you add (users).
    """


def main(argv: Sequence[str] | None = None) -> None:
    """Entry point for the `kb` script; ``argv`` (without the program name) defaults to sys.argv.

    A real ``kb search`` or ``kb ask`` process (no ``argv``: the script, ``python -m kb``)
    keeps what it opened and ends with :func:`os._exit` once its output is flushed; called
    with a list (tests, scripts) it raises SystemExit as click does, and the caller goes on.
    """
    fast = argv is None and sys.argv[1:2] in (["search"], ["ask"])
    options.keep_opened(fast)
    try:
        cli.main(args=None if argv is None else list(argv), prog_name="kb")
    except KeyboardInterrupt:
        click.echo("kb: interrupted", err=True)
        sys.exit(130)
    except SystemExit as e:
        if not fast:
            raise
        if e.code is not None and not isinstance(e.code, int):
            click.echo(e.code, err=True)
        _fast_exit(e.code if isinstance(e.code, int) else int(e.code is not None))


def _fast_exit(code: int) -> None:
    """Flush and leave, skipping the interpreter's teardown."""
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (OSError, ValueError):  # a closed pipe (kb search … | head): nothing more to say
        code = code or 1
    os._exit(code)
