"""Index build/load on a small plan with a fake encoder: plain files, atomic, checked on load."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from support.fakes import HashEncoder
from support.paths import DATA

from kb.embed import Encoder, LazyEncoder
from kb.errors import IndexDamaged, IndexMismatch, IndexMissing, KBError, QueryError
from kb.index.manifest import FORMAT_VERSION, Manifest
from kb.knowledge import KnowledgeBase


@pytest.fixture()
def corpus(tmp_path: Path) -> Path:
    folder = tmp_path / "corpus"
    folder.mkdir()
    shutil.copy(DATA / "mini_plan.txt", folder / "mini_plan.txt")
    return folder


def build(corpus: Path, index: Path, encoder: Encoder | None = None):
    return KnowledgeBase.build(corpus, index, encoder=encoder or HashEncoder(), progress=False)


def test_index_is_plain_files_with_a_manifest(corpus: Path, tmp_path: Path):
    index = tmp_path / "index"
    report = build(corpus, index)
    names = {p.name for p in index.iterdir()}
    assert {"manifest.json", "nodes.jsonl", "chunks.jsonl", "vectors.npy", "dense.faiss", "bm25", "userdict.txt"} <= names
    assert not any(p.suffix in (".pkl", ".pickle") for p in index.rglob("*"))
    manifest = json.loads((index / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["format"] == FORMAT_VERSION
    assert manifest["model"]["name"] == "fake-bigram-hash"
    assert manifest["dimension"] == manifest["model"]["dim"] == 64
    parts = {p["name"]: p for p in manifest["parts"]}
    assert parts["dense"]["settings"]["faiss"] == "IndexFlatIP"
    assert parts["dense"]["files"] == ["dense.faiss", "vectors.npy"] and parts["lexical"]["files"] == ["bm25"]
    assert parts["lexical"]["settings"]["b"] == 0.3
    listed = set(manifest["files"]) | {f for p in manifest["parts"] for f in p["files"]}
    assert listed | {"manifest.json"} == names - {".gitkeep", "README.md", ".readers"}  # every file is listed
    files = {p.relative_to(index).as_posix() for p in index.rglob("*") if p.is_file()}
    checked = {c["path"]: c for c in manifest["checksums"]}
    assert set(checked) == files - {"manifest.json", ".readers"}, "every file has its checksum"
    assert checked["vectors.npy"]["size"] == (index / "vectors.npy").stat().st_size
    assert len(checked["bm25/vocab.index.json"]["sha256"]) == 64
    [doc] = manifest["documents"]
    assert doc["name"] == "mini_plan" and len(doc["sha256"]) == 64
    assert manifest["counts"]["leaves"] == report.leaves > 5
    np.load(index / "vectors.npy", allow_pickle=False)  # loads without pickle


def test_search_finds_the_clause_and_cites_it(corpus: Path, tmp_path: Path):
    index = tmp_path / "index"
    build(corpus, index)
    kb = KnowledgeBase.open(index, encoder=HashEncoder())
    hits = kb.search("秸秆露天焚烧怎么管", k=3)
    assert hits[0].node.title == "加强秸秆禁烧管控"
    assert "92%" in hits[0].node.text
    assert "第二章 重点任务" in hits[0].citation and "第二节 管控农业面源" in hits[0].citation
    assert [h.rank for h in hits] == [1, 2, 3]
    assert len({h.node.id for h in hits}) == 3  # clauses, deduplicated
    d = hits[0].to_dict()
    assert set(d) >= {"rank", "score", "id", "doc", "chapter", "section", "title", "citation", "text", "page"}
    assert d["section"] == "第二节 管控农业面源"


def test_filters_by_chapter_and_doc(corpus: Path, tmp_path: Path):
    index = tmp_path / "index"
    build(corpus, index)
    kb = KnowledgeBase.open(index, encoder=HashEncoder())
    assert all(h.node.chapter == 1 for h in kb.search("污水处理率", k=5, chapter=1))
    with pytest.raises(KBError, match="no document matches 'no-such-doc'"):
        kb.search("污水", doc="no-such-doc")
    name = kb.documents[0]
    assert {h.node.doc for h in kb.search("污水", doc=name[:3])} == {name}, "a unique part of a name will do"
    with pytest.raises(QueryError):
        kb.search("  ？ ")
    with pytest.raises(QueryError):
        kb.search("污水" * 400)


def test_rebuild_reembeds_only_what_changed(corpus: Path, tmp_path: Path):
    index = tmp_path / "index"
    loads: list[HashEncoder] = []

    def lazy() -> LazyEncoder:
        """Like `kb build`: the model is named up front and loaded only if something needs embedding."""
        return LazyEncoder(HashEncoder().spec, lambda: loads.append(HashEncoder()) or loads[-1])

    first = build(corpus, index, lazy())
    assert first.reused == 0 and first.embedded == first.chunks
    assert len(loads) == 1
    again = build(corpus, index, lazy())
    assert again.embedded == 0 and again.reused == first.chunks
    assert len(loads) == 1  # nothing new: the model was never loaded
    assert KnowledgeBase.manifest(index).model.dim == 64  # the width came from the reused vectors
    (corpus / "extra.txt").write_text("第一章 补充\n\n新增条款。到2025年新增湿地公园3个。\n", encoding="utf-8")
    third = build(corpus, index, lazy())
    assert 0 < third.embedded < third.chunks
    assert third.reused == first.chunks
    assert len(loads) == 2 and loads[-1].calls == [third.embedded]


def test_rebuild_reuses_vectors_of_an_older_format(corpus: Path, tmp_path: Path):
    index = tmp_path / "index"
    first = build(corpus, index)
    manifest = json.loads((index / "manifest.json").read_text(encoding="utf-8"))
    manifest["format"] = 1
    (index / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    with pytest.raises(IndexMismatch, match="rebuild"):
        KnowledgeBase.open(index, encoder=HashEncoder())
    again = build(corpus, index)
    assert again.reused == first.chunks and again.embedded == 0
    KnowledgeBase.open(index, encoder=HashEncoder())


def test_rebuild_with_a_different_width_embeds_everything(corpus: Path, tmp_path: Path):
    index = tmp_path / "index"
    build(corpus, index)
    (corpus / "extra.txt").write_text("第一章 补充\n\n新增条款。到2025年新增湿地公园3个。\n", encoding="utf-8")
    again = build(corpus, index, HashEncoder(dim=32))  # same name, another width: the vectors cannot mix
    assert again.embedded == again.chunks and again.reused == 0
    assert KnowledgeBase.open(index, encoder=HashEncoder(dim=32)).data.dense.dim == 32


def test_same_plan_twice_is_indexed_once(corpus: Path, tmp_path: Path):
    text = (corpus / "mini_plan.txt").read_text(encoding="utf-8")
    (corpus / "copy_gbk.txt").write_bytes(text.replace("\n\n", "\n\n\n").encode("gb18030"))
    report = build(corpus, tmp_path / "index")
    assert len(report.documents) == 1
    assert any("same content" in w for w in report.warnings)


def test_failed_build_keeps_previous_index(corpus: Path, tmp_path: Path):
    index = tmp_path / "index"
    build(corpus, index)
    before = (index / "manifest.json").read_text(encoding="utf-8")

    class Broken(HashEncoder):
        def encode(self, texts, kind):
            raise RuntimeError("boom")

    (corpus / "new.txt").write_text("第一章 新\n\n全新的条款内容。\n", encoding="utf-8")
    with pytest.raises(RuntimeError):
        build(corpus, index, Broken())
    assert (index / "manifest.json").read_text(encoding="utf-8") == before
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".index.") and p.name != ".index.lock"]
    KnowledgeBase.open(index, encoder=HashEncoder()).search("污水")


def test_load_checks_the_manifest(corpus: Path, tmp_path: Path):
    index = tmp_path / "index"
    with pytest.raises(IndexMissing, match="kb build"):
        KnowledgeBase.open(index)
    build(corpus, index)
    with pytest.raises(IndexMismatch, match="built with model 'fake-bigram-hash'"):
        KnowledgeBase.open(index, model="BAAI/bge-small-zh-v1.5")
    manifest = json.loads((index / "manifest.json").read_text(encoding="utf-8"))
    manifest["format"] = 99
    (index / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    with pytest.raises(IndexMismatch, match="format 99"):
        KnowledgeBase.open(index)
    manifest["format"] = FORMAT_VERSION
    (index / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    (index / "dense.faiss").unlink()
    with pytest.raises(IndexDamaged, match="dense.faiss"):
        KnowledgeBase.open(index)


def test_manifest_and_loaded_index_are_typed(corpus: Path, tmp_path: Path):
    index = tmp_path / "index"
    report = build(corpus, index)
    manifest = KnowledgeBase.manifest(index)
    assert isinstance(manifest, Manifest)
    assert [d.name for d in manifest.documents] == ["mini_plan"]
    assert manifest.counts.chunks == report.chunks and manifest.counts.leaves == report.leaves
    assert manifest.model.to_spec() == HashEncoder().spec
    kb = KnowledgeBase.open(index, encoder=HashEncoder())
    assert kb.data.manifest == manifest
    assert len(kb.data.dense) == report.chunks and len(kb.data.lexical) == report.leaves
    assert kb.documents == ["mini_plan"]


def test_files_that_disagree_are_damage(corpus: Path, tmp_path: Path):
    index = tmp_path / "index"
    build(corpus, index)
    with open(index / "chunks.jsonl", encoding="utf-8") as f:
        lines = f.readlines()
    (index / "chunks.jsonl").write_text("".join(lines[:-1]), encoding="utf-8")
    with pytest.raises(IndexDamaged, match=r"index/chunks.jsonl: damaged: [\d,]+ bytes, the build wrote"):
        KnowledgeBase.open(index)
    (index / "chunks.jsonl").write_text("".join(lines), encoding="utf-8")
    (index / "nodes.jsonl").write_text("", encoding="utf-8")
    (index / "manifest.json").write_text(  # a manifest that no longer records sizes (format 2)
        json.dumps({**json.loads((index / "manifest.json").read_text(encoding="utf-8")), "format": 2}),
        encoding="utf-8")
    with pytest.raises(IndexDamaged, match="disagree"):
        KnowledgeBase.open(index)


def test_where_questions_get_the_heading_that_holds_the_passage(tmp_path: Path):
    index = tmp_path / "index"
    KnowledgeBase.build(DATA / "small_plan.txt", index, encoder=HashEncoder(), progress=False)
    kb = KnowledgeBase.open(index, encoder=HashEncoder())
    box = kb.search("扬尘在线监测点位写在哪个专栏？", k=3)[0]
    assert box.node.kind == "box" and box.node.title == "专栏二 重点项目"
    first, rest = box.node.text.split("\n", 1)
    assert first == "第二章 重点任务 › 专栏二 重点项目" and "扬尘在线监测点位" in rest
    chapter = kb.search("施工扬尘监管是第几章的内容？", k=3)
    assert chapter[0].node.kind == "chapter" and chapter[0].node.title == "第二章 重点任务"
    assert len({(h.node.doc, h.node.id) for h in chapter}) == len(chapter), "one hit per heading"
    plain = kb.search("施工扬尘监管", k=3)[0]
    assert plain.node.kind == "clause", "other questions still get the passage itself"


def test_a_question_that_names_a_document_prefers_its_passages(tmp_path: Path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    body = "一、工作目标\n到2025年，城市公园绿地服务半径覆盖率达到90%。\n二、保障措施\n加强组织领导。\n"
    (corpus / "a.txt").write_text("青山县公园建设实施方案\n" + body, encoding="utf-8")
    (corpus / "b.txt").write_text("绿水市公园建设实施方案\n" + body.replace("90%", "85%"), encoding="utf-8")
    index = tmp_path / "index"
    KnowledgeBase.build(corpus, index, encoder=HashEncoder(), progress=False)
    kb = KnowledgeBase.open(index, encoder=HashEncoder())
    for place, doc, value in (("青山县", "a", "90%"), ("绿水市", "b", "85%")):
        top = kb.search(f"{place}公园绿地服务半径覆盖率要达到多少？", k=2)[0]
        assert top.node.doc == doc and value in top.node.text


def test_what_reading_a_document_found_reaches_the_build_report(tmp_path: Path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    memo = ["会议纪要。", "会议听取了工作汇报，研究了下一步安排。", "会议要求各单位抓好落实。",
            "会议强调要加强督促检查，确保各项工作按期完成。", "特此纪要。"]
    (corpus / "memo.txt").write_text("\n\n".join(memo), encoding="utf-8")
    report = build(corpus, tmp_path / "index")
    assert any("memo.txt" in w and "no heading structure" in w for w in report.warnings)
