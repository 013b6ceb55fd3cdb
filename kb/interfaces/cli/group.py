"""The ``kb`` group, and the one place its verbs are registered."""

from __future__ import annotations

import sys
from collections.abc import Sequence

import click

from kb.interfaces.cli.commands.build import build
from kb.interfaces.cli.commands.doctor import doctor
from kb.interfaces.cli.commands.evaluate import evaluate
from kb.interfaces.cli.commands.outline import outline
from kb.interfaces.cli.commands.search import ask, search
from kb.interfaces.cli.commands.serve import serve
from kb.interfaces.cli.commands.tools import locate, quiz, targets
from kb.interfaces.cli.commands.users import users
from kb.interfaces.cli.errors import Group


@click.group(cls=Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="kb")
def cli() -> None:
    """kb: a knowledge base of Chinese government plans.

    Parse plans into their real structure (outline), index them (build), check
    the index (doctor), find the clauses that answer a question (search, ask),
    and serve them (serve) to the users you add (users).
    """


for command in (outline, build, doctor, search, ask, evaluate, targets, locate, quiz, serve, users):
    cli.add_command(command)


def main(argv: Sequence[str] | None = None) -> None:
    """Entry point for the `kb` script; ``argv`` (without the program name) defaults to sys.argv."""
    try:
        cli.main(args=None if argv is None else list(argv), prog_name="kb")
    except KeyboardInterrupt:
        click.echo("kb: interrupted", err=True)
        sys.exit(130)
