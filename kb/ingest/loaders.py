"""Loaders: turn a .txt or .pdf file into raw lines that remember their page.

Nothing here interprets the plan; it only reads bytes faithfully and says clearly
why a file cannot be read.  Cleaning and structure come later (clean, segment).
"""

from __future__ import annotations

import hashlib
import logging
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from kb.errors import IngestError
from kb.ingest import guard
from kb.ingest.lines import Line, RawDocument, Segment  # also re-exported: older callers import it from here

log = logging.getLogger(__name__)

SUPPORTED = (".txt", ".md", ".markdown", ".pdf")


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# --------------------------------------------------------------------- text


def decode_text(data: bytes, path: Path) -> str:
    """Decode a text file written by a Chinese office: UTF-8 (with or without BOM) or GB18030/GBK."""
    return _decode(data, path)[0]


def _decode(data: bytes, path: Path) -> tuple[str, str]:
    """The text and a warning ("" when the bytes decoded cleanly)."""
    if not data.strip():
        raise IngestError(path, "the file is empty")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError:
            text = ""
        if _plausible(text):
            return text, ""
    if b"\x00" in data[:4096]:
        raise IngestError(path, "this is a binary file, not text (it contains NUL bytes)")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        # UTF-8 with a damaged byte or two (a cut-off last character, a bad copy): GB18030 would
        # "decode" it into fluent mojibake, so keep UTF-8 and mark the few damaged characters.
        text = data.decode("utf-8-sig", errors="replace")
        bad = text.count("\ufffd")
        if _plausible_utf8(text):
            warning = f"{bad} undecodable byte sequence(s) in the UTF-8 text, shown as \ufffd"
            log.info("%s: %s", path, warning)
            return text, warning
    else:
        if _plausible(text):
            return text, ""
    try:
        text = data.decode("gb18030")
    except UnicodeDecodeError:
        text = ""
    if _plausible(text):
        return text, ""
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is not None:
        text = str(best)
        if _plausible(text):
            log.info("%s: decoded as %s", path, best.encoding)
            return text, ""
    raise IngestError(path, "cannot decode the text: not UTF-8 or GB18030/GBK, and no other encoding fits")


def _plausible_utf8(text: str) -> bool:
    """Damaged UTF-8 rather than another encoding: the damage is rare next to real multi-byte text."""
    bad = text.count("\ufffd")
    good = sum(1 for c in text if ord(c) > 0x7F and c != "\ufffd")
    return good >= 50 * max(bad, 1) and _plausible(text.replace("\ufffd", ""))


def _plausible(text: str) -> bool:
    """Reject decodings that produce mostly control characters or private-use garbage."""
    if not text.strip():
        return False
    sample = text[:20000]
    bad = sum(
        1
        for c in sample
        if (ord(c) < 32 and c not in "\t\n\r\f") or 0xE000 <= ord(c) <= 0xF8FF or c == "\ufffd"
    )
    return bad / len(sample) < 0.01


def load_txt(path: Path) -> RawDocument:
    data = _read(path)
    text, warning = _decode(data, path)
    lines = tuple(Line(t) for t in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"))
    return RawDocument(path, path.stem, sha256_bytes(data), "txt", lines, (warning,) if warning else ())


def load_markdown(path: Path) -> RawDocument:
    """A markdown file: decoded like text, its marks read by kb.ingest.markdown."""
    from kb.ingest.markdown import markdown_lines

    data = _read(path)
    text, warning = _decode(data, path)
    return RawDocument(path, path.stem, sha256_bytes(data), "md", tuple(markdown_lines(text)),
                       (warning,) if warning else ())


# ---------------------------------------------------------------------- pdf


def load_pdf(path: Path) -> RawDocument:
    """Read a PDF with pypdf, keeping each visual line's page, font size and x position."""
    from io import BytesIO

    from pypdf import PdfReader

    data = _read(path)
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
    lines: list[Line] = []
    try:
        pages = reader.pages
        count = len(pages)
        with shared_fonts():
            for number, page in enumerate(pages, start=1):
                lines.extend(_page_lines(page, number))
    except IngestError:
        raise
    except Exception as e:  # a damaged content stream must not sink the whole build
        raise IngestError(path, f"the PDF is damaged and its text cannot be extracted ({e})") from e
    if not count:
        raise IngestError(path, "the PDF has no pages")
    if not any(line.text.strip() for line in lines):
        raise IngestError(
            path, f"the PDF has no text layer on any of its {count} page(s) (scanned images?): it needs OCR first"
        )
    return RawDocument(path, path.stem, sha256_bytes(data), "pdf", tuple(lines))


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


# ------------------------------------------------------------------ corpus


def _read(path: Path) -> bytes:
    return guard.read_bytes(path)  # regular files only, never over the size limit (kb.ingest.guard)


def load(path: Path | str) -> RawDocument:
    """Load one file by its extension."""
    path = Path(path)
    if not path.exists():
        raise IngestError(path, "no such file")
    suffix = path.suffix.lower()
    if suffix == ".txt":
        return load_txt(path)
    if suffix in (".md", ".markdown"):
        return load_markdown(path)
    if suffix == ".pdf":
        return load_pdf(path)
    raise IngestError(path, f"unsupported file type {suffix or '(none)'}; kb reads {', '.join(SUPPORTED)}")


def discover(paths: Iterable[Path | str]) -> Iterator[Path]:
    """Expand folders into the files inside them, sorted for stable builds.

    Every visible file of a folder is yielded, so that an unsupported one (a .docx
    dropped into the corpus) is reported by :func:`load` instead of silently ignored;
    hidden files and office lock files (``~$x.docx``) are skipped.  A path that does
    not exist raises :class:`IngestError` when the iteration reaches it.
    """
    for p in map(Path, paths):
        if p.is_dir():
            yield from sorted(
                f for f in p.rglob("*")
                if f.is_file() and not any(part.startswith((".", "~$")) for part in f.relative_to(p).parts)
            )
        elif p.exists():
            yield p
        else:
            raise IngestError(p, "no such file or folder")
