"""The 文档 tab's handlers and the shelf behind them: upload with preview, incremental rebuild, remove, re-index.

Each test builds its own small index (fake encoder), since these handlers change it.
"""

from __future__ import annotations

import re
import shutil
import threading

import pytest
from support.fakes import HashEncoder
from support.paths import DATA

from kb.errors import KBError
from kb.interfaces.web import app
from kb.interfaces.web.shelf import Shelf
from kb.interfaces.web.tabs import docs
from kb.interfaces.web.tabs.common import Wiring
from kb.knowledge import KnowledgeBase


@pytest.fixture()
def wiring(tmp_path):
    """A shelf of one knowledge base (two small plans) in tmp_path/kbs/plans, with a counting fake encoder."""
    encoder = HashEncoder()
    folder = tmp_path / "kbs" / "plans"
    KnowledgeBase.build([DATA / "small_plan.txt", DATA / "mini_plan.txt"], folder, encoder=encoder, progress=False)
    shelf = Shelf.from_root(tmp_path / "kbs", encoder=encoder)
    return Wiring(shelf, None, None)


def upload(tmp_path, name: str = "hanzi_opinion.txt"):
    """A file as Gradio hands an upload over: a copy in a temporary folder of its own."""
    folder = tmp_path / "gradio-upload"
    folder.mkdir(exist_ok=True)
    return str(shutil.copy(DATA / name, folder / name))


def test_the_list_shows_each_document_with_its_counts(wiring):
    kb = wiring.kb("plans")
    rows = docs.document_rows(kb)
    assert [r["name"] for r in rows] == kb.documents == ["small_plan", "mini_plan"]
    small = rows[0]
    nodes = [n for n in kb.nodes if n.doc == "small_plan"]
    assert small["kind"] == "文本" and small["clauses"] == sum(1 for n in nodes if n.text and n.kind in
                                                                ("clause", "item", "row", "preamble"))
    assert small["boxes"] == sum(1 for n in nodes if n.kind == "box") and re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d", small["built"])
    html = docs.documents_html(rows)
    assert "共 2 份文件" in html and html.count('<tr class="doc-row">') == 2 and 'data-label="解析提示"' in html


def test_an_upload_is_previewed_then_indexed_incrementally_then_searchable(wiring, tmp_path):
    before = wiring.kb("plans")
    chunks_before = len(before.data.chunks)
    html, pending, button = docs.preview_upload(wiring, "plans", upload(tmp_path))
    assert "《hanzi_opinion》解析结果" in html and "结构预览" in html and button["interactive"] is True
    assert pending["doc"].name == "hanzi_opinion" and "hanzi_opinion" not in before.documents  # not indexed yet
    said = docs.add_upload(wiring, "plans", pending)
    assert "已加入《hanzi_opinion》" in said
    after = wiring.kb("plans")
    assert after is not before and after.documents == ["small_plan", "mini_plan", "hanzi_opinion"]
    assert f"复用 {chunks_before} 个" in said  # the other documents' windows were not embedded again
    assert before.documents == ["small_plan", "mini_plan"]  # a session still holding the old one is unaffected
    kept = wiring.shelf.uploads("plans") / "hanzi_opinion.txt"
    record = next(d for d in after.data.manifest.documents if d.name == "hanzi_opinion")
    assert kept.is_file() and record.path == str(kept)  # kept for re-indexing, outside the index folder
    hit = after.search("hanzi_opinion", k=3, doc="hanzi_opinion")
    assert hit and all(h.node.doc == "hanzi_opinion" for h in hit)
    notes = wiring.shelf.notes("plans")
    assert notes["hanzi_opinion"].source == str(kept) and notes["hanzi_opinion"].added
    assert "hanzi_opinion" in docs.list_view(wiring, "plans")


def test_a_document_is_removed_and_the_last_one_cannot_be(wiring):
    assert "勾选" in docs.remove_document(wiring, "plans", "mini_plan", False)
    assert "已从索引中删除《mini_plan》" in docs.remove_document(wiring, "plans", "mini_plan", True)
    kb = wiring.kb("plans")
    assert kb.documents == ["small_plan"] and not [n for n in kb.nodes if n.doc == "mini_plan"]
    assert all(h.node.doc == "small_plan" for h in kb.search("规划", k=10))
    assert "唯一" in docs.remove_document(wiring, "plans", "small_plan", True)
    assert "请选择" in docs.remove_document(wiring, "plans", "nothing", True)


