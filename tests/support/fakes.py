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
        self.token_calls: list[int] = []

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
                out[i, 1 + h % (self.dim - 1)] += 1.0
            norm = np.linalg.norm(out[i]) or 1.0
            out[i] *= np.sqrt(1 - self.FLOOR) / norm
            out[i, 0] = np.sqrt(self.FLOOR)
        return out

    #: Vectors as a real model's are: any two texts sit at a cosine of FLOOR or more (e5-small's lie
    #: between about 0.7 and 0.95), the bigram hashes sharing out the rest.  The gate reads some
    #: cosines as they are (its bank of everyday questions); the ranking only compares them.
    FLOOR = 0.75


    #: Token states as a real model's are: two unlike tokens still sit at a cosine above 0.8
    #: (TOKEN_FLOOR), and the same token in two contexts near, never at, 1 (TOKEN_FLOOR + TOKEN_SAME).
    #: The gate (kb/query/relevance.json) is fitted to e5-small's values, which lie in that range.
    TOKEN_FLOOR = 0.82
    TOKEN_SAME = 0.15
    #: Buckets of the bigram and context hashes: wide, so that unlike tokens seldom collide.
    TOKEN_DIM = 1 << 14

    def token_states(self, texts: Sequence[str], kind: Kind) -> list[np.ndarray]:
        """One state per character bigram: a part all tokens share, one the bigram's own, one its context's."""
        self.spec.prompt(kind)
        self.token_calls.append(len(texts))
        width = 2 * self.TOKEN_DIM + 1
        out = []
        for t in texts:
            t = "".join(str(t).split())
            rows = []
            for j in range(max(1, len(t) - 1) if t else 0):
                v = np.zeros(width, dtype=np.float32)
                v[-1] = np.sqrt(self.TOKEN_FLOOR)
                v[int(hashlib.md5(t[j: j + 2].encode()).hexdigest()[:8], 16) % self.TOKEN_DIM] = np.sqrt(self.TOKEN_SAME)
                where = f"{kind}|{t}|{j}".encode()
                v[self.TOKEN_DIM + int(hashlib.md5(where).hexdigest()[:8], 16) % self.TOKEN_DIM] = np.sqrt(
                    1 - self.TOKEN_FLOOR - self.TOKEN_SAME)
                rows.append(v)
            out.append(np.array(rows, dtype=np.float32).reshape(len(rows), width))
        return out


def open_with_fake_encoder(monkeypatch) -> None:
    """Make every ``KnowledgeBase.open`` (the CLI's too) search with a HashEncoder instead of a model."""
    from kb.knowledge import KnowledgeBase

    real = KnowledgeBase.open.__func__
    monkeypatch.setattr(KnowledgeBase, "open", classmethod(
        lambda cls, index_dir="index", model=None, encoder=None, verify=False:
        real(cls, index_dir, model, HashEncoder(), verify)))


def fake_kb(root, texts: dict[str, str]):
    """A KnowledgeBase built, with a HashEncoder, from plan texts written under ``root`` (name → text)."""
    from pathlib import Path

    from kb.knowledge import KnowledgeBase

    corpus = Path(root) / "corpus"
    corpus.mkdir(parents=True, exist_ok=True)
    for name, text in texts.items():
        (corpus / name).write_text(text, encoding="utf-8")
    KnowledgeBase.build(corpus, Path(root) / "index", encoder=HashEncoder(), progress=False)
    return KnowledgeBase.open(Path(root) / "index", encoder=HashEncoder())
