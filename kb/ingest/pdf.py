"""PDF: the text layer through pypdf, scanned pages through OCR, decided page by page.

Each visual line keeps its page, font size and x position; cleaning rebuilds
paragraphs, headings and tables from them.  A page with no usable text layer that
paints an image (a scan) is read by OCR (kb.ingest.ocr), so a PDF that mixes typeset
and scanned pages is read whole.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from kb.ingest.raw import IngestError, Line, RawDocument, Segment, body_size, read_bytes, sha256_bytes

log = logging.getLogger(__name__)

#: A page whose text layer has fewer characters than this is a scan when it paints a large image.
MIN_PAGE_CHARS = 20
#: ... and "large" means covering this share of the page.
MIN_IMAGE_SHARE = 0.3
#: Below this mean confidence an OCR'd document gets a warning to check quotations against the scan.
LOW_CONFIDENCE = 0.9


def load_pdf(path: Path, ocr: bool | None = None) -> RawDocument:
    """Read a PDF: text-layer pages with pypdf, scanned pages with OCR.

    ``ocr`` None means "when the OCR engine is installed"; False never OCRs (a scanned
    page then only earns a warning, or an error when no page has text).
    """
    from io import BytesIO

    from pypdf import PdfReader

    data = read_bytes(path)
    if not data.strip():
        raise IngestError(path, "the file is empty")
    if b"%PDF-" not in data[:1024]:
        raise IngestError(path, "this is not a PDF (it does not start with %PDF-)")
    try:
        reader = PdfReader(BytesIO(data))
        encrypted = reader.is_encrypted
    except Exception as e:  # pypdf raises many kinds on junk: PdfReadError, KeyError, ValueError …
        raise IngestError(path, f"not a readable PDF, damaged or truncated ({type(e).__name__}: {e})") from e
    if encrypted:
        try:
            ok = reader.decrypt("")
        except Exception as e:  # pypdf raises several kinds here
            raise IngestError(path, f"the PDF is encrypted and cannot be opened ({e})") from e
        if not ok:
            raise IngestError(path, "the PDF is encrypted with a password; save an unprotected copy")
    by_page: dict[int, list[Line]] = {}
    try:
        pages = reader.pages
        count = len(pages)
        with shared_fonts():
            for number, page in enumerate(pages, start=1):
                by_page[number] = _page_lines(page, number)
    except IngestError:
        raise
    except Exception as e:  # a damaged content stream must not sink the whole build
        raise IngestError(path, f"the PDF is damaged and its text cannot be extracted ({e})") from e
    if not count:
        raise IngestError(path, "the PDF has no pages")
    layer = {n: _layer(lines) for n, lines in by_page.items()}
    weak = [n for n, kind in layer.items() if kind != "text"]
    scans = _scanned(data, weak, {n for n in weak if layer[n] == "junk"}) if weak else []
    warnings: list[str] = []
    stats: dict = {"pages": count}
    use_ocr = ocr if ocr is not None else bool(scans) and _ocr_available()
    if scans and use_ocr:
        try:
            ocr_lines, ocr_warnings, ocr_stats = _read_scans(path, data, scans, by_page)
        except Exception as e:  # PDFium or ONNX Runtime failing on one file must not sink the build
            raise IngestError(path, f"OCR of the scanned page(s) {_span(scans)} failed ({type(e).__name__}: {e})") from e
        for number in scans:
            # An OCR page that reads less than the text layer had keeps the text layer.
            read = ocr_lines.get(number, [])
            if layer[number] == "junk" or _chars(read) >= _chars(by_page[number]):
                by_page[number] = read
        warnings += ocr_warnings
        stats.update(ocr_stats)
    elif scans:
        warnings.append(
            f"page(s) {_span(scans)} are scanned images and were not read: install rapidocr-onnxruntime to OCR them"
        )
    lines = [ln for n in sorted(by_page) for ln in by_page[n]]
    if not any(ln.text.strip() for ln in lines):
        if scans and use_ocr:
            raise IngestError(path, f"OCR found no text on any of its {count} page(s) (blank or unreadable scans)")
        if scans:
            raise IngestError(path, f"the PDF has no text layer on any of its {count} page(s) (scanned images): "
                              "install rapidocr-onnxruntime to OCR it")
        raise IngestError(path, f"the PDF has no text layer on any of its {count} page(s) "
                          "and no scanned image to OCR (blank pages?)")
    for w in warnings:
        log.warning("%s: %s", path, w)
    return RawDocument(path, path.stem, sha256_bytes(data), "pdf", tuple(lines), tuple(warnings), stats)


def _span(numbers: list[int]) -> str:
    """1, 2, 3, 5 → "1–3, 5"."""
    out: list[str] = []
    start = prev = numbers[0]
    for n in [*numbers[1:], None]:
        if n is not None and n == prev + 1:
            prev = n
            continue
        out.append(f"{start}–{prev}" if prev > start else str(start))
        if n is not None:
            start = prev = n
    return ", ".join(out)


def _chars(lines: list[Line]) -> int:
    return sum(1 for ln in lines for c in ln.text if not c.isspace())


def _layer(lines: list[Line]) -> str:
    """What a page's text layer is: "text" to keep, "little" (a scan, if it paints an image) or "junk".

    Junk is a layer of private-use or replacement glyphs (fonts without a Unicode map).
    """
    chars = [c for ln in lines for c in ln.text if not c.isspace()]
    junk = sum(1 for c in chars if c == "\ufffd" or 0xE000 <= ord(c) <= 0xF8FF or ord(c) < 32)
    if chars and junk / len(chars) >= 0.3:
        return "junk"
    return "text" if len(chars) >= MIN_PAGE_CHARS else "little"


def _ocr_available() -> bool:
    from kb.ingest import ocr

    return ocr.available()


def _scanned(data: bytes, numbers: list[int], junk: set[int]) -> list[int]:
    """Of the pages without a usable text layer, those to OCR: they paint a large image, or show junk glyphs."""
    try:
        import pypdfium2 as pdfium
        import pypdfium2.raw as pdfium_c
    except ImportError:
        return []
    out: list[int] = []
    try:
        pdf = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as e:  # pypdf read it, PDFium cannot: keep what pypdf found
        log.info("PDFium cannot open the PDF (%s); no page is OCR'd", e)
        return []
    try:
        for number in numbers:
            page = pdf[number - 1]
            try:
                width, height = page.get_size()
                area = 0.0
                for obj in page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_IMAGE]):
                    left, bottom, right, top = obj.get_bounds()
                    area += max(0.0, right - left) * max(0.0, top - bottom)
            finally:
                page.close()
            if number in junk or area >= MIN_IMAGE_SHARE * width * height:
                out.append(number)
    finally:
        pdf.close()
    return out


def _read_scans(
    path: Path, data: bytes, scans: list[int], by_page: dict[int, list[Line]]
) -> tuple[dict[int, list[Line]], list[str], dict]:
    """OCR the scanned pages; lines come back in the text layer's frame when the PDF mixes both."""
    from kb.ingest import ocr

    pages = ocr.ocr_pages(data, scans, name=path.name)
    warnings: list[str] = []
    warnings += [f"OCR page {p.page} yielded no text (blank or unreadable scan)" for p in pages if not p.chars]
    lines = ocr.snap_sizes([ln for p in pages for ln in ocr.page_lines(p)])
    typeset = [ln for n, page_lines in by_page.items() if n not in scans for ln in page_lines]
    if typeset:
        lines = _to_frame(lines, typeset)
    read = [p for p in pages if p.chars]
    chars = sum(p.chars for p in read)
    confidence = sum(p.confidence * p.chars for p in read) / chars if chars else 0.0
    stats = {
        "ocr_pages": len(pages), "ocr_cached": sum(p.cached for p in pages),
        "ocr_confidence": round(confidence, 3), "ocr_chars": chars,
    }
    if read:
        worst = min(read, key=lambda p: p.confidence)
        note = f"{len(pages)} of {len(by_page)} page(s) read by OCR, mean confidence {confidence:.3f}"
        note += f" (lowest: page {worst.page}, {worst.confidence:.3f})"
        if confidence < LOW_CONFIDENCE:
            note += "; check quotations against the scan"
        warnings.append(note)
    out: dict[int, list[Line]] = {}
    for ln in lines:
        out.setdefault(ln.page or 0, []).append(ln)
    return out, warnings, stats


