"""Scanned pages through offline OCR: pypdfium2 renders, RapidOCR (PP-OCR, ONNX) reads.

The models ship inside the ``rapidocr-onnxruntime`` wheel, so nothing is downloaded.
OCR costs seconds per page on a small CPU, so each page is read once: its boxes are
cached under kb's own cache folder (``$KB_HOME/ocr``, by default ``~/.cache/kb/ocr``),
keyed by a hash of the rendered page.  The loaders never see the index folder, and a
cache there would be lost with every fresh index; keyed by content, one cache serves
every index, every copy of a file and every rebuild.

Boxes are turned back into :class:`~kb.ingest.raw.Line` objects (reading order, one
line per baseline, page-number shapes repaired), with a font size estimated from the
character pitch so that the PDF layout rules (headings, indents, small-print tables)
apply to scans as they do to text layers.
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import os
import re
import statistics
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from kb.ingest.raw import Line, Segment

log = logging.getLogger(__name__)

#: Render scale (1 = 72 dpi): 2 gives 144 dpi, where body text of a printed page is ~24 px high.
SCALE = 2.0
#: Bumped when rendering or recognition settings change, so old cache entries are not reused.
CACHE_VERSION = "2"


@dataclass(frozen=True)
class Box:
    """One recognised text box, in page points (y grows downwards), with the engine's confidence."""

    x0: float
    y0: float
    x1: float
    y1: float
    text: str
    score: float

    @property
    def cy(self) -> float:
        return (self.y0 + self.y1) / 2

    @property
    def height(self) -> float:
        return self.y1 - self.y0

    def to_dict(self) -> dict:
        return {"x0": self.x0, "y0": self.y0, "x1": self.x1, "y1": self.y1, "text": self.text, "score": self.score}


@dataclass(frozen=True)
class PageText:
    """What OCR read on one page."""

    page: int
    boxes: tuple[Box, ...]
    cached: bool = False

    @property
    def confidence(self) -> float:
        """Mean box confidence weighted by characters; 0 for a page where nothing was read."""
        chars = sum(len(b.text) for b in self.boxes)
        return sum(b.score * len(b.text) for b in self.boxes) / chars if chars else 0.0

    @property
    def chars(self) -> int:
        return sum(len(b.text.strip()) for b in self.boxes)


# ------------------------------------------------------------------ engine


def available() -> bool:
    try:
        import pypdfium2  # noqa: F401
        import rapidocr_onnxruntime  # noqa: F401
    except ImportError:
        return False
    return True


@functools.lru_cache(maxsize=1)
def engine():
    """The RapidOCR engine, loaded once (its ONNX sessions take a second to build)."""
    from rapidocr_onnxruntime import RapidOCR

    return RapidOCR()


def recognise(image) -> list[tuple[list[list[float]], str, float]]:
    """Run OCR on one RGB image (a numpy array); returns (quad, text, score) triples.

    The text-angle classifier is off: a page of typeset lines is upright, and on the
    printed plan it turned a whole heading line upside down (read as nothing).
    """
    import numpy as np

    result, _ = engine()(np.ascontiguousarray(image[:, :, ::-1]), use_cls=False)  # RapidOCR wants BGR
    return [(quad, text, float(score)) for quad, text, score in (result or [])]


# ------------------------------------------------------------------- cache


def cache_dir() -> Path:
    from kb.config import Config

    return Config.from_env().home / "ocr"


def _cache_get(folder: Path | None, key: str) -> list[Box] | None:
    if folder is None:
        return None
    path = folder / key[:2] / f"{key}.json"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return [Box(**b) for b in data["boxes"]]
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _cache_put(folder: Path | None, key: str, boxes: list[Box]) -> None:
    if folder is None:
        return
    target = folder / key[:2] / f"{key}.json"
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, suffix=".tmp")
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump({"boxes": [b.to_dict() for b in boxes]}, f, ensure_ascii=False)
        os.replace(tmp, target)
    except OSError as e:  # a read-only cache only costs time
        log.info("OCR cache not written (%s)", e)


# -------------------------------------------------------------------- pages


def ocr_pages(
    data: bytes,
    numbers: Iterable[int],
    name: str = "",
    cache: Path | None | bool = True,
    on_page: Callable[[int], None] | None = None,
) -> list[PageText]:
    """OCR the given 1-based pages of a PDF (its bytes), each page once across rebuilds.

    ``cache`` is a folder, ``True`` for kb's cache folder, or ``None``/``False`` for none.
    Progress is shown per page (a bar on a terminal, an INFO log line otherwise).
    """
    import pypdfium2 as pdfium
    from tqdm import tqdm

    folder = cache_dir() if cache is True else (cache or None)
    numbers = list(numbers)
    out: list[PageText] = []
    pdf = pdfium.PdfDocument(data)
    try:
        for number in tqdm(numbers, desc=f"OCR {name}".strip(), unit="page", disable=None, leave=False):
            page = pdf[number - 1]
            try:
                image = page.render(scale=SCALE).to_pil().convert("RGB")
            finally:
                page.close()
            key = hashlib.sha256(
                f"{CACHE_VERSION}|{SCALE}|{image.size}".encode() + image.tobytes()
            ).hexdigest()
            boxes = _cache_get(folder, key)
            cached = boxes is not None
            if boxes is None:
                import numpy as np

                boxes = [_box(quad, text, score) for quad, text, score in recognise(np.asarray(image))]
                boxes = [b for b in boxes if b.text.strip()]
                _cache_put(folder, key, boxes)
            log.info("%s: OCR page %d of %d%s", name, number, len(pdf), " (cached)" if cached else "")
            if on_page is not None:
                on_page(number)
            out.append(PageText(number, tuple(boxes), cached))
    finally:
        pdf.close()
    return out


