"""The encoder contract: a resolved model choice and what every encoder offers.

Kept free of heavy imports (numpy only), so that the index, the test fakes and a
future ONNX query encoder can all depend on it without loading torch.
"""

from __future__ import annotations

import threading
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np

Kind = Literal["query", "passage"]


@dataclass(frozen=True)
class ModelSpec:
    """A model choice, resolved: what the user asked for and what is actually loaded."""

    name: str  # as asked for; recorded in the index manifest, and part of every vector's hash
    path: str  # hub id or local folder handed to the loader
    query_prompt: str = ""
    passage_prompt: str = ""

    def prompt(self, kind: Kind) -> str:
        """The prefix for ``kind``; rejects anything but "query" and "passage"."""
        if kind == "query":
            return self.query_prompt
        if kind == "passage":
            return self.passage_prompt
        raise ValueError(f"kind must be 'query' or 'passage', not {kind!r}")


class Encoder(ABC):
    """Turns texts into unit-length float32 vectors, one row per text.

    ``spec`` says which model (and prompts) produced the vectors, ``dim`` how wide they
    are; the index records both, so a query is embedded exactly like the passages.
    """

    spec: ModelSpec

    @property
    @abstractmethod
    def dim(self) -> int:
        """Width of the vectors."""

    @abstractmethod
    def encode(self, texts: Sequence[str], kind: Kind) -> np.ndarray:
        """Embed ``texts`` as queries or passages: float32, L2-normalised, shape (n, dim)."""

    def token_states(self, texts: Sequence[str], kind: Kind) -> list[np.ndarray]:
        """Unit vectors of each text's pieces in context, one (pieces, dim) array per text.

        The answer gate matches a question against a passage piece by piece (kb.query.search,
        ``maxsim``).  A transformer gives its token states; this default, for an engine that
        has none, embeds each character on its own, so that only equal characters match.
        """
        if isinstance(texts, str):
            raise TypeError("token_states() takes a sequence of texts, not a single string")
        out = []
        for t in texts:
            pieces = [ch for ch in str(t) if not ch.isspace()]
            out.append(self.encode(pieces, kind) if pieces else np.zeros((0, self.dim), dtype=np.float32))
        return out

    def encode_with_states(self, texts: Sequence[str], kind: Kind) -> tuple[np.ndarray, list[np.ndarray]]:
        """``encode`` and ``token_states`` together: an engine that gets both from one pass says so here."""
        return self.encode(texts, kind), self.token_states(texts, kind)

    def _none_or_empty(self, texts: Sequence[str]) -> np.ndarray | None:
        """What every engine checks first: a lone string is a mistake, no texts give no rows."""
        if isinstance(texts, str):
            raise TypeError("encode() takes a sequence of texts, not a single string")
        return np.zeros((0, self.dim), dtype=np.float32) if len(texts) == 0 else None


class LazyEncoder(Encoder):
    """An encoder that loads its model only when a vector (or the width) is first needed.

    A rebuild whose windows are all unchanged reuses the previous vectors; it needs the
    model's name (known up front, from ``spec``) but not the model, which takes seconds
    to load.  ``loader`` is called at most once.
    """

    def __init__(self, spec: ModelSpec, loader: Callable[[], Encoder]):
        self._spec = spec
        self._loader = loader
        self._encoder: Encoder | None = None
        self._lock = threading.Lock()

    @property
    def loaded(self) -> bool:
        return self._encoder is not None

    @property
    def encoder(self) -> Encoder:
        """The real encoder, loaded on first access."""
        if self._encoder is None:
            with self._lock:
                if self._encoder is None:
                    self._encoder = self._loader()
        return self._encoder

    @property  # type: ignore[override]
    def spec(self) -> ModelSpec:
        """The loaded model's spec once loaded (its folder may have been relocated), else the given one."""
        return self._encoder.spec if self._encoder is not None else self._spec

    @property
    def dim(self) -> int:
        return self.encoder.dim

    def encode(self, texts: Sequence[str], kind: Kind) -> np.ndarray:
        return self.encoder.encode(texts, kind)

    def token_states(self, texts: Sequence[str], kind: Kind) -> list[np.ndarray]:
        return self.encoder.token_states(texts, kind)

    def encode_with_states(self, texts: Sequence[str], kind: Kind) -> tuple[np.ndarray, list[np.ndarray]]:
        return self.encoder.encode_with_states(texts, kind)
