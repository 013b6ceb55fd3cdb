"""LexicalBackend: BM25 that saves itself as plain arrays and JSON and loads back identically."""

from pathlib import Path

import numpy as np
import pytest

from kb.errors import IndexDamaged
from kb.index.backend import Backend
from kb.index.lexical import LexicalBackend

TEXTS = ["城镇 污水 处理 率 达到 95%", "秸秆 露天 焚烧 管控", "污水 管网 建设", "湿地 公园 建设"]


def split(text: str) -> list[str]:
    """A whitespace tokenizer, so the test is about storage rather than jieba."""
    return text.split()


def test_save_and_load_round_trip(tmp_path: Path):
    built = LexicalBackend.build(TEXTS, split, k1=1.2, b=0.3)
    assert isinstance(built, Backend) and len(built) == 4
    assert dict(built.settings())["b"] == 0.3 and dict(built.settings())["method"] == "lucene"
    built.save(tmp_path)
    assert [p.name for p in tmp_path.iterdir()] == list(LexicalBackend.files)
    assert not any(p.suffix in (".pkl", ".pickle") for p in tmp_path.rglob("*"))
    loaded = LexicalBackend.load(tmp_path, split)
    assert len(loaded) == 4 and loaded.vocabulary() == built.vocabulary()
    for query in ("污水 建设", "秸秆", "不存在"):
        np.testing.assert_allclose(loaded.scores(query), built.scores(query))
    assert int(np.argmax(loaded.scores("污水 处理"))) == 0
    assert loaded.scores("不存在").tolist() == [0.0] * 4
    assert loaded.idf()["污水"] < loaded.idf()["秸秆"]  # rarer words weigh more
    assert dict(loaded.settings()) == dict(built.settings())


def test_missing_or_foreign_bm25_is_damage(tmp_path: Path):
    with pytest.raises(IndexDamaged, match="bm25"):
        LexicalBackend.load(tmp_path, split)
    LexicalBackend.build(TEXTS, split).save(tmp_path)
    params = tmp_path / "bm25" / "params.index.json"
    params.write_text(params.read_text(encoding="utf-8").replace('"lucene"', '"atire"'), encoding="utf-8")
    with pytest.raises(IndexDamaged, match="atire"):
        LexicalBackend.load(tmp_path, split)


def test_loading_reads_the_arrays_without_bm25s_and_scores_bit_for_bit(tmp_path: Path):
    """A query never imports bm25s (nor scipy): the saved arrays are summed as bm25s sums them."""
    import subprocess
    import sys

    import bm25s
    from support.paths import ROOT

    from kb.index.lexical import SavedBM25

    rng = np.random.default_rng(3)
    words = [f"w{i}" for i in range(60)]
    texts = [" ".join(rng.choice(words, size=rng.integers(1, 30))) for _ in range(80)] + [""]
    LexicalBackend.build(texts, split).save(tmp_path)
    loaded = LexicalBackend.load(tmp_path, split)
    assert isinstance(loaded.bm25, SavedBM25)
    reference = bm25s.BM25.load(str(tmp_path / "bm25"), load_corpus=False)
    for _ in range(200):
        ids = [int(i) for i in rng.integers(0, len(words), size=rng.integers(1, 12))]
        tokens = [words[i] for i in ids]
        want = reference.get_scores_from_ids(reference.get_tokens_ids(tokens))
        got = loaded.scores(tokens)
        assert got.dtype == want.dtype and np.array_equal(got, want)
    code = (f"import sys; from kb.index.lexical import LexicalBackend; LexicalBackend.load({str(tmp_path)!r}, str.split)"
            ".scores('w1 w2'); print(sorted(m for m in ('bm25s', 'scipy') if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                          cwd=ROOT)
    assert done.stdout.strip() == "[]", done.stderr
