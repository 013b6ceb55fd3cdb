"""Users, roles, logins and the audit log of a kb that an office shares.

* **Users** live in one JSON file (``--users FILE`` or ``KB_USERS``), written
  with mode 0600, each with a role and a salted scrypt hash of the password
  (``hashlib.scrypt``, never the password itself).  ``kb users`` manages it.
* **Roles**: a *reader* asks and exports; an *editor* also adds and removes
  documents; an *admin* also manages users (:data:`PERMISSIONS`).
* **Logins** are rate-limited per user and address (:class:`LoginGuard`), and a
  session lasts a fixed time (:class:`Sessions`).
* **The audit log** is JSON lines (time, user, action, document and details) at
  ``KB_AUDIT`` or ``<KB_HOME>/audit.jsonl``: user changes, logins, uploads and
  removals (:func:`audit`).

Nothing here knows about Gradio; kb.interfaces.web wires it in.
"""

from __future__ import annotations

import base64
import contextlib
import getpass
import hashlib
import hmac
import json
import os
import re
import secrets
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kb.errors import KBError

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

ROLES = ("reader", "editor", "admin")
#: What each role may do; each role may do everything the one before it may.
PERMISSIONS: Mapping[str, frozenset[str]] = {
    "reader": frozenset({"ask", "export"}),
    "editor": frozenset({"ask", "export", "upload", "remove"}),
    "admin": frozenset({"ask", "export", "upload", "remove", "users"}),
}
#: scrypt cost: 16 MiB of memory and some 50 ms per check, the interactive-login setting of RFC 7914.
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**14, 8, 1
MIN_PASSWORD = 8
USERS_FORMAT = 1
_NAME = re.compile(r"[\w.@+-]{1,64}")


class AuthError(KBError):
    """A users file or a user change that cannot be done; the message says why."""


def allowed(role: str, action: str) -> bool:
    """Whether a user of ``role`` may do ``action`` (ask, export, upload, remove, users)."""
    return action in PERMISSIONS.get(role, frozenset())


# -------------------------------------------------------------- passwords


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def hash_password(password: str) -> str:
    """A salted scrypt hash, with its parameters: ``scrypt$16384$8$1$<salt>$<hash>``."""
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode("utf-8"), salt=salt, n=SCRYPT_N, r=SCRYPT_R, p=SCRYPT_P, dklen=32)
    return f"scrypt${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${_b64(salt)}${_b64(digest)}"


def check_password(password: str, stored: str) -> bool:
    """Whether ``password`` matches a hash made by :func:`hash_password` (in constant time)."""
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        want = base64.b64decode(digest)
        got = hashlib.scrypt(password.encode("utf-8"), salt=base64.b64decode(salt), n=int(n), r=int(r), p=int(p),
                             dklen=len(want), maxmem=256 * 1024 * 1024)
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(got, want)


#: Checked against when the user is unknown, so that a wrong name costs as long as a wrong password.
_DUMMY = hash_password(secrets.token_hex(16))


# ------------------------------------------------------------------ users


@dataclass(frozen=True)
class User:
    """One login: its name, role and password hash (never shown)."""

    name: str
    role: str
    password: str
    created: str = ""

    def to_dict(self) -> dict[str, str]:
        """What may be shown: the hash stays in the file."""
        return {"name": self.name, "role": self.role, "created": self.created}


