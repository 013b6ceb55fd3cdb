"""Test doubles: a deterministic encoder that needs no model download."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class FakeSpec:
    name: str = "fake-bigram-hash"
    path: str = "fake"
    query_prompt: str = ""
    passage_prompt: str = ""


class HashEncoder:
    """Character-bigram hashing into a small dense space: similar strings get similar vectors."""

    def __init__(self, dim: int = 64, name: str = "fake-bigram-hash"):
        self.dim = dim
        self.spec = FakeSpec(name=name)
        self.calls: list[int] = []

    def encode(self, texts: Sequence[str], kind: str) -> np.ndarray:
        self.calls.append(len(texts))
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for i, t in enumerate(texts):
            for j in range(max(1, len(t) - 1)):
                h = int(hashlib.md5(t[j : j + 2].encode()).hexdigest()[:8], 16)
                out[i, h % self.dim] += 1.0
            norm = np.linalg.norm(out[i]) or 1.0
            out[i] /= norm
        return out