def test_a_document_is_re_indexed_from_its_file(wiring, tmp_path):
    _, pending, _ = docs.preview_upload(wiring, "plans", upload(tmp_path))
    docs.add_upload(wiring, "plans", pending)
    said = docs.reindex_document(wiring, "plans", "hanzi_opinion")
    assert "已重新索引《hanzi_opinion》：新嵌入 0 个片段" in said  # same text: every window reused
    assert wiring.kb("plans").documents == ["small_plan", "mini_plan", "hanzi_opinion"]
    (wiring.shelf.uploads("plans") / "hanzi_opinion.txt").unlink()
    assert "找不到原文件" in docs.reindex_document(wiring, "plans", "hanzi_opinion")


def test_bad_uploads_are_refused_in_one_line(wiring, tmp_path):
    odd = tmp_path / "notes.xyz"
    odd.write_text("某县规划", encoding="utf-8")
    html, pending, button = docs.preview_upload(wiring, "plans", str(odd))
    assert "notes.xyz：不支持这种文件" in html and pending is None and button["interactive"] is False
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    html, pending, _ = docs.preview_upload(wiring, "plans", str(empty))
    assert "empty.txt：无法解析" in html and pending is None
    assert "请先上传" in docs.add_upload(wiring, "plans", None)


def test_only_editors_change_documents_and_each_change_is_audited(wiring, tmp_path):
    from types import SimpleNamespace

    from kb.auth import UserStore, read_audit
    from kb.interfaces.web.security import Logins

    store = UserStore(tmp_path / "users.json")
    store.add("reader1", "secret-1234", "reader")
    store.add("editor1", "secret-1234", "editor")
    wiring.logins = Logins(store, tmp_path / "audit.jsonl")
    reader, editor = SimpleNamespace(username="reader1"), SimpleNamespace(username="editor1")
    _, pending, _ = docs.preview_upload(wiring, "plans", upload(tmp_path), reader)
    assert pending is None
    assert docs.NOT_ALLOWED in docs.add_upload(wiring, "plans", {"doc": None}, reader)
    assert docs.NOT_ALLOWED in docs.remove_document(wiring, "plans", "mini_plan", True, reader)
    assert docs.NOT_ALLOWED in docs.reindex_document(wiring, "plans", "mini_plan", reader)
    assert docs.NOT_ALLOWED in docs.remove_document(wiring, "plans", "mini_plan", True, None)  # no login at all
    assert wiring.kb("plans").documents == ["small_plan", "mini_plan"]
    _, pending, _ = docs.preview_upload(wiring, "plans", upload(tmp_path), editor)
    assert "已加入" in docs.add_upload(wiring, "plans", pending, editor)
    assert "已从索引中删除" in docs.remove_document(wiring, "plans", "mini_plan", True, editor)
    log = [(r["user"], r["action"], r["document"]) for r in read_audit(tmp_path / "audit.jsonl")]
    assert log == [("editor1", "upload", "hanzi_opinion"), ("editor1", "remove", "mini_plan")]


def test_one_build_at_a_time_per_knowledge_base(wiring, tmp_path, monkeypatch):
    started, release = threading.Event(), threading.Event()
    rebuild = KnowledgeBase.rebuild

    def slow(self, *args, **kwargs):
        started.set()
        release.wait(10)
        return rebuild(self, *args, **kwargs)

    monkeypatch.setattr(KnowledgeBase, "rebuild", slow)
    worker = threading.Thread(target=wiring.shelf.update, args=("plans",), kwargs={"remove": ["mini_plan"]})
    worker.start()
    assert started.wait(10) and wiring.shelf.busy("plans")
    old = wiring.kb("plans")
    assert old.search("规划", k=1)  # searching goes on during the build
    with pytest.raises(KBError, match="另一个更新正在进行"):
        wiring.shelf.update("plans", remove=["small_plan"])
    release.set()
    worker.join(10)
    assert wiring.kb("plans").documents == ["small_plan"] and not wiring.shelf.busy("plans")


def test_a_root_of_several_knowledge_bases(tmp_path):
    for name, plan in (("a", "small_plan.txt"), ("b", "mini_plan.txt")):
        KnowledgeBase.build([DATA / plan], tmp_path / name, encoder=HashEncoder(), progress=False)
    (tmp_path / "uploads").mkdir()  # the app's own folder is not a knowledge base
    shelf = Shelf.from_root(tmp_path, encoder=HashEncoder())
    assert shelf.names == ["a", "b"] and shelf.default == "a" and shelf.name("zzz") == "a"
    assert shelf.get("b").documents == ["mini_plan"] and shelf.feedback_file("b") == tmp_path / "feedback.jsonl"
    demo = app.create_app(shelf)
    selector = next(b for b in demo.blocks.values() if getattr(b, "elem_id", None) == "kb-select")
    assert selector.visible is True and [c[1] for c in selector.choices] == ["a", "b"]
    with pytest.raises(KBError, match="no index folder"):
        Shelf.from_root(tmp_path / "uploads")
