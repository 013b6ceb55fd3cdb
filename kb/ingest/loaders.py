"""Loaders: turn a file into raw lines that remember their page and style, one loader per format.

Nothing here interprets the plan; each format module (txt, pdf, docx, html, with ocr
for scans) reads bytes faithfully and says clearly why a file cannot be read.
Cleaning and structure come later (clean, segment), the same for every format.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from kb.ingest.raw import IngestError, Line, RawDocument, Segment, sha256_bytes

__all__ = ["SUPPORTED", "IngestError", "Line", "RawDocument", "Segment", "discover", "load", "sha256_bytes"]


def _txt(path: Path) -> RawDocument:
    from kb.ingest.txt import load_txt

    return load_txt(path)


def _md(path: Path) -> RawDocument:
    from kb.ingest.markdown import load_markdown

    return load_markdown(path)


def _pdf(path: Path) -> RawDocument:
    from kb.ingest.pdf import load_pdf

    return load_pdf(path)


def _docx(path: Path) -> RawDocument:
    from kb.ingest.docx import load_docx

    return load_docx(path)


def _html(path: Path) -> RawDocument:
    from kb.ingest.html import load_html

    return load_html(path)


#: Suffix → loader.  Format modules are imported on first use (OCR and HTML pull in big libraries).
LOADERS: dict[str, Callable[[Path], RawDocument]] = {
    ".txt": _txt, ".md": _md, ".markdown": _md, ".pdf": _pdf, ".docx": _docx, ".html": _html, ".htm": _html,
}
SUPPORTED = tuple(LOADERS)
#: Formats an office may send that kb cannot read, and what to do instead.
ADVICE = {
    ".doc": "an old Word .doc file; open it in Word or WPS and save it as .docx",
    ".wps": "a WPS Writer .wps file; open it in WPS and save it as .docx",
    ".docm": "a macro-enabled Word file; save it as .docx",
    ".rtf": "a rich-text file; open it in Word or WPS and save it as .docx",
}


def load(path: Path | str) -> RawDocument:
    """Load one file by its extension."""
    path = Path(path)
    if not path.exists():
        raise IngestError(path, "no such file")
    suffix = path.suffix.lower()
    if suffix in LOADERS:
        return LOADERS[suffix](path)
    if suffix in ADVICE:
        raise IngestError(path, f"{ADVICE[suffix]}; kb reads {', '.join(SUPPORTED)}")
    raise IngestError(path, f"unsupported file type {suffix or '(none)'}; kb reads {', '.join(SUPPORTED)}")


def discover(paths: Iterable[Path | str]) -> Iterator[Path]:
    """Expand folders into the files inside them, sorted for stable builds.

    Every visible file of a folder is yielded, so that an unsupported one (a .xls
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
