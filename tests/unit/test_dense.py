"""DenseBackend: exact FAISS for a plan, HNSW for very large corpora; saves and loads itself."""

from pathlib import Path

import numpy as np
import pytest

import kb.index.dense as dense
from kb.errors import IndexDamaged
from kb.index.backend import Backend
from kb.index.dense import DenseBackend


def _unit(n: int, dim: int = 16, seed: int = 0) -> np.ndarray:
    v = np.random.default_rng(seed).normal(size=(n, dim)).astype(np.float32)
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def test_small_corpus_is_searched_exactly():
    vectors = _unit(50)
    backend = DenseBackend.build(vectors)
    assert isinstance(backend, Backend)
    assert backend.kind == "IndexFlatIP" and len(backend) == 50 and backend.dim == 16
    assert dict(backend.settings()) == {"faiss": "IndexFlatIP", "dim": 16}
    scores, ids = backend.search(vectors[7], 3)
    assert ids[0] == 7 and abs(scores[0] - 1.0) < 1e-5


def test_save_and_load_round_trip(tmp_path: Path):
    vectors = _unit(40, seed=3)
    DenseBackend.build(vectors).save(tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(DenseBackend.files)
    again = DenseBackend.load(tmp_path)
    assert len(again) == 40 and again.dim == 16 and again.kind == "IndexFlatIP"
    np.testing.assert_array_equal(again.vectors, vectors)
    query = _unit(1, seed=9)[0]
    before, after = DenseBackend.build(vectors).search(query, 5), again.search(query, 5)
    np.testing.assert_array_equal(before[1], after[1])
    np.testing.assert_allclose(before[0], after[0])


def test_large_corpus_gets_an_approximate_graph(monkeypatch, tmp_path: Path):
    monkeypatch.setattr(dense, "EXACT_LIMIT", 100)
    vectors = _unit(300, seed=1)
    backend = DenseBackend.build(vectors)
    assert backend.kind == "IndexHNSWFlat"
    hits = sum(int(backend.search(vectors[i], 1)[1][0] == i) for i in range(0, 300, 10))
    assert hits >= 28  # recall of the nearest neighbour stays near 1
    backend.save(tmp_path)
    assert DenseBackend.load(tmp_path).kind == "IndexHNSWFlat"


def test_search_never_asks_for_more_than_there_is():
    backend = DenseBackend.build(_unit(2))
    scores, ids = backend.search(_unit(1)[0], 10)
    assert len(ids) == 2


def test_an_empty_corpus_still_saves_and_loads(tmp_path: Path):
    DenseBackend.build(np.zeros((0, 8), dtype=np.float32)).save(tmp_path)
    again = DenseBackend.load(tmp_path)
    assert len(again) == 0 and again.dim == 8


@pytest.mark.parametrize("damage", ["missing faiss", "garbage faiss", "fewer vectors", "pickled vectors"])
def test_damaged_files_are_one_clear_error(tmp_path: Path, damage: str):
    DenseBackend.build(_unit(10)).save(tmp_path)
    if damage == "missing faiss":
        (tmp_path / "dense.faiss").unlink()
    elif damage == "garbage faiss":
        (tmp_path / "dense.faiss").write_bytes(b"not a faiss index")
    elif damage == "fewer vectors":
        np.save(tmp_path / "vectors.npy", _unit(9), allow_pickle=False)
    else:
        np.save(tmp_path / "vectors.npy", np.array([{"a": 1}], dtype=object), allow_pickle=True)
    with pytest.raises(IndexDamaged) as err:
        DenseBackend.load(tmp_path)
    message = str(err.value)
    assert "\n" not in message and "rebuild" in message
    assert str(tmp_path) in message


def test_a_loaded_index_runs_numpy_blas_on_one_thread(tmp_path):
    """Query-time products are matrix-vector ones, where a second BLAS thread only waits (kb.index.dense)."""
    import subprocess
    import sys

    from support.paths import ROOT

    vectors = np.eye(4, dtype=np.float32)
    DenseBackend.build(vectors).save(tmp_path)
    code = ("from threadpoolctl import threadpool_info, threadpool_limits; threadpool_limits(2, user_api='blas'); "
            f"from kb.index.dense import DenseBackend; DenseBackend.load({str(tmp_path)!r}); "
            "print(sorted({i['num_threads'] for i in threadpool_info() if i['user_api'] == 'blas'}))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert done.stdout.strip() == "[1]", done.stderr
