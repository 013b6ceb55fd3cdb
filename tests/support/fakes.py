"""Test doubles: a deterministic encoder that needs no model download."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

import numpy as np

from kb.embed.base import Encoder, Kind, ModelSpec


class HashEncoder(Encoder):
    """Character-bigram hashing into a small dense space: similar strings get similar vectors."""

    def __init__(self, dim: int = 64, name: str = "fake-bigram-hash"):
        self._dim = dim
        self.spec = ModelSpec(name=name, path="fake")
        self.calls: list[int] = []

    @property
    def dim(self) -> int:
        return self._dim

    def encode(self, texts: Sequence[str], kind: Kind) -> np.ndarray:
        self.spec.prompt(kind)  # rejects a kind other than "query" or "passage", like the real ones
        self.calls.append(len(texts))
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for i, t in enumerate(texts):
            for j in range(max(1, len(t) - 1)):
                h = int(hashlib.md5(t[j : j + 2].encode()).hexdigest()[:8], 16)
                out[i, h % self.dim] += 1.0
            norm = np.linalg.norm(out[i]) or 1.0
            out[i] /= norm
        return out


def open_with_fake_encoder(monkeypatch) -> None:
    """Make every ``KnowledgeBase.open`` (the CLI's too) search with a HashEncoder instead of a model."""
    from kb.knowledge import KnowledgeBase

    real = KnowledgeBase.open.__func__
    monkeypatch.setattr(KnowledgeBase, "open", classmethod(
        lambda cls, index_dir="index", model=None, encoder=None, verify=False:
        real(cls, index_dir, model, HashEncoder(), verify)))
