"""Dense vectors in FAISS. The index type is chosen by corpus size.

Up to EXACT_LIMIT vectors the index is exact (IndexFlatIP: a plan has a few
thousand windows, searched in well under a millisecond).  Beyond that, an HNSW
graph keeps queries fast at hundreds of thousands of chunks, at a small recall
cost and without a training step that would need representative data.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

EXACT_LIMIT = 200_000
HNSW_M = 32


def build_faiss(vectors: np.ndarray):
    """An inner-product index over L2-normalised vectors (inner product = cosine)."""
    import faiss

    vectors = np.ascontiguousarray(vectors, dtype=np.float32)
    n, dim = vectors.shape if vectors.ndim == 2 else (0, 0)
    if n <= EXACT_LIMIT:
        index = faiss.IndexFlatIP(dim)
    else:
        index = faiss.IndexHNSWFlat(dim, HNSW_M, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = 80
        index.hnsw.efSearch = 128
    if n:
        index.add(vectors)
    return index


def index_type(index) -> str:
    return type(index).__name__


def save_faiss(index, path: Path) -> None:
    import faiss

    faiss.write_index(index, str(path))


def load_faiss(path: Path):
    import faiss

    return faiss.read_index(str(path))


def search(index, query: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Top-n (scores, ids) for one query vector; ids are -1 where fewer exist."""
    n = max(1, min(n, index.ntotal))
    scores, ids = index.search(np.ascontiguousarray(query.reshape(1, -1), dtype=np.float32), n)
    return scores[0], ids[0]
