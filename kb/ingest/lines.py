"""What every loader hands to the segmenter: lines that remember their page and style.

Kept apart from the loaders so that each format's module can build lines without
importing the dispatcher that imports it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class Segment:
    """A run of glyphs that the PDF placed together (x, y in text space)."""

    x: float
    y: float
    text: str


@dataclass(frozen=True)
class Line:
    """One line of the source: a text line of a .txt, a visual line of a .pdf."""

    text: str
    page: int | None = None
    size: float = 0.0
    x: float = 0.0
    segments: tuple[Segment, ...] = field(default=(), repr=False)
    #: A heading level the source marks explicitly (markdown ``#``, a Word heading style): 1 is the top.
    heading: int | None = None
    #: A table row whose cells are separated by tabs, as the source marks it (a markdown pipe table).
    row: bool = False


@dataclass(frozen=True)
class RawDocument:
    path: Path
    name: str
    sha256: str
    fmt: str
    lines: tuple[Line, ...]
    #: What was repaired on the way in (e.g. undecodable bytes), for the user to see.
    warnings: tuple[str, ...] = ()
