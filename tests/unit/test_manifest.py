"""Manifest: a typed record that round-trips through JSON, and one clear error when it is malformed."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from kb.embed.base import ModelSpec
from kb.errors import IndexMismatch, IndexMissing, KBError
from kb.index.manifest import (
    FORMAT_VERSION,
    Counts,
    DocumentRecord,
    Manifest,
    ModelRecord,
    PartRecord,
)


def sample() -> Manifest:
    return Manifest(
        model=ModelRecord("multilingual-e5-small", "/models/e5", 384, "query: ", "passage: "),
        files=("nodes.jsonl", "chunks.jsonl", "userdict.txt"),
        parts=(
            PartRecord("lexical", ("bm25",), {"method": "lucene", "k1": 1.2, "b": 0.3}),
            PartRecord("dense", ("dense.faiss", "vectors.npy"), {"faiss": "IndexFlatIP", "dim": 384}),
        ),
        documents=(DocumentRecord("规划", "corpus/规划.pdf", "a" * 64, "b" * 64, "chapter", 286, 212),),
        counts=Counts(nodes=286, leaves=212, chunks=1200),
        skipped=("corpus/x.doc: unsupported file type .doc",),
        warnings=("corpus/规划.txt: same content as corpus/规划.pdf; indexed once",),
    )


def test_round_trip_through_json_text():
    manifest = sample()
    data = json.loads(json.dumps(manifest.to_json(), ensure_ascii=False))
    assert Manifest.from_json(data) == manifest
    assert data["format"] == FORMAT_VERSION and data["dimension"] == 384 == manifest.dimension
    assert data["model"] == {"name": "multilingual-e5-small", "path": "/models/e5", "dim": 384,
                             "query_prompt": "query: ", "passage_prompt": "passage: "}
    assert manifest.all_files == ("nodes.jsonl", "chunks.jsonl", "userdict.txt", "bm25", "dense.faiss", "vectors.npy")
    assert manifest.part("dense").settings["faiss"] == "IndexFlatIP"
    assert manifest.get("built_at") == manifest.built_at and manifest.get("nope", 1) == 1


def test_write_and_read(tmp_path: Path):
    manifest = sample()
    manifest.write(tmp_path)
    assert Manifest.read(tmp_path) == manifest
    with pytest.raises(IndexMissing, match="kb build"):
        Manifest.read(tmp_path / "elsewhere")


def test_model_record_and_spec():
    spec = ModelSpec("BAAI/bge-small-zh-v1.5", "/m/bge", "为这个句子生成表示以用于检索相关文章：", "")
    record = ModelRecord.from_spec(spec, 512)
    assert record.dim == 512 and record.to_spec() == spec
    assert ModelRecord.from_json(record.to_json()) == record


def _broken(change) -> dict:
    data = copy.deepcopy(sample().to_json())
    change(data)
    return data


MALFORMED = {
    "empty": lambda d: d.clear(),
    "no model": lambda d: d.pop("model"),
    "dim as text": lambda d: d["model"].update(dim="384"),
    "dim negative": lambda d: d["model"].update(dim=-1),
    "dim a boolean": lambda d: d["model"].update(dim=True),
    "model a list": lambda d: d.update(model=["e5"]),
    "dimension disagrees": lambda d: d.update(dimension=768),
    "no parts": lambda d: d.pop("parts"),
    "part files not strings": lambda d: d["parts"][0].update(files=[1]),
    "document without hash": lambda d: d["documents"][0].pop("sha256"),
    "documents an object": lambda d: d.update(documents={"name": "x"}),
    "counts missing chunks": lambda d: d["counts"].pop("chunks"),
    "setting not a scalar": lambda d: d["parts"][1]["settings"].update(faiss={"type": "flat"}),
    "skipped not strings": lambda d: d.update(skipped=[None]),
}


@pytest.mark.parametrize("case", sorted(MALFORMED))
def test_malformed_manifest_is_one_clear_error(case: str):
    data = _broken(MALFORMED[case])
    with pytest.raises(IndexMismatch) as err:
        Manifest.from_json(data, "idx/manifest.json")
    message = str(err.value)
    assert message.startswith("idx/manifest.json: ") and "\n" not in message and "rebuild" in message
    for leak in ("KeyError", "TypeError", "Traceback", "NoneType'"):
        assert leak not in message


def test_the_message_names_the_field():
    with pytest.raises(IndexMismatch, match=r"model\.dim: expected a whole number, found str"):
        Manifest.from_json(_broken(MALFORMED["dim as text"]), "m.json")
    with pytest.raises(IndexMismatch, match=r"documents\[0\]\.sha256: expected a string, found nothing"):
        Manifest.from_json(_broken(MALFORMED["document without hash"]), "m.json")


@pytest.mark.parametrize("payload", ["[1, 2]", '"manifest"', "null", "{"])
def test_a_manifest_that_is_not_an_object(tmp_path: Path, payload: str):
    (tmp_path / "manifest.json").write_text(payload, encoding="utf-8")
    with pytest.raises(IndexMismatch) as err:
        Manifest.read(tmp_path)
    assert str(tmp_path / "manifest.json") in str(err.value)
    assert isinstance(err.value, KBError)


def test_another_format_says_so():
    with pytest.raises(IndexMismatch, match=f"index format 1, this kb reads format {FORMAT_VERSION}"):
        Manifest.from_json(_broken(lambda d: d.update(format=1)), "m.json")
