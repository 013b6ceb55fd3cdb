"""kb.embed.onnx: the torch-free query encoder against sentence-transformers' own vectors.

Fast tests use tiny random BERT folders (one per pooling set-up) exported for real; the
slow ones use the default model and sentences of the Bazhong plan.
"""

from __future__ import annotations

import json
import logging
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from support.paths import CORPUS, ROOT
from support.tiny_bert import WORDS, st_modules, write_tiny_bert

from kb.embed.encoder import ModelSpec, SentenceTransformerEncoder, resolve_model
from kb.embed.onnx import (
    OnnxEncoder,
    OnnxUnavailable,
    check_export,
    ensure_onnx,
    load_query_encoder,
    onnx_path,
    read_pipeline,
)

HEAVY = ("torch", "transformers", "sentence_transformers")
TEXTS = ["生态环境规划", "green plan", "规划", "环境 生态 plan green", "Plan", "  规划  ", "x", ""]


def _build_tiny(root: Path, pooling: str | tuple[str, ...], *, normalize: bool, include_prompt: bool) -> Path:
    """A randomly initialised 1-layer BERT + WordPiece tokenizer, saved by sentence-transformers."""
    from sentence_transformers import SentenceTransformer

    Normalize, Pooling, Transformer = st_modules()
    hf_dir = write_tiny_bert(root, WORDS)
    modules = [
        Transformer(str(hf_dir), max_seq_length=12),
        Pooling(16, pooling, include_prompt=include_prompt),
    ]
    if normalize:
        modules.append(Normalize())
    model = SentenceTransformer(modules=modules, prompts={"query": "plan ", "passage": "green "})
    out = root / "tiny-model"
    model.save(str(out))
    shutil.rmtree(hf_dir)
    return out


SETUPS = {
    "mean-normalized": ("mean", True, True),
    "cls-raw-no-prompt": ("cls", False, False),
    "max+weightedmean-no-prompt": (("max", "weightedmean"), True, False),
    "lasttoken": ("lasttoken", True, True),
}


