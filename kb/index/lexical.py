"""BM25 over jieba tokens, stored as plain arrays and JSON (bm25s), never pickle.

bm25s builds the index (its "eager" scoring stores every token's BM25 score per
document as a sparse column).  Reading it back needs no bm25s: :class:`SavedBM25`
loads the same files with numpy alone and sums the columns as bm25s does, so a
query never imports bm25s and scipy (a fifth of a cold ``kb search``).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from kb.errors import IndexDamaged
from kb.index.backend import Backend, Setting
from kb.text.tokenize import JiebaTokenizer, Tokenizer

#: The bm25s scoring variant kb builds and accepts (it needs no non-occurrence array).
METHOD = "lucene"
#: The files bm25s saves, read back by SavedBM25.
_ARRAYS = {"data": "data.csc.index.npy", "indices": "indices.csc.index.npy", "indptr": "indptr.csc.index.npy"}
_VOCAB, _PARAMS = "vocab.index.json", "params.index.json"


class SavedBM25:
    """A saved bm25s index, read with numpy: the part of ``bm25s.BM25`` a query uses.

    ``get_scores_from_ids`` adds each query token's column of precomputed scores in
    query order, as bm25s does, so scores are bit-for-bit the same (a column holds a
    document at most once, so a plain fancy-index add equals bm25s' ``np.add.at``).
    """

    def __init__(self, params: dict[str, Any], vocab: dict[str, int], arrays: dict[str, np.ndarray]):
        self.method = str(params["method"])
        self.k1 = float(params["k1"])
        self.b = float(params["b"])
        self.dtype = np.dtype(params.get("dtype", "float32"))
        self.vocab_dict = vocab
        self.scores: dict[str, Any] = {**arrays, "num_docs": int(params["num_docs"])}
        indptr, data, indices = arrays["indptr"], arrays["data"], arrays["indices"]
        if indptr.ndim != 1 or len(indptr) < 1 or len(data) != len(indices) or int(indptr[-1]) != len(data):
            raise ValueError("the BM25 arrays disagree in length")

    @classmethod
    def load(cls, folder: Path) -> SavedBM25:
        params = json.loads((folder / _PARAMS).read_text(encoding="utf-8"))
        vocab = json.loads((folder / _VOCAB).read_text(encoding="utf-8"))
        if not isinstance(vocab, dict):
            raise ValueError("the BM25 vocabulary is not a mapping")
        arrays = {key: np.load(folder / name, allow_pickle=False) for key, name in _ARRAYS.items()}
        return cls(params, vocab, arrays)

    def get_tokens_ids(self, tokens: Sequence[str]) -> list[int]:
        return [self.vocab_dict[t] for t in tokens if t in self.vocab_dict]

    def get_scores_from_ids(self, ids: Sequence[int]) -> np.ndarray:
        data, indices, indptr = self.scores["data"], self.scores["indices"], self.scores["indptr"]
        scores = np.zeros(self.scores["num_docs"], dtype=self.dtype)
        if ids and max(ids) >= len(indptr) - 1:  # bm25s' own check (its "" token for empty passages has no column)
            raise ValueError(f"token id {max(ids)} is not in the BM25 index")
        for t in ids:
            start, end = indptr[t], indptr[t + 1]
            scores[indices[start:end]] += data[start:end]
        return scores


class LexicalBackend(Backend):
    """A BM25 index whose tokenizer is passed in, so index and query are cut the same way."""

    name = "lexical"
    files = ("bm25",)

    def __init__(self, bm25: Any, tokenizer: Tokenizer):
        self.bm25 = bm25
        self.tokenizer = tokenizer
        self._idf: dict[str, float] | None = None

    @classmethod
    def build(
        cls, texts: Sequence[str], tokenizer: Tokenizer, k1: float = 1.2, b: float = 0.75
    ) -> LexicalBackend:
        import bm25s

        bm25 = bm25s.BM25(k1=k1, b=b, method=METHOD)
        corpus = [tokenizer(t) or [""] for t in texts]
        bm25.index(corpus, show_progress=False)
        return cls(bm25, tokenizer)

    def __len__(self) -> int:
        return int(self.bm25.scores["num_docs"])

    def scores(self, query: str | list[str]) -> np.ndarray:
        """BM25 score of every document for the query (zeros when no token is known)."""
        tokens = self.tokenizer(query) if isinstance(query, str) else query
        ids = self.bm25.get_tokens_ids([t for t in tokens if t])
        if not ids:
            return np.zeros(len(self), dtype=np.float32)
        return np.asarray(self.bm25.get_scores_from_ids(ids), dtype=np.float32)

    def idf(self) -> dict[str, float]:
        """Inverse document frequency of every token (BM25's idf), for weighing sentences."""
        if self._idf is None:
            indptr = np.asarray(self.bm25.scores["indptr"])
            df = np.diff(indptr)
            n = len(self)
            values = np.log(1.0 + (n - df + 0.5) / (df + 0.5))
            self._idf = {tok: float(values[i]) for tok, i in self.bm25.vocab_dict.items() if i < len(values)}
        return self._idf

    def vocabulary(self) -> set[str]:
        return set(self.bm25.vocab_dict)

    def settings(self) -> Mapping[str, Setting]:
        return {
            "method": self.bm25.method,
            "k1": float(self.bm25.k1),
            "b": float(self.bm25.b),
            "tokenizer": "jieba search mode + CJK bigrams",
        }

    def save(self, folder: Path) -> None:
        target = Path(folder) / self.files[0]
        target.mkdir(parents=True, exist_ok=True)
        self.bm25.save(str(target), show_progress=False)

    @classmethod
    def load(cls, folder: Path, tokenizer: Tokenizer | None = None) -> LexicalBackend:
        """Load ``bm25/`` from the index folder (numpy only); without a tokenizer, plain jieba (no corpus words)."""
        source = Path(folder) / cls.files[0]
        try:
            params = json.loads((source / "params.index.json").read_text(encoding="utf-8"))
            if params.get("method") != METHOD:
                raise ValueError(f"unexpected BM25 variant {params.get('method')!r}")
            bm25 = SavedBM25.load(source)
        except (OSError, ValueError, KeyError, AttributeError, TypeError, IndexError) as e:
            raise IndexDamaged(f"{source}: the BM25 index cannot be read ({e}); rebuild with `kb build`") from e
        return cls(bm25, tokenizer if tokenizer is not None else JiebaTokenizer(compact=True))


#: The former name, kept for scripts (bench/) written against it.
LexicalIndex = LexicalBackend
