"""The source beside a citation: the PDF page with the passage's lines highlighted, or the passage in its text.

A PDF's pages are real, so a citation into one opens the page itself, rendered
by PDFium (pypdfium2).  The passage is found on the page by its own source lines
(``Node.original``, as extracted) against the page's text layer, character for
character after folding (NFKC, case, whitespace), and each matched run of
characters becomes a box over its line, in fractions of the page so the marks
stay put at any screen width.  Other formats have no pages of their own (a .txt
edition's page numbers are interpolated from its contents page), so their
citations open the document's text, scrolled to the passage and marked, and
say that the page numbers are estimates.

Only files the index records are ever opened: the browser names a document and
a node, never a path.
"""

from __future__ import annotations

import base64
import io
import threading
import unicodedata
from collections import OrderedDict
from collections.abc import Sequence
from pathlib import Path

from kb.document import Node
from kb.interfaces.web import views
from kb.knowledge import KnowledgeBase

__all__ = ["passage_boxes", "pdf_file", "render_page", "source_panel"]

#: Rendered width of a page in pixels: sharp on a desktop panel, light enough for a phone.
PAGE_PIXELS = 900
#: Rendered pages kept in memory (a few MB each as JPEG).
CACHE_PAGES = 24
#: Source lines shorter than this (after folding) are not searched for on their own: too ambiguous.
MIN_LINE = 2
#: Pages of a passage shown at most (a clause rarely spans more than two).
MAX_PAGES = 3

_cache: OrderedDict[tuple, tuple[str, tuple[float, float]]] = OrderedDict()
_lock = threading.Lock()


def pdf_file(kb: KnowledgeBase, doc: str) -> Path | None:
    """The PDF a document was indexed from, if it was one and is still where the index says."""
    record = next((d for d in kb.data.manifest.documents if d.name == doc), None)
    if record is None or not record.path.lower().endswith(".pdf"):
        return None
    path = Path(record.path)
    for candidate in (path, kb.index_dir.parent / path):
        if candidate.is_file():
            return candidate
    return None


def real_pages(kb: KnowledgeBase, doc: str) -> bool:
    """Whether the document's page numbers are printed pages (a PDF), not estimates."""
    record = next((d for d in kb.data.manifest.documents if d.name == doc), None)
    return record is not None and record.path.lower().endswith(".pdf")


def render_page(path: Path, page: int) -> tuple[str, tuple[float, float]]:
    """Page ``page`` (1-based) of a PDF as a JPEG data URI, and the page's size in points; cached."""
    import pypdfium2 as pdfium

    key = (str(path), path.stat().st_mtime_ns, page)
    with _lock:
        if key in _cache:
            _cache.move_to_end(key)
            return _cache[key]
    pdf = pdfium.PdfDocument(str(path))
    try:
        sheet = pdf[page - 1]
        width, height = sheet.get_size()
        image = sheet.render(scale=PAGE_PIXELS / width).to_pil().convert("RGB")
        buf = io.BytesIO()
        image.save(buf, format="JPEG", quality=82)
        value = ("data:image/jpeg;base64," + base64.b64encode(buf.getvalue()).decode("ascii"), (width, height))
    finally:
        pdf.close()
    with _lock:
        _cache[key] = value
        while len(_cache) > CACHE_PAGES:
            _cache.popitem(last=False)
    return value


def _fold(ch: str) -> str:
    return unicodedata.normalize("NFKC", ch).casefold()