@pytest.fixture(scope="module")
def tiny_models(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Each set-up saved once per module; tests that damage a folder work on a copy."""
    return {
        name: _build_tiny(tmp_path_factory.mktemp(name), pooling, normalize=norm, include_prompt=incl)
        for name, (pooling, norm, incl) in SETUPS.items()
    }


@pytest.fixture()
def tiny(tiny_models: dict[str, Path], tmp_path: Path) -> Path:
    """A private copy of the mean-pooled tiny model, with no export yet."""
    folder = tmp_path / "tiny-model"
    shutil.copytree(tiny_models["mean-normalized"], folder, ignore=shutil.ignore_patterns("onnx"))
    return folder


def _spec(folder: Path) -> ModelSpec:
    return resolve_model(str(folder))


def _cosines(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    a = a / np.linalg.norm(a, axis=1, keepdims=True)
    b = b / np.linalg.norm(b, axis=1, keepdims=True)
    return np.sum(a * b, axis=1)


# --------------------------------------------------------------------------- fast


@pytest.mark.parametrize("setup", sorted(SETUPS))
def test_vectors_match_sentence_transformers(tiny_models: dict[str, Path], setup: str) -> None:
    spec = _spec(tiny_models[setup])
    onnx = OnnxEncoder(spec, batch_size=3)
    reference = SentenceTransformerEncoder(spec, batch_size=3)
    assert onnx.dim == reference.dim
    long_text = " ".join(["规划", "green"] * 20)  # past max_seq_length 12: truncated alike
    texts = [*TEXTS, long_text]
    for kind in ("query", "passage"):
        ours, theirs = onnx.encode(texts, kind), reference.encode(texts, kind)
        assert ours.shape == (len(texts), onnx.dim) and ours.dtype == np.float32
        assert _cosines(ours, theirs).min() >= 0.999, (setup, kind)
    # the prompts are honoured: queries and passages of the same text differ
    assert not np.allclose(onnx.encode(TEXTS, "query"), onnx.encode(TEXTS, "passage"))
    assert onnx.encode([], "query").shape == (0, onnx.dim)
    with pytest.raises(ValueError):
        onnx.encode(TEXTS, "document")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        onnx.encode("规划", "query")


@pytest.mark.parametrize("setup", sorted(SETUPS))
def test_token_states_match_sentence_transformers(tiny_models: dict[str, Path], setup: str) -> None:
    """The answer gate's token vectors: the same tokens, prompt and specials left out, unit length."""
    spec = _spec(tiny_models[setup])
    onnx = OnnxEncoder(spec)
    reference = SentenceTransformerEncoder(spec)
    for kind in ("query", "passage"):
        ours, theirs = onnx.token_states(["生态环境规划", "green plan"], kind), reference.token_states(
            ["生态环境规划", "green plan"], kind)
        for a, b in zip(ours, theirs, strict=True):
            assert a.shape == b.shape and a.shape[0] >= 1 and a.dtype == np.float32, (setup, kind)
            np.testing.assert_allclose(np.linalg.norm(a, axis=1), 1.0, atol=1e-5)
            assert _cosines(a, b).min() >= 0.999, (setup, kind)
    # the prompt's pieces are not the text's: a text and its prompted form differ in length by the prompt
    prompt = spec.prompt("query")
    if prompt:
        bare = onnx.token_states([prompt.strip() + " 规划"], "passage")[0]
        assert len(bare) > len(onnx.token_states(["规划"], "query")[0])
    # one state per token of the text itself
    text = "生态环境规划 green"
    pieces = onnx._full_tokenizer().encode(spec.prompt("passage") + text, add_special_tokens=False).ids
    prompt_pieces = onnx._full_tokenizer().encode(spec.prompt("passage"), add_special_tokens=False).ids
    assert len(onnx.token_states([text], "passage")[0]) == len(pieces) - len(prompt_pieces)
    with pytest.raises(TypeError):
        onnx.token_states("规划", "query")


def test_raw_vectors_are_equal_not_just_parallel(tiny_models: dict[str, Path]) -> None:
    """Without Normalize the lengths must agree too (the reference encoder always normalises)."""
    from sentence_transformers import SentenceTransformer

    folder = tiny_models["cls-raw-no-prompt"]
    onnx = OnnxEncoder(_spec(folder))
    model = SentenceTransformer(str(folder), device="cpu")
    theirs = model.encode(TEXTS, prompt="plan ", convert_to_numpy=True)
    ours = onnx.encode(TEXTS, "query")
    assert not np.allclose(np.linalg.norm(ours, axis=1), 1.0)
    np.testing.assert_allclose(ours, theirs, atol=1e-5)


def test_normalized_rows_have_unit_length(tiny: Path) -> None:
    vectors = OnnxEncoder(_spec(tiny)).encode(TEXTS, "passage")
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)


def test_export_layout_and_record(tiny: Path) -> None:
    assert check_export(tiny).state == "missing"
    record = ensure_onnx(tiny)
    assert onnx_path(tiny) == tiny / "onnx" / "model.onnx" and onnx_path(tiny).is_file()
    saved = json.loads((tiny / "onnx" / "kb-export.json").read_text(encoding="utf-8"))
    assert saved == record.to_dict()
    assert set(saved["files"]) == {"model.onnx", "model.onnx_data"}  # graph, and weights as external data
    for name, stamp in saved["files"].items():
        path = tiny / "onnx" / name
        assert stamp["size"] == path.stat().st_size > 0
        assert path.stat().st_mode & 0o044  # readable by others, not mkstemp's 0600
    assert set(saved["sources"]) == {"config.json", "model.safetensors"}
    assert saved["inputs"][:2] == ["input_ids", "attention_mask"] and saved["max_abs_diff"] < 1e-3
    assert check_export(tiny, full=True).ok
    assert sorted(p.name for p in (tiny / "onnx").iterdir()) == [
        "kb-export.json",
        "model.onnx",
        "model.onnx_data",
    ]


def test_export_reuses_a_loaded_sentence_transformers_model(tiny: Path) -> None:
    """At build time the model is in memory already: export it without loading it again."""
    from sentence_transformers import SentenceTransformer

    model = SentenceTransformer(str(tiny), device="cpu")
    record = ensure_onnx(tiny, hf_model=model[0].auto_model)
    assert record.max_abs_diff < 1e-3 and check_export(tiny, full=True).ok
    assert not model[0].auto_model.training  # left as it was found
    ours = OnnxEncoder(_spec(tiny), export=False).encode(TEXTS, "passage")
    theirs = model.encode(TEXTS, prompt="green ", normalize_embeddings=True)
    assert _cosines(ours, theirs).min() >= 0.999


