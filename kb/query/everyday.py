"""The everyday questions no plan answers, as vectors: the answer gate's other side.

A question the corpus answers comes nearer the corpus than anything else; a question about one's
own errands (身份证丢了怎么挂失, 机票什么时候买最便宜) comes nearer other everyday questions.  The gate
(kb.query.relevance, feature ``everyday``) reads the query's best cosine to a bank of such questions
(kb/lexicon/data/everyday_questions.txt), embedded by the index's own model, as an out-of-domain
detector reads its nearest out-of-domain neighbour.

The bank is embedded once per model and kept under kb's home (``$KB_HOME/everyday/<key>``), keyed
by the model record and the list's text, so an edited list or another model is never read stale.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from kb.embed.base import Encoder
from kb.lexicon import lexicon
from kb.text.cachedir import load_or_make, save_atomically

#: The layout of a saved bank; a new one is never read from an old folder.
FORMAT = 1
LIST = "everyday_questions"
#: The least cosine between a saved vector and the same text embedded now for the two to be one model's.
SAME_VECTOR = 0.999


class EverydayBank:
    """Unit vectors of the everyday questions, and the query's best cosine to them."""

    def __init__(self, vectors: np.ndarray, key: str = ""):
        self.vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        self.key = key

    def nearest(self, vector: np.ndarray) -> float:
        """The best cosine of a (unit) query vector to the bank; 0 for an empty bank."""
        if not len(self.vectors):
            return 0.0
        return float((self.vectors @ np.asarray(vector, dtype=np.float32)).max())

    def save(self, folder: Path) -> None:
        def write(work: Path) -> None:
            np.save(work / "vectors.npy", self.vectors)
            meta = {"format": FORMAT, "key": self.key, "rows": len(self.vectors)}
            (work / "meta.json").write_text(json.dumps(meta), encoding="utf-8")

        save_atomically(folder, write)

    @classmethod
    def load(cls, folder: Path, key: str) -> EverydayBank:
        try:
            meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
            vectors = np.load(folder / "vectors.npy", allow_pickle=False)
        except (OSError, ValueError) as e:
            raise ValueError(f"{folder}: unreadable everyday bank ({e})") from e
        if meta.get("format") != FORMAT or meta.get("key") != key or meta.get("rows") != len(vectors):
            raise ValueError(f"{folder}: an everyday bank of another model, list or format")
        return cls(vectors, key)


def questions() -> tuple[str, ...]:
    return tuple(lexicon(LIST))


def bank_key(model: str) -> str:
    """What the bank depends on: the model (its record) and the list of questions, in this format."""
    text = "\n".join(questions())
    return hashlib.sha256(f"{FORMAT}|{model}|{text}".encode()).hexdigest()[:16]


_LOCK = threading.Lock()
_BANKS: dict[str, EverydayBank] = {}


def bank_for(encoder: Encoder, model: str, home: Path | None, content: Callable[[str], str]) -> EverydayBank:
    """The bank for ``model`` (a string naming the index's model record): from the cache, else embedded.

    ``content`` takes each question's frame out, as the gate does for the query itself, so both
    sides are compared on what they ask about.
    """
    key = bank_key(model)
    with _LOCK:
        if key not in _BANKS:
            folder = Path(home) / "everyday" / key if home else None

            def make() -> EverydayBank:
                return EverydayBank(embed(encoder, questions(), content), key)

            def load(f: Path) -> EverydayBank:
                bank = EverydayBank.load(f, key)
                # A model changed in place under the same name (a local folder retrained) embeds
                # the first question differently: the saved bank is then made again.
                first = embed(encoder, questions()[:1], content)
                if len(bank.vectors) and len(first) and float(bank.vectors[0] @ first[0]) < SAME_VECTOR:
                    raise ValueError(f"{f}: the everyday bank was embedded by another version of the model")
                return bank

            _BANKS[key] = load_or_make(folder, load, make)
        return _BANKS[key]


def embed(encoder: Encoder, texts: Sequence[str], content: Callable[[str], str]) -> np.ndarray:
    return encoder.encode([content(t) for t in texts], "query") if texts else np.zeros((0, encoder.dim), np.float32)
