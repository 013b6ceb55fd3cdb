"""An :class:`~kb.embed.base.Encoder` over sentence-transformers, on the CPU, strictly offline.

Any sentence-transformers model (a hub id already in the local cache, or a folder)
can replace the default.  sentence-transformers and torch are imported only when
a model is actually loaded: they take seconds, and many commands never embed.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from kb.embed.base import Encoder, Kind, ModelSpec
from kb.embed.resolve import how_to_supply, looks_like_path, relocate_default, resolve_model
from kb.errors import ModelError

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer


class SentenceTransformerEncoder(Encoder):
    """:class:`Encoder` over a sentence-transformers model; loading happens in the constructor."""

    def __init__(
        self, spec: ModelSpec | None = None, *, batch_size: int = 32, show_progress: bool = False
    ) -> None:
        self.spec = relocate_default(spec if spec is not None else resolve_model())
        self.batch_size = batch_size
        self.show_progress = show_progress
        self._model = _load(self.spec)
        self._dim = _dimension(self._model)

    @property
    def dim(self) -> int:
        return self._dim

    @property
    def transformer(self):
        """The underlying Hugging Face model (for an ONNX export of the same weights)."""
        return self._model[0].auto_model

    def encode(self, texts: Sequence[str], kind: Kind) -> np.ndarray:
        """Embed ``texts`` with the prompt for ``kind``; a progress bar for passages if asked."""
        prompt = self.spec.prompt(kind)
        if (empty := self._none_or_empty(texts)) is not None:
            return empty
        vectors = self._model.encode(
            list(texts),
            prompt=prompt,  # "" is honoured: it also disables any default prompt of the model
            batch_size=self.batch_size,
            show_progress_bar=self.show_progress and kind == "passage",
            convert_to_numpy=True,
            normalize_embeddings=True,
        )
        return np.ascontiguousarray(vectors, dtype=np.float32)


    def token_states(self, texts: Sequence[str], kind: Kind) -> list[np.ndarray]:
        """The model's unit token vectors of each text, its prompt and special tokens left out."""
        if isinstance(texts, str):
            raise TypeError("token_states() takes a sequence of texts, not a single string")
        prompt = self.spec.prompt(kind)
        tokenizer = self._model.tokenizer
        skip = len(tokenizer(prompt)["input_ids"]) - 1 if prompt else 1  # [CLS] and the prompt's pieces
        out = []
        for t in texts:
            states = self._model.encode([str(t)], prompt=prompt, output_value="token_embeddings",
                                        convert_to_numpy=False)[0]
            h = np.asarray(states.detach().cpu().numpy() if hasattr(states, "detach") else states,
                           dtype=np.float32)[skip:-1]
            out.append(h / np.maximum(np.linalg.norm(h, axis=1, keepdims=True), 1e-12))
        return out


def _load(spec: ModelSpec) -> SentenceTransformer:
    """Load ``spec.path`` offline, turning every failure into a :class:`ModelError`."""
    if looks_like_path(spec.path) and not Path(spec.path).expanduser().is_dir():
        raise ModelError(
            f"embedding model {spec.name!r}: folder {spec.path} does not exist. {how_to_supply()}"
        )
    from sentence_transformers import SentenceTransformer
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()  # the per-load "Loading weights" bar is noise in a CLI
    try:
        return SentenceTransformer(spec.path, device="cpu", local_files_only=True)
    except Exception as exc:  # HF raises OSError, ValueError, KeyError... depending on what is missing
        if Path(spec.path).expanduser().is_dir():
            reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        else:
            reason = "it is neither a local folder nor in the local Hugging Face cache"
        raise ModelError(
            f"cannot load embedding model {spec.name!r} ({spec.path}) offline: {reason}. {how_to_supply()}"
        ) from None


def _dimension(model: Any) -> int:
    """Embedding width, asking the model and, if it does not know, measuring one text."""
    getter = getattr(model, "get_embedding_dimension", None) or model.get_sentence_embedding_dimension
    dim = getter()
    if dim is None:
        dim = len(model.encode(["x"], convert_to_numpy=True)[0])
    return int(dim)