def test_missing_export_is_built_on_first_use(tiny: Path) -> None:
    ensure_onnx(tiny)
    onnx_path(tiny).unlink()
    assert check_export(tiny).state == "missing"
    with pytest.raises(OnnxUnavailable, match="does not exist"):
        OnnxEncoder(_spec(tiny), export=False)
    OnnxEncoder(_spec(tiny)).encode(["规划"], "query")
    assert check_export(tiny, full=True).ok
    data = tiny / "onnx" / "model.onnx_data"
    data.unlink()  # the graph without its weights
    check = check_export(tiny)
    assert check.state == "damaged" and f"{data} does not exist" in check.reason
    OnnxEncoder(_spec(tiny)).encode(["规划"], "query")
    assert data.is_file() and check_export(tiny, full=True).ok


def _damage(path: Path, *, keep_stat: bool = False) -> None:
    stat = path.stat()
    data = bytearray(path.read_bytes())
    middle = len(data) // 2
    data[middle : middle + 64] = bytes(b ^ 0xFF for b in data[middle : middle + 64])
    path.write_bytes(bytes(data))
    if keep_stat:
        os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))


@pytest.mark.parametrize("name", ["model.onnx", "model.onnx_data"])
def test_damaged_export_is_detected_and_rebuilt(
    tiny: Path, name: str, caplog: pytest.LogCaptureFixture
) -> None:
    spec = _spec(tiny)
    before = OnnxEncoder(spec).encode(TEXTS, "query")
    damaged = tiny / "onnx" / name
    _damage(damaged)
    check = check_export(tiny)
    assert check.state == "damaged" and "sha256" in check.reason and str(damaged) in check.reason
    with pytest.raises(OnnxUnavailable, match="sha256"):
        OnnxEncoder(spec, export=False)
    with caplog.at_level(logging.WARNING, logger="kb.embed.onnx"):
        after = OnnxEncoder(spec).encode(TEXTS, "query")
    assert "exporting the model to ONNX again" in caplog.text
    assert check_export(tiny, full=True).ok
    np.testing.assert_allclose(after, before, atol=1e-6)


def test_a_killed_export_leaves_nothing_for_long(tiny: Path) -> None:
    left = tiny / "onnx" / ".export-killed"
    left.mkdir(parents=True)
    (left / "traced.onnx").write_bytes(b"half")
    recent = tiny / "onnx" / ".export-running"
    recent.mkdir()
    os.utime(left, (0, 0))  # hours old
    ensure_onnx(tiny)
    assert not left.exists() and recent.exists()  # a concurrent export's folder is left alone


def test_damage_that_keeps_size_and_mtime_needs_the_full_check(tiny: Path) -> None:
    ensure_onnx(tiny)
    _damage(onnx_path(tiny), keep_stat=True)
    assert check_export(tiny).ok  # the fast check trusts an unchanged stat...
    assert check_export(tiny, full=True).state == "damaged"  # ...the full one hashes


def test_truncated_export_and_lost_record_are_damaged(tiny: Path) -> None:
    ensure_onnx(tiny)
    record = tiny / "onnx" / "kb-export.json"
    saved = record.read_text(encoding="utf-8")
    record.unlink()
    assert check_export(tiny).state == "damaged"
    record.write_text("{not json", encoding="utf-8")
    assert check_export(tiny).state == "damaged"
    record.write_text(saved, encoding="utf-8")
    assert check_export(tiny).ok
    with (tiny / "onnx" / "model.onnx_data").open("r+b") as fh:
        fh.truncate(1000)
    assert check_export(tiny).state == "damaged"


def test_an_unloadable_file_with_a_matching_record_is_rebuilt(tiny: Path) -> None:
    """If the record itself was written for garbage, onnxruntime's refusal still triggers a rebuild."""
    from kb.embed.onnx import ExportRecord, FileStamp, _write_record

    record = ensure_onnx(tiny)
    onnx_path(tiny).write_bytes(b"not an onnx model at all")
    files = {**record.to_dict()["files"], "model.onnx": FileStamp.of(onnx_path(tiny)).to_dict()}
    forged = ExportRecord.from_dict({**record.to_dict(), "files": files})
    _write_record(tiny, forged)
    assert check_export(tiny, full=True).ok
    OnnxEncoder(_spec(tiny)).encode(["规划"], "query")
    assert onnx_path(tiny).stat().st_size > 1000 and check_export(tiny, full=True).ok
    with pytest.raises(OnnxUnavailable, match="cannot load"):
        OnnxEncoder(_spec(tiny), model_file=tiny / "config.json")


