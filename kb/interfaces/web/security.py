"""How the web app faces a network: who may log in, where it listens, what it stores and what it serves.

* **Where it listens.**  Loopback needs no login.  Any other address without a
  users file is refused (:func:`exposure`), unless ``--insecure-no-login`` says
  so explicitly, which prints a warning.
* **Who logs in.**  Gradio's login form checks :class:`Logins`: the users file
  (kb.auth), failed logins rate-limited per user and address, each login and
  failure in the audit log.  Sessions expire (:func:`expire_sessions`).
* **What it stores.**  Every server gets a private temporary folder
  (:class:`PrivateFolder`): Gradio's uploads and cached files
  (``GRADIO_TEMP_DIR``, set before Gradio is imported) and the app's downloads
  live there, and it is removed on exit; folders of servers that were killed are
  removed at the next start.
* **What it serves.**  Only that folder: ``allowed_paths`` is that folder alone,
  so ``/gradio_api/file=`` refuses every other path, Gradio's shared temporary
  folder included.
"""

from __future__ import annotations

import contextlib
import contextvars
import ipaddress
import os
import re
import shutil
import signal
import tempfile
import weakref
from pathlib import Path
from typing import Any

from kb.auth import LoginGuard, Sessions, UserStore, allowed, audit
from kb.errors import KBError

#: The address of the request being served, for the login check (set by :class:`ClientAddress`).
_client: contextvars.ContextVar[str] = contextvars.ContextVar("kb_client_address", default="")
_PREFIX = "kb-serve-"


# ------------------------------------------------------------------ where


def is_loopback(host: str) -> bool:
    """Whether ``host`` is reachable from this machine only (127.0.0.0/8, ::1, localhost)."""
    host = (host or "").strip().strip("[]")
    if host in ("", "localhost") or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def exposure(host: str, logins: bool, insecure_no_login: bool) -> str | None:
    """Refuse to serve beyond this machine without logins; the warning to print when told to anyway."""
    if is_loopback(host) or logins:
        return None
    if not insecure_no_login:
        raise KBError(
            f"refusing to serve on {host} without logins: anyone who can reach this machine could read the plans; "
            "add users (`kb users add NAME --users FILE`) and pass --users FILE, or pass --insecure-no-login"
        )
    return f"kb: warning: serving on {host} with no login: anyone who can reach this machine can use the app"


# ------------------------------------------------------------------- who


class ClientAddress:
    """ASGI middleware: the client's address, for the login check (uvicorn already reads a local proxy's headers)."""

    def __init__(self, app: Any):
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        if scope.get("type") not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        client = scope.get("client")
        token = _client.set(client[0] if client else "")
        try:
            await self.app(scope, receive, send)
        finally:
            _client.reset(token)


class Logins:
    """The check behind Gradio's login form: the users file, a limit on failures, and the audit log."""

    def __init__(self, store: UserStore, audit_log: Path, guard: LoginGuard | None = None):
        self.store, self.audit_log = store, Path(audit_log)
        self.guard = guard or LoginGuard()

    def __call__(self, username: str, password: str) -> bool:
        name = (username or "")[:64]
        address = _client.get() or "unknown"
        wait = self.guard.wait(name, address)
        if wait:
            audit(self.audit_log, name, "login.refused", address=address, reason="too many failed logins",
                  retry_after=round(wait))
            return False
        user = self.store.verify(name, password or "")
        if user is None:
            self.guard.failed(name, address)
            audit(self.audit_log, name, "login.failed", address=address)
            return False
        self.guard.succeeded(name, address)
        audit(self.audit_log, user.name, "login", address=address, role=user.role)
        return True

    def role(self, username: str | None) -> str | None:
        user = self.store.get(username) if username else None
        return user.role if user else None

    def allows(self, username: str | None, action: str) -> bool:
        """Whether this user's role may do ``action`` (see kb.auth.PERMISSIONS)."""
        role = self.role(username)
        return role is not None and allowed(role, action)


def expire_sessions(demo: Any, hours: float) -> Sessions:
    """Make the logins of a launched app expire ``hours`` after they were made (Gradio's own never do)."""
    app = demo.server_app
    sessions = Sessions(hours * 3600)
    for token, user in dict(app.tokens).items():
        sessions[token] = user
    app.tokens = sessions
    return sessions


# ------------------------------------------------------------ what it keeps


class PrivateFolder:
    """A temporary folder of this server's own (mode 0700), removed when the server stops.

    ``activate`` points Gradio at it (``GRADIO_TEMP_DIR`` for uploads and served
    copies, ``GRADIO_EXAMPLES_CACHE``), which must happen before Gradio is
    imported for every one of its defaults to follow; ``close`` puts the
    environment back and removes the folder.
    """

    ENV = ("GRADIO_TEMP_DIR", "GRADIO_EXAMPLES_CACHE")

    def __init__(self, parent: Path | str | None = None):
        sweep_stale(parent)
        self.path = Path(tempfile.mkdtemp(prefix=f"{_PREFIX}{os.getpid()}-", dir=parent))
        self.uploads = self.path / "gradio"
        self.downloads = self.path / "downloads"
        self.examples = self.path / "examples"
        for folder in (self.uploads, self.downloads, self.examples):
            folder.mkdir(mode=0o700)
        self._saved: dict[str, str | None] = {}
        self._remove = weakref.finalize(self, shutil.rmtree, str(self.path), ignore_errors=True)

    def activate(self) -> PrivateFolder:
        for name, value in zip(self.ENV, (self.uploads, self.examples), strict=True):
            self._saved.setdefault(name, os.environ.get(name))
            os.environ[name] = str(value)
        return self

    def close(self) -> None:
        for name, value in self._saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        self._saved.clear()
        self._remove()

    def __enter__(self) -> PrivateFolder:
        return self.activate()

    def __exit__(self, *exc) -> None:
        self.close()


def sweep_stale(parent: Path | str | None = None) -> list[Path]:
    """Remove the private folders of kb servers that no longer run (killed, so nothing removed them)."""
    base = Path(parent or tempfile.gettempdir())
    removed = []
    with contextlib.suppress(OSError):
        for entry in os.scandir(base):
            m = re.fullmatch(re.escape(_PREFIX) + r"(\d+)-\w+", entry.name)
            if not m or not entry.is_dir(follow_symlinks=False) or _alive(int(m.group(1))):
                continue
            if hasattr(os, "getuid") and entry.stat(follow_symlinks=False).st_uid != os.getuid():
                continue
            shutil.rmtree(entry.path, ignore_errors=True)
            removed.append(Path(entry.path))
    return removed


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def stop_on_sigterm() -> None:
    """Stop like Ctrl+C on SIGTERM (systemd, docker stop), so the server closes and its folder is removed."""
    import threading

    if threading.current_thread() is not threading.main_thread():
        return

    def handle(signum, frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, handle)