def passage_boxes(path: Path, page: int, lines: Sequence[str]) -> list[tuple[float, float, float, float]]:
    """Boxes (left, top, width, height as fractions of the page) over the passage's lines on ``page``.

    Each source line is looked for in the page's text layer after the previous one,
    so a passage that repeats a phrase is marked where it stands.
    """
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(str(path))
    try:
        sheet = pdf[page - 1]
        width, height = sheet.get_size()
        text = sheet.get_textpage()
        count = text.count_chars()
        chars = text.get_text_range(0, count)
        keys: list[str] = []
        where: list[int] = []
        for i, ch in enumerate(chars[:count]):
            folded = _fold(ch)
            if not folded or folded.isspace():
                continue
            keys.append(folded[0])
            where.append(i)
        page_key = "".join(keys)
        hits: list[int] = []
        pos = 0
        for line in lines:
            key = "".join(c[0] for c in (_fold(ch) for ch in line) if c and not c.isspace())
            if len(key) < MIN_LINE:
                continue
            at = page_key.find(key, pos)
            if at < 0:
                at = page_key.find(key)
            if at < 0:
                continue
            hits.extend(where[at: at + len(key)])
            pos = at + len(key)
        rects = [text.get_charbox(i) for i in sorted(set(hits))]
    finally:
        pdf.close()
    return [(x0 / width, 1 - y1 / height, (x1 - x0) / width, (y1 - y0) / height)
            for x0, y0, x1, y1 in _merge_lines(rects)]


def _merge_lines(rects: Sequence[tuple[float, float, float, float]], pad: float = 1.5):
    """Character boxes (left, bottom, right, top) merged into one box per printed line."""
    lines: list[list[float]] = []
    for left, bottom, right, top in rects:
        if right <= left or top <= bottom:
            continue
        mid = (bottom + top) / 2
        for box in lines:
            if box[1] <= mid <= box[3]:
                box[0], box[1], box[2], box[3] = min(box[0], left), min(box[1], bottom), max(box[2], right), max(
                    box[3], top)
                break
        else:
            lines.append([left, bottom, right, top])
    return [(a - pad, b - pad, c + pad, d + pad) for a, b, c, d in lines]


def _lines(node: Node) -> list[str]:
    """What to look for on the page: the source lines, or for a table row its cells (the category, which
    spans many rows, left out)."""
    if node.kind == "row" and node.columns:
        return [v for h, v in node.columns if v and h != "类别"]
    source = node.original or node.text
    return [line for line in source.split("\n") if line.strip()]


def pdf_pages(kb: KnowledgeBase, node: Node, path: Path) -> str:
    """The passage's page(s), rendered, with its lines highlighted."""
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(str(path))
    try:
        total = len(pdf)
    finally:
        pdf.close()
    first = node.page or 1
    last = min(node.page_end or first, first + MAX_PAGES - 1, total)
    out = []
    for page in range(first, last + 1):
        if not 1 <= page <= total:
            continue
        uri, _ = render_page(path, page)
        out.append(views.page_view(node, page, uri, passage_boxes(path, page, _lines(node)), total))
    return "".join(out) or views.hint_html("这一页不在 PDF 文件中。")


def source_panel(kb: KnowledgeBase, doc: str, node_id: str) -> str:
    """What opens beside a citation: the PDF page(s) with the passage marked, or the document's text."""
    node = kb.node(node_id, doc) if node_id else None
    if node is None:
        return views.hint_html("找不到这条出处（索引可能已更新），请重新提问。")
    path = pdf_file(kb, doc)
    if path is not None and node.page:
        try:
            return views.source_html(node, pdf_pages(kb, node, path), real_pages=True)
        except Exception as e:  # a PDF PDFium cannot render: the text still shows where the passage stands
            note = views.hint_html(f"PDF 页面无法显示（{type(e).__name__}），下面是文字版。")
            body = note + views.document_view(_doc_nodes(kb, doc), target=node.id)
            return views.source_html(node, body, real_pages=False)
    note = "" if path is not None or not real_pages(kb, doc) else views.hint_html("找不到原 PDF 文件，下面是文字版。")
    estimated = bool(node.page) and not real_pages(kb, doc)
    body = note + views.document_view(_doc_nodes(kb, doc), target=node.id, estimated=estimated)
    return views.source_html(node, body, real_pages=False)


def _doc_nodes(kb: KnowledgeBase, doc: str) -> list[Node]:
    return [n for n in kb.nodes if n.doc == doc]
