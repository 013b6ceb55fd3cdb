"""BM25 over jieba tokens, stored as plain arrays and JSON (bm25s), never pickle."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from kb.text.tokenize import Tokenizer


class LexicalIndex:
    """A BM25 index whose tokenizer is passed in, so index and query are cut the same way."""

    def __init__(self, bm25, tokenizer: Tokenizer):
        self.bm25 = bm25
        self.tokenizer = tokenizer

    @classmethod
    def build(cls, texts: Sequence[str], tokenizer: Tokenizer, k1: float = 1.2, b: float = 0.75) -> LexicalIndex:
        import bm25s

        bm25 = bm25s.BM25(k1=k1, b=b, method="lucene")
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
        if getattr(self, "_idf", None) is None:
            indptr = np.asarray(self.bm25.scores["indptr"])
            df = np.diff(indptr)
            n = len(self)
            values = np.log(1.0 + (n - df + 0.5) / (df + 0.5))
            self._idf = {tok: float(values[i]) for tok, i in self.bm25.vocab_dict.items() if i < len(values)}
        return self._idf

    def vocabulary(self) -> set[str]:
        return set(self.bm25.vocab_dict)

    def save(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.bm25.save(str(folder), show_progress=False)

    @classmethod
    def load(cls, folder: Path, tokenizer: Tokenizer) -> LexicalIndex:
        import bm25s

        params = json.loads((folder / "params.index.json").read_text(encoding="utf-8"))
        if params.get("method") != "lucene":
            raise ValueError(f"{folder}: unexpected BM25 variant {params.get('method')!r}")
        bm25 = bm25s.BM25.load(str(folder), load_corpus=False, mmap=False)
        return cls(bm25, tokenizer)