def _box(quad, text: str, score: float) -> Box:
    xs = [float(p[0]) / SCALE for p in quad]
    ys = [float(p[1]) / SCALE for p in quad]
    return Box(round(min(xs), 2), round(min(ys), 2), round(max(xs), 2), round(max(ys), 2), text, round(score, 4))


# -------------------------------------------------------------------- lines

#: OCR reads the dashes around a page number as 一, _ or -: 「一5一」 is 「— 5 —」.
_PAGE_NUMBER = re.compile(r"^[一—–\-_－~=]{1,3}\s*(\d{1,4})\s*[一—–\-_－~=]{1,3}$")


def _units(text: str) -> float:
    """Width in em as Chinese type sets it: ideographs and full-width marks 1, digits and letters ~0.6.

    OCR often reads a full-width bracket or comma as its ASCII twin, so ASCII
    punctuation counts as wide; the fit on printed plans is within 2% for 9 lines in 10.
    A box spans ink, not em boxes, so a full-width mark at either end counts half.
    """
    units = 0.0
    for c in text.strip():
        if not c.isascii():
            units += 1.0
        elif c.isalnum():
            units += 0.58
        elif c in "()[],:;!?":
            units += 1.0
        else:
            units += 0.5
    # A box spans ink, and full-width punctuation inks half its em: 「。」 at the end, 「“」 at the start.
    t = text.strip()
    if t and t[-1] in "。，、；：！？”’）》":
        units -= 0.5
    if t and t[0] in "“‘（《":
        units -= 0.5
    return max(units, 0.5)


def page_lines(page: PageText) -> list[Line]:
    """Rebuild the visual lines of one page: boxes on one baseline, left to right, top to bottom."""
    rows: list[list[Box]] = []
    for b in sorted(page.boxes, key=lambda b: (b.cy, b.x0)):
        row = rows[-1] if rows else None
        if row is not None:
            cy = statistics.fmean(r.cy for r in row)
            h = min(b.height, statistics.median(r.height for r in row))
            if abs(b.cy - cy) <= 0.35 * h and all(b.x0 >= r.x1 - 2 or b.x1 <= r.x0 + 2 for r in row):
                row.append(b)
                continue
        rows.append([b])
    lines: list[Line] = []
    for row in rows:
        row.sort(key=lambda b: b.x0)
        size = _size(row)
        parts: list[str] = []
        for k, b in enumerate(row):
            if k and b.x0 - row[k - 1].x1 > 0.8 * size:
                parts.append(" ")
            parts.append(b.text.strip())
        text = "".join(parts).strip()
        if m := _PAGE_NUMBER.match(text):
            text = f"— {m.group(1)} —"
        segs = tuple(Segment(b.x0, round(b.cy, 2), b.text.strip(), round(b.x1 - b.x0, 2)) for b in row)
        lines.append(Line(text, page.page, size, row[0].x0, segs))
    return lines


def _size(row: list[Box]) -> float:
    """Font size from the character pitch of the long boxes; 0 (unknown) for a line of a few characters.

    Box heights vary with padding and with quotes and brackets, and a two-character box
    says little about its pitch: a line of size 0 is taken for running text by the
    layout rules, which is what the last line of a paragraph (「形成。」) is.
    """
    long = [b for b in row if _units(b.text) >= 3]
    if long:
        return round(sum(b.x1 - b.x0 for b in long) / sum(_units(b.text) for b in long), 2)
    return 0.0


def snap_sizes(lines: list[Line], tolerance: float = 0.08) -> list[Line]:
    """Give lines set in one font one size: OCR sizes scatter by a few percent around the true one.

    The size that sets the most characters is a font; every size within ``tolerance``
    of it takes it, and the rest are clustered the same way in turn (centres, not
    chains, so that body text and slightly smaller table text stay apart).
    """
    weight: dict[float, int] = {}
    for ln in lines:
        if ln.size:
            weight[ln.size] = weight.get(ln.size, 0) + len(ln.text.strip()) + 1
    to: dict[float, float] = {}
    left = dict(weight)
    while left:
        # The densest window of sizes gives the next font.
        def mass(c: float) -> int:
            return sum(w for s, w in left.items() if abs(s - c) <= tolerance * c)

        centre = max(left, key=lambda c: (mass(c), -c))
        for _ in range(5):  # move the window onto the cluster's mean (mean shift)
            members = [s for s in left if abs(s - centre) <= tolerance * centre]
            mean = sum(s * left[s] for s in members) / sum(left[s] for s in members)
            if abs(mean - centre) < 0.01:
                break
            centre = mean
        members = [s for s in left if abs(s - centre) <= tolerance * centre] or [min(left, key=lambda s: abs(s - centre))]
        total = sum(left[s] for s in members)
        size = round(sum(s * left[s] for s in members) / total, 1)
        for s in members:
            to[s] = size
            del left[s]
    return [
        Line(ln.text, ln.page, to.get(ln.size, ln.size), ln.x, ln.segments, ln.heading, ln.bold)
        for ln in lines
    ]
