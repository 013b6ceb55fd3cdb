"""What every loader hands on: lines with their page and style hints, and a clear error type.

The segmenter never sees a format.  A .txt, a .pdf page (text layer or OCR), a .docx
paragraph and an HTML block all arrive as :class:`Line` objects, so that structure is
recovered by one code path whatever the file was.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from kb.errors import IngestError

__all__ = ["IngestError", "Line", "RawDocument", "Segment", "sha256_bytes"]


@dataclass(frozen=True)
class Segment:
    """A run of glyphs that the PDF placed together (x, y in text space), or one OCR box.

    ``w`` is the measured width when the source gives one (an OCR box); 0 means "estimate
    it from the text and the font size".
    """

    x: float
    y: float
    text: str
    w: float = 0.0


@dataclass(frozen=True)
class Line:
    """One line of the source: a text line of a .txt, a visual line of a .pdf, a paragraph of a .docx/.html.

    ``heading`` is a level hint (1 = top) when the source says so itself (a Word heading
    style, an ``<h2>``); ``bold`` marks a paragraph set wholly in bold, a weaker hint.
    ``cells`` holds a table row's cells and ``table`` numbers the table it belongs to,
    so that a loader that knows its tables (Word, HTML) hands them over as they are.
    """

    text: str
    page: int | None = None
    size: float = 0.0
    x: float = 0.0
    segments: tuple[Segment, ...] = field(default=(), repr=False)
    heading: int | None = None
    bold: bool = False
    cells: tuple[str, ...] | None = None
    table: int | None = None


@dataclass(frozen=True)
class RawDocument:
    path: Path
    name: str
    sha256: str
    fmt: str
    lines: tuple[Line, ...]
    #: What was repaired on the way in (e.g. undecodable bytes), for the user to see.
    warnings: tuple[str, ...] = ()
    #: Per-document figures worth reporting (e.g. ``{"ocr_pages": 3, "ocr_confidence": 0.97}``).
    stats: dict = field(default_factory=dict, compare=False)


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def read_bytes(path: Path) -> bytes:
    """A corpus file's bytes: regular files only, never over the size limit (kb.ingest.guard)."""
    from kb.ingest import guard

    return guard.read_bytes(path)


def body_size(lines: list[Line]) -> float:
    """The font size of the running text: the size that sets the most characters."""
    chars: dict[float, int] = {}
    for ln in lines:
        if ln.size:
            chars[ln.size] = chars.get(ln.size, 0) + len(ln.text.strip())
    return max(chars, key=lambda s: chars[s]) if chars else 0.0
