"""How the CLI fails: one line on stderr, exit 1, never a traceback."""

from __future__ import annotations

import click

from kb.errors import KBError
from kb.text.display import strip_controls


class UserError(click.ClickException):
    """An error the user can fix; shown as one ``kb: …`` line."""

    def show(self, file=None) -> None:
        click.echo(strip_controls(f"kb: {self.format_message()}"), err=True)  # file names and input may hold escapes


class Group(click.Group):
    """The ``kb`` group: the library's expected failures become :class:`UserError` in one place."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except KBError as e:
            raise UserError(str(e)) from e