class UserStore:
    """The users file: read on every check (so ``kb users`` changes apply to a running server), written atomically."""

    def __init__(self, path: Path | str):
        self.path = Path(path)

    def exists(self) -> bool:
        return self.path.is_file()

    def users(self) -> list[User]:
        return sorted(self._load().values(), key=lambda u: u.name)

    def get(self, name: str) -> User | None:
        return self._load().get(name)

    def verify(self, name: str, password: str) -> User | None:
        """The user whose name and password these are, else None (as slow for an unknown name as a known one)."""
        user = self._load().get(name)
        ok = check_password(password, user.password if user else _DUMMY)
        return user if ok and user is not None else None

    def add(self, name: str, password: str, role: str = "reader", replace: bool = False) -> User:
        check_name(name)
        if role not in ROLES:
            raise AuthError(f"unknown role {role!r}; choose one of {', '.join(ROLES)}")
        if len(password) < MIN_PASSWORD:
            raise AuthError(f"the password is too short: at least {MIN_PASSWORD} characters")
        with self._locked():
            users = self._load()
            if name in users and not replace:
                raise AuthError(f"{self.path}: user {name!r} exists already; add --replace to change it")
            user = User(name, role, hash_password(password), time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()))
            users[name] = user
            self._save(users)
        return user

    def remove(self, name: str) -> User:
        with self._locked():
            users = self._load()
            if name not in users:
                raise AuthError(f"{self.path}: there is no user {name!r}")
            user = users.pop(name)
            self._save(users)
        return user

    # -- the file

    def _load(self) -> dict[str, User]:
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return {}
        except OSError as e:
            raise AuthError(f"{self.path}: cannot read the users file ({e.strerror or e})") from e
        try:
            data = json.loads(text)
            if data.get("format") != USERS_FORMAT:
                raise ValueError(f"format {data.get('format')!r}")
            users = [User(str(u["name"]), str(u["role"]), str(u["password"]), str(u.get("created", "")))
                     for u in data["users"]]
        except (ValueError, KeyError, TypeError, AttributeError) as e:
            raise AuthError(f"{self.path}: not a kb users file ({e})") from e
        bad = [u.name for u in users if u.role not in ROLES or not u.password.startswith("scrypt$")]
        if bad:
            raise AuthError(f"{self.path}: user(s) {', '.join(bad)} have no valid role or password hash")
        return {u.name: u for u in users}

    def _save(self, users: Mapping[str, User]) -> None:
        data = {"format": USERS_FORMAT,
                "users": [{"name": u.name, "role": u.role, "password": u.password, "created": u.created}
                          for u in sorted(users.values(), key=lambda u: u.name)]}
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{self.path.name}.", dir=self.path.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as f:  # mkstemp made it 0600
                json.dump(data, f, ensure_ascii=False, indent=2)
                f.write("\n")
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, self.path)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
            raise

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        """One change at a time (two `kb users add` at once must not lose one of them)."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path.with_name(f".{self.path.name}.lock"), os.O_RDWR | os.O_CREAT, 0o600)
        try:
            if fcntl is not None:
                fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)


def check_name(name: str) -> None:
    if not _NAME.fullmatch(name):
        raise AuthError(f"{name!r} is not a user name: use 1–64 letters, digits or . _ @ + -")


# ------------------------------------------------------------------ logins


class LoginGuard:
    """Failed logins, counted per (user, address) and per address; too many lock that key out for a while.

    In-process and bounded: a server keeps at most ``capacity`` keys, dropping the oldest.
    """

    def __init__(self, failures: int = 5, per_address: int = 20, window: float = 900.0, lockout: float = 900.0,
                 capacity: int = 10_000, clock: Callable[[], float] = time.monotonic):
        self.failures, self.per_address, self.window, self.lockout = failures, per_address, window, lockout
        self.capacity, self.clock = capacity, clock
        self._seen: dict[tuple[str, str], list[float]] = {}
        self._lock = threading.Lock()

    def _keys(self, user: str, address: str) -> list[tuple[tuple[str, str], int]]:
        return [((user.casefold(), address), self.failures), (("", address), self.per_address)]

    def wait(self, user: str, address: str) -> float:
        """Seconds before ``user`` may try again from ``address`` (0: now).

        A key is locked out for ``lockout`` seconds after its last failure once it has
        failed ``failures`` times (``per_address`` for an address, whatever the names)
        within ``window`` seconds.
        """
        now = self.clock()
        longest = 0.0
        with self._lock:
            for key, limit in self._keys(user, address):
                times = self._seen.get(key)
                if not times:
                    continue
                last = times[-1]
                burst = [t for t in times if last - t < self.window]
                if len(burst) >= limit and now - last < self.lockout:
                    longest = max(longest, last + self.lockout - now)
        return longest

    def failed(self, user: str, address: str) -> None:
        now = self.clock()
        with self._lock:
            for key, _ in self._keys(user, address):
                times = [t for t in self._seen.pop(key, []) if now - t < self.window + self.lockout]
                self._seen[key] = [*times, now][-100:]
            while len(self._seen) > self.capacity:
                self._seen.pop(next(iter(self._seen)))

    def succeeded(self, user: str, address: str) -> None:
        with self._lock:
            self._seen.pop((user.casefold(), address), None)


class Sessions(dict):
    """Login tokens → user names that expire ``ttl`` seconds after the login (Gradio keeps its tokens in a dict)."""

    def __init__(self, ttl: float, clock: Callable[[], float] = time.monotonic):
        super().__init__()
        self.ttl, self.clock = ttl, clock
        self._born: dict[Any, float] = {}

    def __setitem__(self, token, user) -> None:
        self._prune()
        super().__setitem__(token, user)
        self._born[token] = self.clock()

    def __delitem__(self, token) -> None:
        super().__delitem__(token)
        self._born.pop(token, None)

    def _live(self, token) -> bool:
        born = self._born.get(token)
        if born is not None and self.clock() - born >= self.ttl:
            super().pop(token, None)
            self._born.pop(token, None)
            return False
        return dict.__contains__(self, token)

    def __contains__(self, token) -> bool:
        return self._live(token)

    def __getitem__(self, token):
        if not self._live(token):
            raise KeyError(token)
        return super().__getitem__(token)

    def get(self, token, default=None):
        return super().get(token, default) if self._live(token) else default

    def pop(self, token, *default):
        self._born.pop(token, None)
        return super().pop(token, *default)

    def _prune(self) -> None:
        for token in [t for t, born in self._born.items() if self.clock() - born >= self.ttl]:
            super().pop(token, None)
            self._born.pop(token, None)


# --------------------------------------------------------------- the audit log


def actor() -> str:
    """Who runs this process, for user changes made at the command line."""
    try:
        name = getpass.getuser()
    except (KeyError, OSError):  # no passwd entry (a container)
        name = f"uid {os.getuid()}" if hasattr(os, "getuid") else "unknown"
    return f"cli:{name}"


def audit(path: Path | str, user: str, action: str, document: str | None = None, **detail: Any) -> dict:
    """Append one JSON line to the audit log: time, user, action, document and any details.

    Appends are whole lines (O_APPEND, one write, under a lock), so several servers
    and ``kb users`` may share one log; the file is created with mode 0600.
    """
    record = {"time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "user": user, "action": action,
              "document": document, **detail}
    line = (json.dumps(record, ensure_ascii=False) + "\n").encode("utf-8")
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        if fcntl is not None:
            fcntl.flock(fd, fcntl.LOCK_EX)
        os.write(fd, line)
    finally:
        os.close(fd)
    return record


def read_audit(path: Path | str) -> list[dict]:
    """Every record of the audit log, oldest first ([] when there is none yet)."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        return []
    return [json.loads(line) for line in text.splitlines() if line.strip()]