def _to_frame(lines: list[Line], typeset: list[Line]) -> list[Line]:
    """Move OCR lines into the text layer's coordinates: same body size, same left margin.

    Layout rules compare sizes and indents across the document; OCR measures in page
    points, a text layer in its own text space.
    """
    body_t, body_o = body_size(typeset), body_size(lines)
    if not body_t or not body_o:
        return lines
    k = body_t / body_o
    left_t = min(ln.x for ln in typeset if ln.size == body_t)
    left_o = min(ln.x for ln in lines if ln.size == body_o)

    def x(v: float) -> float:
        return round(left_t + (v - left_o) * k, 2)

    return [
        Line(ln.text, ln.page, round(ln.size * k, 2), x(ln.x),
             tuple(Segment(x(s.x), round(s.y * k, 2), s.text, round(s.w * k, 2)) for s in ln.segments),
             ln.heading, ln.bold)
        for ln in lines
    ]


_FONTS = threading.local()
_FONT_HOOK = threading.Lock()


@contextmanager
def shared_fonts() -> Iterator[None]:
    """Build each font of one PDF once, not once per page.

    pypdf rebuilds the character map of every font a page lists, on every page; PDFs
    printed by Chrome/Skia list about a hundred fonts per page, which made that most of
    the extraction time.  Inside this block (per thread) a font object is built on first
    use and shared by later pages.  If pypdf's internals change, extraction simply runs
    unshared.
    """
    if not _install_font_sharing():
        yield
        return
    outer = getattr(_FONTS, "cache", None)
    _FONTS.cache = {} if outer is None else outer
    try:
        yield
    finally:
        _FONTS.cache = outer