def test_changed_weights_make_the_export_stale(tiny: Path) -> None:
    ensure_onnx(tiny)
    config = tiny / "config.json"
    os.utime(config, ns=(0, config.stat().st_mtime_ns + 10**9))  # touched, same content: still fine
    assert check_export(tiny).ok
    record = json.loads((tiny / "onnx" / "kb-export.json").read_text(encoding="utf-8"))
    assert record["sources"]["config.json"]["mtime_ns"] == config.stat().st_mtime_ns  # refreshed
    config.write_text(config.read_text(encoding="utf-8").replace("{", '{\n  "kb_test": 1,', 1))
    check = check_export(tiny)
    assert check.state == "stale" and "config.json" in check.reason


def test_pipeline_is_read_from_the_folder(tiny_models: dict[str, Path], tmp_path: Path) -> None:
    mean = read_pipeline(tiny_models["mean-normalized"])
    assert (mean.pooling, mean.normalize, mean.include_prompt, mean.max_seq_length) == (
        ("mean",),
        True,
        True,
        12,
    )
    combo = read_pipeline(tiny_models["max+weightedmean-no-prompt"])
    assert combo.pooling == ("max", "weightedmean") and not combo.include_prompt
    assert not read_pipeline(tiny_models["cls-raw-no-prompt"]).normalize

    legacy = tmp_path / "legacy"
    shutil.copytree(tiny_models["mean-normalized"], legacy, ignore=shutil.ignore_patterns("onnx"))
    pooling = legacy / "1_Pooling" / "config.json"
    flags = {"word_embedding_dimension": 16, "pooling_mode_cls_token": True, "pooling_mode_mean_tokens": True}
    pooling.write_text(json.dumps(flags))
    assert read_pipeline(legacy).pooling == ("cls", "mean")
    pooling.write_text(json.dumps({"pooling_mode": "median"}))
    with pytest.raises(OnnxUnavailable, match="median"):
        read_pipeline(legacy)


