"""FAISS index choice by size: exact for a plan, HNSW for very large corpora."""

import numpy as np

import kb.index.dense as dense


def _unit(n: int, dim: int = 16, seed: int = 0) -> np.ndarray:
    v = np.random.default_rng(seed).normal(size=(n, dim)).astype(np.float32)
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def test_small_corpus_is_searched_exactly(tmp_path):
    vectors = _unit(50)
    index = dense.build_faiss(vectors)
    assert dense.index_type(index) == "IndexFlatIP"
    scores, ids = dense.search(index, vectors[7], 3)
    assert ids[0] == 7 and abs(scores[0] - 1.0) < 1e-5
    dense.save_faiss(index, tmp_path / "d.faiss")
    again = dense.load_faiss(tmp_path / "d.faiss")
    assert again.ntotal == 50


def test_large_corpus_gets_an_approximate_graph(monkeypatch):
    monkeypatch.setattr(dense, "EXACT_LIMIT", 100)
    vectors = _unit(300, seed=1)
    index = dense.build_faiss(vectors)
    assert dense.index_type(index) == "IndexHNSWFlat"
    hits = sum(int(dense.search(index, vectors[i], 1)[1][0] == i) for i in range(0, 300, 10))
    assert hits >= 28  # recall of the nearest neighbour stays near 1


def test_search_never_asks_for_more_than_there_is():
    index = dense.build_faiss(_unit(2))
    scores, ids = dense.search(index, _unit(1)[0], 10)
    assert len(ids) == 2
