"""``kb users``: who may log in to `kb serve`, with which role.

The users file (``--users FILE`` or ``KB_USERS``) holds salted scrypt hashes,
never passwords; every change is written to the audit log.  Roles: a reader
asks and exports, an editor also adds and removes documents, an admin also
manages users.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from kb.auth import MIN_PASSWORD, ROLES, UserStore, actor, audit
from kb.interfaces.cli.errors import UserError
from kb.interfaces.cli.options import config, json_option, users_option
from kb.interfaces.cli.render import JSON, TEXT, View, render, say, text_table


def _store(users: Path | None) -> UserStore:
    if users is None:
        raise UserError("say which users file: --users FILE, or set KB_USERS=FILE")
    return UserStore(users)


def _audit(action: str, **detail) -> None:
    audit(config().audit_log, actor(), action, **detail)


@click.group()
def users() -> None:
    """Manage the logins of `kb serve`: add, list, remove."""


@users.command()
@click.argument("name")
@click.option("--role", type=click.Choice(ROLES), default="reader", show_default=True,
              help="reader: ask and export; editor: also add and remove documents; admin: also manage users.")
@click.option("--password-stdin", is_flag=True, help="Read the password from the first line of stdin (scripts).")
@click.option("--replace", is_flag=True, help="Change the password and role of an existing user.")
@users_option
def add(name: str, role: str, password_stdin: bool, replace: bool, users: Path | None) -> None:
    """Add user NAME (the password is asked for twice, or read with --password-stdin)."""
    store = _store(users)
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt(f"Password for {name} (at least {MIN_PASSWORD} characters)", hide_input=True,
                                confirmation_prompt=True, err=True)
    user = store.add(name, password, role, replace=replace)
    _audit("user.replace" if replace else "user.add", target=user.name, role=user.role, file=str(store.path))
    say(f"kb: {'updated' if replace else 'added'} {user.name} ({user.role}) in {store.path}")


@users.command(name="list")
@users_option
@json_option
def list_(users: Path | None, as_json: bool) -> None:
    """List the users and their roles (never their passwords)."""
    store = _store(users)
    if not store.exists():
        raise UserError(f"{store.path}: no such users file; create it with `kb users add NAME --users {store.path}`")
    rows = [u.to_dict() for u in store.users()]
    columns = (("name", "用户", 24), ("role", "角色", 8), ("created", "创建时间", 20))
    render(View(rows, text=lambda color: "\n".join(text_table(rows, columns))), JSON if as_json else TEXT)


@users.command()
@click.argument("name")
@users_option
def remove(name: str, users: Path | None) -> None:
    """Remove user NAME (their sessions end within the session time; restart `kb serve` to end them now)."""
    store = _store(users)
    user = store.remove(name)
    _audit("user.remove", target=user.name, role=user.role, file=str(store.path))
    say(f"kb: removed {user.name} from {store.path}")
