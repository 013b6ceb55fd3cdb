"""The gate's bank of everyday questions: embedded once per model, kept, and never read stale."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from support.fakes import HashEncoder

from kb.query import everyday
from kb.query.everyday import EverydayBank, bank_for, questions

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def fresh_banks(monkeypatch):
    monkeypatch.setattr(everyday, "_BANKS", {})


class Shifted(HashEncoder):
    """The same model name, other vectors: a local model folder retrained in place."""

    def encode(self, texts, kind):
        return super().encode([f"{t}变" for t in texts], kind)


def test_the_bank_is_embedded_once_then_read_from_kb_home(tmp_path):
    enc = HashEncoder()
    bank = bank_for(enc, "fake|64|", tmp_path, lambda q: q)
    assert bank.vectors.shape == (len(questions()), enc.dim)
    [folder] = (tmp_path / "everyday").iterdir()
    everyday._BANKS.clear()
    calls = len(enc.calls)
    again = bank_for(enc, "fake|64|", tmp_path, lambda q: q)
    assert np.array_equal(again.vectors, bank.vectors)
    assert sum(enc.calls[calls:]) == 1  # only the first question, to check the model is the same one
    assert [p.name for p in (tmp_path / "everyday").iterdir()] == [folder.name]


def test_a_model_changed_under_the_same_name_makes_the_bank_again(tmp_path):
    old = bank_for(HashEncoder(), "fake|64|", tmp_path, lambda q: q)
    everyday._BANKS.clear()
    new = bank_for(Shifted(), "fake|64|", tmp_path, lambda q: q)
    assert not np.allclose(new.vectors, old.vectors)
    assert np.allclose(new.vectors, Shifted().encode(list(questions()), "query"))


def test_another_model_or_a_damaged_folder_is_never_read(tmp_path):
    bank = bank_for(HashEncoder(), "fake|64|", tmp_path, lambda q: q)
    [folder] = (tmp_path / "everyday").iterdir()
    with pytest.raises(ValueError, match="another model"):
        EverydayBank.load(folder, "some-other-key")
    (folder / "vectors.npy").write_bytes(b"not an array")
    everyday._BANKS.clear()
    again = bank_for(HashEncoder(), "fake|64|", tmp_path, lambda q: q)
    assert np.allclose(again.vectors, bank.vectors)


def test_nearest_is_the_best_cosine_to_the_bank():
    enc = HashEncoder()
    bank = EverydayBank(enc.encode(["身份证丢了怎么挂失？", "明天会不会降温？"], "query"))
    same = enc.encode(["身份证丢了怎么挂失？"], "query")[0]
    other = enc.encode(["推进污水管网建设"], "query")[0]
    assert bank.nearest(same) == pytest.approx(1.0, abs=1e-5)
    assert bank.nearest(other) < bank.nearest(same)
    assert EverydayBank(np.zeros((0, enc.dim))).nearest(same) == 0.0


def test_the_bank_shares_no_question_with_the_gate_bench():
    """bench/relevance.py scores the gate on its own everyday questions; the bank must not hold them."""
    bench = ROOT / "bench" / "data" / "out_of_scope.txt"
    held = {s.strip() for s in bench.read_text(encoding="utf-8").splitlines() if s.strip() and not s.startswith("#")}
    assert len(questions()) >= 200
    assert not held & set(questions())
