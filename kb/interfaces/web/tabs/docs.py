"""文档: the documents of the knowledge base, and (for editors) uploading, re-indexing and removing them.

An upload is parsed first and its preview shown (counts, warnings, outline);
only 加入索引 indexes it.  The index is rebuilt in place with the other
documents' windows reused (Shelf.update), while every other session keeps
searching the old index until the new one is swapped in.  Who may change
documents is :func:`kb.interfaces.web.access.can_edit`'s call (the user's role,
with logins), checked when the page loads (the controls) and again in every
handler (the action); each change is written to the audit log.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Sequence
from datetime import datetime, timezone
from html import escape
from pathlib import Path

import gradio as gr

from kb.document import LEAF_KINDS, Document
from kb.errors import KBError
from kb.interfaces.web import views
from kb.interfaces.web.access import can_edit
from kb.interfaces.web.access import record as audit_change
from kb.interfaces.web.source import real_pages
from kb.interfaces.web.tabs.common import Wiring
from kb.knowledge import KnowledgeBase

KINDS_ZH = {".txt": "文本", ".md": "Markdown", ".markdown": "Markdown", ".pdf": "PDF", ".docx": "Word",
            ".html": "网页", ".htm": "网页"}
NOT_ALLOWED = "你没有修改文档的权限。"
#: Gradio's progress bar for a handler (it follows tqdm bars too: OCR pages, embedding batches).
TRACK = gr.Progress(track_tqdm=True)


def document_rows(kb: KnowledgeBase, notes: dict | None = None) -> list[dict]:
    """One row per indexed document: kind, pages, clause and box counts, warnings, when it was built."""
    notes = notes or {}
    built = local_time(kb.data.manifest.built_at)
    rows = []
    for record in kb.data.manifest.documents:
        nodes = [n for n in kb.nodes if n.doc == record.name]
        pages = max((n.page_end or n.page or 0 for n in nodes), default=0)
        suffix = Path(record.path).suffix.lower()
        note = notes.get(record.name)
        warnings = [w for w in kb.data.manifest.warnings if record.path in w or record.name in w]
        warnings += list(note.warnings) if note else []
        rows.append({
            "name": record.name, "kind": KINDS_ZH.get(suffix, suffix.lstrip(".") or "—"),
            "pages": pages, "estimated": bool(pages) and not real_pages(kb, record.name),
            "clauses": sum(1 for n in nodes if n.kind in LEAF_KINDS and n.text),
            "boxes": sum(1 for n in nodes if n.kind == "box"), "warnings": list(dict.fromkeys(warnings)),
            "built": note.added if note else built,
            "seconds": note.seconds if note else None, "path": record.path,
        })
    return rows


def local_time(stamp: str) -> str:
    """The manifest's UTC build time ('2025-01-02T03:04:05Z') in the server's local time, to the minute."""
    try:
        when = datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc)
    except ValueError:
        return stamp
    return when.astimezone().strftime("%Y-%m-%d %H:%M")


def documents_html(rows: Sequence[dict]) -> str:
    """The documents as a table (cards on a phone)."""
    head = ("<tr><th>文件</th><th>类型</th><th>页数</th><th>条款</th><th>专栏</th><th>解析提示</th>"
            "<th>建立时间</th></tr>")
    body = []
    for r in rows:
        pages = (f"约 {r['pages']}（估算）" if r["estimated"] else str(r["pages"])) if r["pages"] else "—"
        warn = ("<ul>" + "".join(f"<li>{views.text(w)}</li>" for w in r["warnings"]) + "</ul>"
                if r["warnings"] else '<span class="none">无</span>')
        took = f"，用时 {r['seconds']:.1f} 秒" if r.get("seconds") else ""
        body.append(
            f'<tr class="doc-row"><td data-label="文件"><b>{escape(r["name"])}</b></td>'
            f'<td data-label="类型">{escape(r["kind"])}</td><td data-label="页数">{escape(pages)}</td>'
            f'<td data-label="条款">{r["clauses"]}</td><td data-label="专栏">{r["boxes"]}</td>'
            f'<td data-label="解析提示">{warn}</td><td data-label="建立时间">{escape(r["built"] + took)}</td></tr>')
    return (f'<div class="docs-summary">共 {len(rows)} 份文件</div>'
            f'<table class="docs-table">{head}{"".join(body)}</table>')


def list_view(wiring: Wiring, name: str | None) -> str:
    kb = wiring.kb(name)
    return documents_html(document_rows(kb, wiring.shelf.notes(name)))


# ------------------------------------------------------------------ changing


def preview_upload(wiring: Wiring, name: str | None, file_path: str | None, request=None):
    """An upload parsed, not indexed: (preview HTML, the pending upload or None, add button update)."""
    if not can_edit(request, wiring.logins, "upload"):
        return views.empty_result(NOT_ALLOWED), None, gr.update(interactive=False)
    if not file_path:
        return "", None, gr.update(interactive=False)
    kb = wiring.kb(name)
    path = Path(file_path)
    filename = path.name
    suffix = path.suffix.lower()
    if suffix not in kb.supported_suffixes():
        kinds = "、".join(kb.supported_suffixes())
        return views.empty_result(f"{filename}：不支持这种文件（可以上传 {kinds}）。"), None, gr.update(
            interactive=False)
    start = time.time()
    try:
        doc = kb.parse(path)
    except KBError as e:
        return views.empty_result(f"{filename}：无法解析（{e}）"), None, gr.update(interactive=False)
    pending = {"path": str(path), "filename": filename, "doc": doc, "seconds": round(time.time() - start, 2)}
    html = views.parse_preview(doc.name, doc.nodes, doc.warnings, replaces=doc.name in kb.documents)
    return html, pending, gr.update(interactive=True)


def add_upload(wiring: Wiring, name: str | None, pending: dict | None, request=None, progress=None) -> str:
    """Index the previewed upload (kept in the uploads folder, so it can be re-indexed later)."""
    if not can_edit(request, wiring.logins, "upload"):
        return views.empty_result(NOT_ALLOWED)
    if not pending:
        return views.empty_result("请先上传一个文件并查看解析结果。")
    if progress is not None:
        progress(0.1, desc="保存文件…")
    kept = wiring.shelf.keep_upload(name, pending["path"], pending["filename"])
    doc: Document = dataclasses.replace(pending["doc"], path=str(kept))
    if progress is not None:
        progress(0.3, desc="嵌入新条款并更新索引（其他人可以继续查询）…")
    try:
        report = wiring.shelf.update(name, add=[doc], seconds={doc.name: pending.get("seconds", 0.0)})
    except KBError as e:
        return views.empty_result(f"没有加入索引：{e}")
    if progress is not None:
        progress(1.0, desc="完成")
    audit_change(request, wiring.logins, "upload", doc.name, index=wiring.shelf.name(name), file=pending["filename"],
           embedded=report.embedded)
    return (f'<div class="kb-ok">已加入《{escape(doc.name)}》：{len([n for n in doc.nodes if n.text])} 个段落，'
            f"新嵌入 {report.embedded} 个片段、复用 {report.reused} 个，用时 {report.seconds:.1f} 秒。现在可以提问了。</div>")


def remove_document(wiring: Wiring, name: str | None, doc: str | None, confirmed: bool, request=None) -> str:
    """Take one document out of the index (the last one cannot go: an index needs a document)."""
    if not can_edit(request, wiring.logins, "remove"):
        return views.empty_result(NOT_ALLOWED)
    kb = wiring.kb(name)
    if not doc or doc not in kb.documents:
        return views.empty_result("请选择要删除的文件。")
    if not confirmed:
        return views.empty_result("请先勾选“确认删除”。")
    if len(kb.documents) == 1:
        return views.empty_result("这是知识库中唯一的文件，不能删除。")
    try:
        wiring.shelf.update(name, remove=[doc])
    except KBError as e:
        return views.empty_result(f"没有删除：{e}")
    audit_change(request, wiring.logins, "remove", doc, index=wiring.shelf.name(name))
    return f'<div class="kb-ok">已从索引中删除《{escape(doc)}》。</div>'


def reindex_document(wiring: Wiring, name: str | None, doc: str | None, request=None, progress=None) -> str:
    """Parse one document again from its file and rebuild the index with it."""
    if not can_edit(request, wiring.logins, "upload"):
        return views.empty_result(NOT_ALLOWED)
    kb = wiring.kb(name)
    record = next((d for d in kb.data.manifest.documents if d.name == doc), None)
    if record is None:
        return views.empty_result("请选择要重新索引的文件。")
    path = Path(record.path)
    if not path.is_file():
        return views.empty_result(f"找不到原文件 {record.path}，请重新上传。")
    if progress is not None:
        progress(0.2, desc="重新解析…")
    start = time.time()
    try:
        fresh = kb.parse(path)
    except KBError as e:
        return views.empty_result(f"无法解析：{e}")
    if fresh.name != doc:
        fresh = dataclasses.replace(fresh, name=doc, nodes=tuple(dataclasses.replace(n, doc=doc) for n in fresh.nodes))
    if progress is not None:
        progress(0.5, desc="更新索引…")
    try:
        report = wiring.shelf.update(name, add=[fresh], seconds={doc: round(time.time() - start, 2)})
    except KBError as e:
        return views.empty_result(f"没有重新索引：{e}")
    audit_change(request, wiring.logins, "reindex", doc, index=wiring.shelf.name(name), embedded=report.embedded)
    warn = f"，{len(fresh.warnings)} 条解析提示" if fresh.warnings else ""
    return (f'<div class="kb-ok">已重新索引《{escape(doc)}》：新嵌入 {report.embedded} 个片段{warn}，'
            f"用时 {report.seconds:.1f} 秒。</div>")


def build(wiring: Wiring) -> list:
    """The list, then the editors' controls: upload with preview, re-index and remove.

    Returns the events that change the index, for the app to chain its redraw of
    every tab after them.
    """
    kb0 = wiring.kb(None)
    listing = gr.HTML(list_view(wiring, None), elem_id="docs-list")
    kinds = list(kb0.supported_suffixes())
    with gr.Column(visible=True, elem_id="docs-edit") as editing:
        gr.Markdown(f"**上传文件**（{'、'.join(kinds)}）：先看解析结果，确认后再加入索引。")
        upload = gr.File(label="选择或拖入文件", file_types=kinds, file_count="single", elem_id="docs-upload",
                         type="filepath")
        preview = gr.HTML(elem_id="docs-preview")
        add = gr.Button("加入索引", variant="primary", interactive=False, elem_id="docs-add")
        with gr.Row():
            pick = gr.Dropdown(kb0.documents, value=None, label="选择文件", elem_id="docs-pick", scale=3)
            reindex = gr.Button("重新索引", elem_id="docs-reindex", scale=1)
            confirm = gr.Checkbox(False, label="确认删除", elem_id="docs-confirm", scale=1)
            remove = gr.Button("删除", variant="stop", elem_id="docs-remove", scale=1)
    status = gr.HTML(elem_id="docs-status")
    pending = gr.State(None)
    selector = wiring.selector

    def on_upload(name: str, file_path: str, request: gr.Request, progress=TRACK):
        return preview_upload(wiring, name, file_path, request)

    def on_add(name: str, pending_: dict, request: gr.Request, progress=TRACK):
        return add_upload(wiring, name, pending_, request, progress), None, gr.update(interactive=False), None, ""

    def on_reindex(name: str, doc: str, request: gr.Request, progress=TRACK):
        return reindex_document(wiring, name, doc, request, progress)

    def on_remove(name: str, doc: str, confirmed: bool, request: gr.Request):
        return remove_document(wiring, name, doc, confirmed, request), False

    upload.upload(on_upload, [selector, upload], [preview, pending, add], api_visibility="private")
    upload.clear(lambda: ("", None, gr.update(interactive=False)), None, [preview, pending, add],
                 api_visibility="private")
    changes = [
        add.click(on_add, [selector, pending], [status, pending, add, upload, preview], api_visibility="private"),
        reindex.click(on_reindex, [selector, pick], status, api_visibility="private"),
        remove.click(on_remove, [selector, pick, confirm], [status, confirm], api_visibility="private"),
    ]

    def allowed(request: gr.Request):
        return gr.update(visible=can_edit(request, wiring.logins, "upload"))

    wiring.demo_load.append((allowed, [], [editing]))
    wiring.on_change([listing, pick], lambda kb: [
        documents_html(document_rows(kb, wiring.shelf.notes(_name_of(wiring, kb)))),
        gr.update(choices=kb.documents, value=None)])
    return changes


def _name_of(wiring: Wiring, kb: KnowledgeBase) -> str:
    """The shelf name of an open knowledge base (its folder's entry)."""
    return next((n for n in wiring.shelf.names if wiring.shelf.folder(n) == kb.index_dir), wiring.shelf.default)