def _install_font_sharing() -> bool:
    try:
        from pypdf import _page

        font_cls = _page.Font
        original = font_cls.from_font_resource
    except (ImportError, AttributeError):
        return False
    if getattr(original, "kb_shared", False):
        return True
    with _FONT_HOOK:
        original = font_cls.from_font_resource
        if getattr(original, "kb_shared", False):
            return True

        def from_font_resource(cls, pdf_font_dict):
            cache = getattr(_FONTS, "cache", None)
            if cache is None:
                return original(pdf_font_dict)
            # pypdf resolves an indirect font once per reader, so identity names the font.
            hit = cache.get(id(pdf_font_dict))
            if hit is None or hit[0] is not pdf_font_dict:
                hit = cache[id(pdf_font_dict)] = (pdf_font_dict, original(pdf_font_dict))
            return hit[1]

        from_font_resource.kb_shared = True  # type: ignore[attr-defined]
        font_cls.from_font_resource = classmethod(from_font_resource)
    return True


def _page_lines(page, number: int) -> list[Line]:
    """Group the glyph runs pypdf reports into visual lines (same baseline, same font size)."""
    runs: list[tuple[float, float, float, str]] = []

    def visit(text: str, cm, tm, font_dict, font_size) -> None:
        if text and text.strip("\n"):
            scale = abs(tm[0]) or 1.0
            runs.append((float(tm[5]), float(tm[4]), float(font_size) * scale, text.replace("\n", "")))

    page.extract_text(visitor_text=visit)
    lines: list[Line] = []
    current: list[tuple[float, float, float, str]] = []

    def flush() -> None:
        if current:
            segs = tuple(Segment(x, y, t) for y, x, _, t in current)
            text = "".join(s.text for s in segs)
            if text.strip():
                lines.append(Line(text, number, round(current[0][2], 2), current[0][1], segs))
            current.clear()

    for run in runs:
        if current and (abs(run[0] - current[-1][0]) > 0.5 or abs(run[2] - current[-1][2]) > 0.05):
            flush()
        current.append(run)
    flush()
    return lines