def test_unsupported_models_fall_back_with_a_note(
    tiny_models: dict[str, Path], tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A Dense head is not exported: sentence-transformers embeds instead, and says so."""
    from sentence_transformers import SentenceTransformer

    try:  # sentence-transformers >= 6
        from sentence_transformers.sentence_transformer.modules import Dense
    except ImportError:  # pragma: no cover - 3.x to 5.x
        from sentence_transformers.models import Dense

    model = SentenceTransformer(str(tiny_models["mean-normalized"]), device="cpu")
    model.append(Dense(16, 8))
    folder = tmp_path / "with-dense"
    model.save(str(folder))
    with pytest.raises(OnnxUnavailable, match="Dense"):
        OnnxEncoder(_spec(folder))
    with caplog.at_level(logging.WARNING, logger="kb.embed.onnx"):
        encoder = load_query_encoder(_spec(folder))
    assert isinstance(encoder, SentenceTransformerEncoder) and encoder.dim == 8
    assert "Dense" in caplog.text and "sentence-transformers instead" in caplog.text
    assert not (folder / "onnx").exists()

    slow_only = tmp_path / "no-fast-tokenizer"
    shutil.copytree(tiny_models["mean-normalized"], slow_only, ignore=shutil.ignore_patterns("onnx"))
    (slow_only / "tokenizer.json").unlink()
    with pytest.raises(OnnxUnavailable, match="tokenizer.json"):
        read_pipeline(slow_only)


def test_load_query_encoder_prefers_onnx(tiny: Path) -> None:
    encoder = load_query_encoder(_spec(tiny))
    assert isinstance(encoder, OnnxEncoder) and encoder.dim == 16


_PROBE = """
import json, sys
from kb.embed.encoder import ModelSpec
from kb.embed.onnx import OnnxEncoder
spec = ModelSpec(*json.loads(sys.argv[1]))
vector = OnnxEncoder(spec, export=False).encode([sys.argv[2]], "query")
heavy = sorted(m for m in sys.modules if m.split(".")[0] in {heavy!r})
print(json.dumps({{"shape": list(vector.shape), "heavy": heavy}}))
"""


def _probe(spec: ModelSpec, text: str) -> dict:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    args = json.dumps([spec.name, spec.path, spec.query_prompt, spec.passage_prompt])
    code = _PROBE.format(heavy=set(HEAVY))
    done = subprocess.run(
        [sys.executable, "-c", code, args, text], capture_output=True, text=True, env=env, timeout=300
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_encoding_a_query_imports_no_torch(tiny: Path) -> None:
    spec = _spec(tiny)
    ensure_onnx(tiny)
    result = _probe(spec, "生态环境规划")
    assert result == {"shape": [1, 16], "heavy": []}


# --------------------------------------------------------------------------- slow


def _plan_sentences(count: int = 50) -> list[str]:
    """About ``count`` sentences spread over the corpus plans, short and long."""
    text = "\n".join(p.read_text(encoding="utf-8") for p in sorted(CORPUS.glob("*.txt")))
    sentences = [s.strip() for s in re.split(r"[。；！？\n]", text) if len(s.strip()) >= 6]
    step = max(1, len(sentences) // count)
    picked = sentences[::step][:count]
    return picked + sorted(sentences, key=len, reverse=True)[:3]


@pytest.fixture(scope="module")
def default_spec() -> ModelSpec:
    return resolve_model()


@pytest.mark.slow
def test_default_model_agrees_on_plan_sentences(default_spec: ModelSpec) -> None:
    sentences = _plan_sentences()
    assert len(sentences) >= 50
    onnx = load_query_encoder(default_spec)
    assert isinstance(onnx, OnnxEncoder) and onnx.dim == 384
    reference = SentenceTransformerEncoder(default_spec)
    questions = ["巴中市空气质量的目标是什么？", "如何加强饮用水水源地保护", "PM2.5 浓度"]
    for kind, texts in (("query", questions + sentences[:10]), ("passage", sentences)):
        cosines = _cosines(onnx.encode(texts, kind), reference.encode(texts, kind))
        assert cosines.min() >= 0.999, (kind, texts[int(cosines.argmin())])
    # the e5 prompts are honoured: without them the vectors would not match sentence-transformers'
    assert default_spec.query_prompt == "query: " and default_spec.passage_prompt == "passage: "
    bare = OnnxEncoder(ModelSpec(default_spec.name, default_spec.path)).encode(questions, "query")
    assert _cosines(bare, reference.encode(questions, "query")).max() < 0.999


@pytest.mark.slow
def test_default_model_fast_query_tokenizer_agrees_on_the_corpus(default_spec: ModelSpec) -> None:
    """Queries skip loading tokenizer.json (kb.embed.querytok); every line of the plans tokenizes the same."""
    from kb.embed import querytok

    encoder = OnnxEncoder(default_spec)
    assert encoder._fast is not None and encoder._full is None
    lines = [line for p in sorted(CORPUS.glob("*.txt")) for line in p.read_text(encoding="utf-8").splitlines()]
    texts = [f"{prompt}{line}" for line in lines if line.strip() for prompt in ("query: ", "passage: ")]
    assert len(texts) > 400
    assert querytok.disagreement(encoder._fast, encoder._full_tokenizer(), texts) is None


@pytest.mark.slow
def test_default_model_query_path_imports_no_torch(default_spec: ModelSpec) -> None:
    ensure_onnx(Path(default_spec.path))
    assert _probe(default_spec, "巴中市空气质量的目标是什么？") == {"shape": [1, 384], "heavy": []}


@pytest.mark.slow
def test_default_model_export_is_rebuilt(default_spec: ModelSpec, tmp_path: Path) -> None:
    """Missing, then damaged: both rebuilt, in a folder of links to the real model's files."""
    source = Path(default_spec.path)
    folder = tmp_path / source.name
    for item in source.iterdir():
        if item.name != "onnx":
            (folder / item.relative_to(source)).parent.mkdir(parents=True, exist_ok=True)
            (folder / item.name).symlink_to(item, target_is_directory=item.is_dir())
    spec = ModelSpec(default_spec.name, str(folder), default_spec.query_prompt, default_spec.passage_prompt)
    first = OnnxEncoder(spec).encode(["巴中市空气质量"], "query")  # missing: exported
    assert check_export(folder, full=True).ok
    _damage(folder / "onnx" / "model.onnx_data")
    assert check_export(folder).state == "damaged"
    again = OnnxEncoder(spec).encode(["巴中市空气质量"], "query")
    assert check_export(folder, full=True).ok
    np.testing.assert_allclose(again, first, atol=1e-5)
