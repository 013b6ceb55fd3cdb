"""Dense vectors in FAISS. The index type is chosen by corpus size.

Up to EXACT_LIMIT vectors the index is exact (IndexFlatIP: a plan has a few
thousand windows, searched in well under a millisecond).  Beyond that, an HNSW
graph keeps queries fast at hundreds of thousands of chunks, at a small recall
cost and without a training step that would need representative data.

The raw vectors are kept beside the FAISS file: the next build reuses the vectors
of unchanged windows, and search samples them for its relevance background.

A loaded index puts numpy's BLAS on one thread (:func:`one_blas_thread`): every product
kb computes at query time is one vector against a few thousand rows, which two
OpenBLAS threads make 15 times slower on a busy 2-core machine (3.7 ms against 0.25 ms).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from kb.errors import IndexDamaged
from kb.index.backend import Backend, Setting

_BLAS_LIMITED = False

EXACT_LIMIT = 200_000
HNSW_M = 32
INDEX_FILE = "dense.faiss"
VECTORS_FILE = "vectors.npy"


class DenseBackend(Backend):
    """An inner-product FAISS index over L2-normalised vectors (inner product = cosine)."""

    name = "dense"
    files = (INDEX_FILE, VECTORS_FILE)

    def __init__(self, index: Any, vectors: np.ndarray):
        self.index = index
        self.vectors = vectors

    @classmethod
    def build(cls, vectors: np.ndarray) -> DenseBackend:
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
        return cls(index, vectors)

    def __len__(self) -> int:
        return int(self.index.ntotal)

    @property
    def dim(self) -> int:
        return int(self.index.d)

    @property
    def kind(self) -> str:
        """The FAISS index type: IndexFlatIP (exact) or IndexHNSWFlat (approximate)."""
        return type(self.index).__name__

    def settings(self) -> Mapping[str, Setting]:
        return {"faiss": self.kind, "dim": self.dim}

    def search(self, vector: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
        """Top-n (scores, ids) for one query vector; ids are -1 where fewer exist."""
        n = max(1, min(n, len(self)))
        query = np.ascontiguousarray(vector.reshape(1, -1), dtype=np.float32)
        scores, ids = self.index.search(query, n)
        return scores[0], ids[0]

    def save(self, folder: Path) -> None:
        import faiss

        folder = Path(folder)
        np.save(folder / VECTORS_FILE, self.vectors, allow_pickle=False)
        faiss.write_index(self.index, str(folder / INDEX_FILE))

    @classmethod
    def load(cls, folder: Path) -> DenseBackend:
        import faiss

        one_blas_thread()
        folder = Path(folder)
        vectors = load_vectors(folder)
        path = folder / INDEX_FILE
        if not path.is_file():
            raise IndexDamaged(f"{path}: the file is missing; rebuild with `kb build`")
        try:
            index = faiss.read_index(str(path))
        except Exception as e:  # FAISS reports read failures as RuntimeErrors quoting C++ sources (and others)
            raise IndexDamaged(f"{path}: not a readable FAISS index; rebuild with `kb build`") from e
        if index.ntotal != len(vectors) or (len(vectors) and index.d != vectors.shape[1]):
            raise IndexDamaged(
                f"{folder}: {INDEX_FILE} holds {index.ntotal} vectors of width {index.d} but {VECTORS_FILE} "
                f"has shape {vectors.shape}; rebuild with `kb build`"
            )
        return cls(index, vectors)


def one_blas_thread() -> None:
    """Run numpy's BLAS on one thread in this process, once (threadpoolctl; nothing if it is missing).

    Query-time products are matrix-vector ones (the relevance background, 4,096 × 384),
    where a second BLAS thread only adds the wait for it.
    """
    global _BLAS_LIMITED
    if _BLAS_LIMITED:
        return
    _BLAS_LIMITED = True
    try:
        from threadpoolctl import threadpool_limits

        threadpool_limits(1, user_api="blas")
    except Exception:  # no threadpoolctl, or a BLAS it cannot drive: the default threads, only slower
        pass


def load_vectors(folder: Path) -> np.ndarray:
    """The saved vectors alone (what a rebuild reuses), as a 2-D float32 array."""
    path = Path(folder) / VECTORS_FILE
    try:
        vectors = np.load(path, allow_pickle=False)
    except (OSError, ValueError, EOFError) as e:  # EOFError: an empty file
        raise IndexDamaged(f"{path}: cannot be read ({e}); rebuild with `kb build`") from e
    if vectors.ndim != 2 or vectors.dtype != np.float32:
        raise IndexDamaged(
            f"{path}: expected a 2-D float32 array, found {vectors.dtype} {vectors.shape}; rebuild with `kb build`"
        )
    return vectors
