"""Repair extraction damage and turn raw lines into blocks (paragraphs, headings, tables).

Chinese PDFs come out of text extraction with Kangxi-radical code points, running
headers, page numbers, a table of contents and lines cut at the page width; text
exports of them keep paragraphs broken at old page boundaries.  This module undoes
that damage without touching the plan's own wording, and keeps the page span and
the original text of every block.  The character repairs themselves (radicals,
zero-width marks, whitespace) are text rules and live in :mod:`kb.text.normalize`.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

from kb.ingest.raw import Line, RawDocument, Segment, body_size
from kb.text.chars import CJK
from kb.text.normalize import normalize_chars, squash, tidy
from kb.text.patterns import (
    RE_BOX,
    RE_HEADING_ANY,
    RE_NUMBERED,
)

# ------------------------------------------------------------ lines


def join_lines(parts: list[str]) -> str:
    """Rejoin lines cut at the page width: no space in CJK, a space between Latin words."""
    out = ""
    for p in parts:
        p = p.strip()
        if not p:
            continue
        if out and out[-1].isascii() and out[-1].isalnum() and p[0].isascii() and p[0].isalpha():
            out += " "
        out += p
    return tidy(out)


# --------------------------------------------------------------- patterns

RE_TOC_HEAD = re.compile(r"^目\s*录$")
RE_TOC_ENTRY = re.compile(r"(\.{3,}|…{2,}|·{3,}|-{4,})\s*\d{1,4}\s*$")
RE_PAGE_NUMBER = re.compile(r"^\s*(?:[—–\-－]+\s*\d{1,4}\s*[—–\-－]+|第\s*\d{1,4}\s*页(?:\s*共\s*\d+\s*页)?|\d{1,4}\s*/\s*\d{1,4})\s*$")
RE_BARE_NUMBER = re.compile(r"^\s*\d{1,4}\s*$")
TERMINAL = "。！？；：…”’」』）)】"


# ------------------------------------------------------------------ blocks


@dataclass
class Block:
    """A paragraph, a heading or a table, with its page span and original text."""

    text: str
    page: int | None = None
    page_end: int | None = None
    #: Typographic evidence that this is a heading (a larger font in a PDF).
    display: bool = False
    #: Table rows (cells as text) when the block is a table; the first row is the header.
    rows: list[list[str]] | None = None
    original: str = ""
    #: A paragraph start seen in the layout (first-line indent); False means "continues".
    starts: bool = True
    extra: dict = field(default_factory=dict)
    #: A heading level the source marks explicitly (markdown ``#``, Word styles); 1 is the top.
    heading: int | None = None


def to_blocks(raw: RawDocument, toc: dict[str, int] | None = None, warnings: list[str] | None = None) -> list[Block]:
    """Clean a raw document into blocks; the segmenter only ever sees blocks.

    ``toc``, when given, receives the table of contents (heading → printed page);
    ``warnings`` receives what the user should know about the extraction.
    """
    lines = [
        Line(
            normalize_chars(ln.text), ln.page, ln.size, ln.x,
            tuple(Segment(s.x, s.y, normalize_chars(s.text), s.w) for s in ln.segments),
            ln.heading, ln.bold,
            None if ln.cells is None else tuple(normalize_chars(c) for c in ln.cells), ln.table,
        )
        for ln in raw.lines
    ]
    if raw.fmt in PARAGRAPH_FORMATS:
        # Word, web and markdown paragraphs are real paragraphs: no page furniture, no lines to rejoin.
        return _para_blocks(drop_toc(lines, toc))
    lines = drop_furniture(lines)
    lines = drop_toc(lines, toc)
    if raw.fmt == "pdf":
        blocks = mend_breaks(_pdf_blocks(lines))
        for b in blocks:
            b.text = close_digit_spaces(b.text)
            if b.rows is not None:
                b.rows = [[close_digit_spaces(c) for c in r] for r in b.rows]
        if warnings is not None and (w := giant_passage(blocks)):
            warnings.append(w)
        return blocks
    return mend_breaks(_txt_blocks(lines))


#: Formats whose loader hands over whole paragraphs (one Line each), with style hints.
PARAGRAPH_FORMATS = ("docx", "html", "md")

_DIGIT_SPACE = re.compile(rf"(?<=[{CJK}])[ \t]+(?=[0-9])|(?<=[0-9%‰])[ \t]+(?=[{CJK}])")


def close_digit_spaces(text: str) -> str:
    """Drop the spaces PDF extraction puts between CJK and digits: 「到 2025 年」 → 「到2025年」.

    Chinese typesetting sets digits inside running text without spaces; pypdf reports
    the gap a typesetter leaves around Latin glyphs as a space.  Only what is searched,
    shown and quoted changes: the block's original lines keep the spaces.
    """
    return _DIGIT_SPACE.sub("", text)


#: A passage this long (characters) holding most of a document means paragraphs were not found.
GIANT = 3000


def giant_passage(blocks: list[Block]) -> str:
    """A warning when one block holds most of the text (a browser print where headings swallow the body)."""
    texts = [b.text for b in blocks if b.rows is None]
    total = sum(len(t) for t in texts)
    longest = max(texts, key=len, default="")
    if len(longest) >= GIANT and len(longest) >= 0.5 * total:
        return (f"one passage holds {len(longest)} of {total} characters: paragraphs and headings were not "
                "recognised in this PDF's layout, so search and citations will be coarse")
    return ""


def _para_blocks(lines: list[Line]) -> list[Block]:
    """One block per paragraph; table rows grouped into table blocks; heading levels made relative.

    Heading hints are ranked (a document that uses only Heading 2 and 3 has levels 1
    and 2); a top level used once, by the document's first heading, is its title and
    no level at all.
    """
    levels = [ln.heading for ln in lines if ln.heading is not None and ln.cells is None and ln.text.strip()]
    rank: dict[int, int] = {}
    if levels:
        top = min(levels)
        title_only = levels.count(top) == 1 and levels[0] == top
        used = sorted(set(levels) - ({top} if title_only else set()))
        rank = {lvl: k + 1 for k, lvl in enumerate(used)}
    blocks: list[Block] = []
    i = 0
    while i < len(lines):
        ln = lines[i]
        if ln.cells is not None:
            j = i
            while j < len(lines) and lines[j].cells is not None and lines[j].table == ln.table:
                j += 1
            blocks.extend(_cell_table(lines[i:j]))
            i = j
            continue
        i += 1
        text = join_lines(ln.text.split("\n"))
        if not text:
            continue
        level = rank.get(ln.heading) if ln.heading is not None else None
        hint = level is not None or (ln.bold and len(text) <= 40 and text[-1] not in TERMINAL)
        extra = {"heading": level} if level else ({"title": True} if ln.heading is not None else {})
        blocks.append(Block(text, ln.page, ln.page, display=hint, original=ln.text, heading=level, extra=extra))
    return blocks


def _cell_table(lines: list[Line]) -> list[Block]:
    """A table its loader already knows cell by cell; a leading row with one filled cell is its caption."""
    rows = [[join_lines(c.split("\n")) for c in ln.cells or ()] for ln in lines]
    out: list[Block] = []
    while rows and len(rows[0]) > 1 and sum(1 for c in rows[0] if c) == 1 and rows[0][0]:
        out.append(Block(rows[0][0], lines[0].page, lines[0].page, original=rows[0][0]))
        rows, lines = rows[1:], lines[1:]
    if rows:
        out.append(Block("", lines[0].page, lines[-1].page, rows=rows, original="\n".join(ln.text for ln in lines),
                         extra={"row_pages": [ln.page for ln in lines]}))
    return out


def drop_furniture(lines: list[Line]) -> list[Line]:
    """Remove running headers/footers and page numbers.

    A header is a short line that recurs at the top or bottom of most pages; a page
    number is a number-shaped line at a page edge (``— 3 —``, ``第3页``, ``3/49``).
    """
    pages: dict[int, list[int]] = {}
    for i, ln in enumerate(lines):
        if ln.page is not None:
            pages.setdefault(ln.page, []).append(i)
    drop: set[int] = set()
    if len(pages) >= 3:
        # A running header recurs in the same font; "2020" in the body font is not "— 3 —".
        def key(i: int) -> tuple[str, float]:
            return _edge_key(lines[i].text), round(lines[i].size, 1)

        edge_counts: Counter[tuple[str, float]] = Counter()
        for idx in pages.values():
            edge_counts.update({key(i) for i in idx[:2] + idx[-2:]})
        recurring = {k for k, c in edge_counts.items() if k[0] and c >= max(3, 0.5 * len(pages))}
        body = body_size(lines)
        for idx in pages.values():
            for i in idx[:2] + idx[-2:]:
                t = lines[i].text
                bare = RE_BARE_NUMBER.match(t) and i in (idx[0], idx[-1]) and _stands_apart(lines, i, body)
                if key(i) in recurring or RE_PAGE_NUMBER.match(t) or bare:
                    drop.add(i)
    else:
        # Text without pages: only unmistakable page numbers can be recognised.
        drop = {i for i, ln in enumerate(lines) if RE_PAGE_NUMBER.match(ln.text) and "—" in ln.text}
    return [ln for i, ln in enumerate(lines) if i not in drop]


def _stands_apart(lines: list[Line], i: int, body: float) -> bool:
    """A bare number is a page number only when its font differs from the body and its neighbours."""
    size = lines[i].size
    if not size or abs(size - body) < 0.5:
        return False
    near = [lines[k].size for k in (i - 1, i + 1) if 0 <= k < len(lines) and lines[k].page == lines[i].page]
    return all(abs(size - s) > 0.05 for s in near)


def _edge_key(text: str) -> str:
    t = squash(text)
    return re.sub(r"\d+", "#", t) if 0 < len(t) <= 40 else ""


RE_TOC_SPLIT = re.compile(r"^(.*?)(?:\.{3,}|…{2,}|·{3,}|-{4,})(\d{1,4})$")


def drop_toc(lines: list[Line], toc: dict[str, int] | None = None) -> list[Line]:
    """Remove the table of contents: the 目录 heading and its dotted-leader entries, wrapped ones too."""
    out: list[Line] = []
    pending = ""
    i = 0
    n = len(lines)
    while i < n:
        t = squash(lines[i].text)
        if RE_TOC_HEAD.match(t) or RE_TOC_ENTRY.search(t):
            j = i + (1 if RE_TOC_HEAD.match(t) else 0)
            while j < n:
                tj = squash(lines[j].text)
                if not tj or RE_TOC_ENTRY.search(tj):
                    if tj and toc is not None and (m := RE_TOC_SPLIT.match(pending + tj)):
                        toc.setdefault(m.group(1), int(m.group(2)))
                    pending = ""
                    j += 1
                    continue
                nxt = next((squash(lines[k].text) for k in range(j + 1, min(n, j + 3)) if squash(lines[k].text)), "")
                if RE_TOC_ENTRY.search(nxt) and not RE_TOC_ENTRY.search(tj) and len(tj) < 40:
                    pending += tj
                    j += 1  # an entry wrapped onto two lines
                    continue
                break
            if j > i + 1 or RE_TOC_HEAD.match(t):
                i = j
                continue
        out.append(lines[i])
        i += 1
    return out


# --------------------------------------------------------------- txt blocks


def _txt_blocks(lines: list[Line]) -> list[Block]:
    """Paragraphs of a text export; headings and table lines stand alone.

    Two layouts are common: paragraphs separated by blank lines (possibly wrapped
    inside), and one paragraph per line with no blank lines at all.  In the first,
    an indented line or a numbered line after a finished sentence also starts a
    paragraph; in the second, every line does — unless the text marks paragraphs by
    a first-line indent, when an unindented line continues.  Either may be
    hard-wrapped at a fixed width (text saved from a PDF): a line that fills the
    width runs on into the next.
    """
    one_per_line = _one_paragraph_per_line(lines)
    indents = _indent_marks_paragraphs(lines)
    wrap = _wrap_width(lines)
    blocks: list[Block] = []
    para: list[str] = []

    def flush() -> None:
        if para:
            blocks.append(Block(join_lines(para), original="\n".join(para)))
            para.clear()

    table: list[str] = []

    def flush_table() -> None:
        if table:
            rows = [[tidy(c) for c in r.split("\t")] for r in table]
            rows, _ = merge_row_lines(rows, [(None, float(i)) for i in range(len(rows))])
            blocks.append(Block("", rows=rows, original="\n".join(table)))
            table.clear()

    runs_on = False  # the previous line filled the wrap width: this one continues it
    for ln in lines:
        t = ln.text
        if ln.heading is not None and t.strip():
            flush()
            flush_table()
            blocks.append(Block(tidy(t), original=t.strip(), heading=ln.heading))
            runs_on = False
            continue
        if t.count("\t") >= 2:
            flush()
            table.append(t.strip("\n"))
            runs_on = False
            continue
        flush_table()
        s = t.strip()
        full = bool(wrap) and _width(s) >= wrap - 2.5
        if not s:
            flush()
        elif runs_on and not (
            para[-1][-1:] in TERMINAL and (_indented(t) or RE_NUMBERED.match(s) or RE_HEADING_ANY.match(squash(s)))
        ):
            para.append(s)
        elif RE_HEADING_ANY.match(squash(s)) and len(squash(s)) <= 40 and not full:
            flush()
            blocks.append(Block(tidy(s), original=s))
        else:
            if para and (
                (one_per_line and not indents)
                or _indented(t)
                or (RE_NUMBERED.match(squash(s)) and para[-1][-1:] in TERMINAL)
            ):
                flush()
            para.append(s)
        runs_on = full and bool(para) and para[-1] == s
    flush()
    flush_table()
    return blocks


def _width(text: str) -> float:
    """Display width in CJK characters: Latin letters and digits are half as wide."""
    return sum(0.5 if c.isascii() else 1.0 for c in text)


def _wrap_width(lines: list[Line]) -> float:
    """The width the text was hard-wrapped at, or 0 when lines are not cut at a fixed width.

    Wrapped text has many lines of (nearly) one width, the widest; free text has
    lines of every length.
    """
    widths = [_width(ln.text.strip()) for ln in lines if ln.text.strip() and ln.text.count("\t") < 2]
    long = [w for w in widths if w >= 12]
    if len(long) < 4:
        return 0.0
    best, count = 0.0, 0
    for top in sorted(set(long), reverse=True):
        k = sum(1 for w in long if top - 2.5 <= w <= top + 0.5)
        if k > count:
            best, count = top, k
    return best if count >= max(3, 0.3 * len(widths)) else 0.0


def _indent_marks_paragraphs(lines: list[Line]) -> bool:
    """True when some prose lines are indented and others not: the indent starts a paragraph."""
    prose = [ln.text for ln in lines if ln.text.strip() and ln.text.count("\t") < 2]
    indented = sum(1 for t in prose if _indented(t))
    return indented >= 2 and 0.15 <= indented / len(prose) <= 0.85


def _indented(text: str) -> bool:
    """A first-line indent: two spaces or more (full-width spaces are spaces by now), or a tab."""
    head = text[: len(text) - len(text.lstrip())]
    return "\t" in head or len(head) >= 2


def _one_paragraph_per_line(lines: list[Line]) -> bool:
    """True when blank lines do not separate paragraphs: most prose lines follow each other directly."""
    prose = [i for i, ln in enumerate(lines) if ln.text.strip() and ln.text.count("\t") < 2]
    if len(prose) < 3:
        return False
    followed = sum(1 for i in prose if i + 1 < len(lines) and lines[i + 1].text.strip())
    return followed / len(prose) > 0.5


# --------------------------------------------------------------- pdf blocks


def _pdf_blocks(lines: list[Line]) -> list[Block]:
    """Rebuild paragraphs from layout: a first-line indent starts a paragraph, a larger font is a heading."""
    body = body_size(lines)
    left = min((ln.x for ln in lines if ln.size == body), default=0.0)
    measure = _measure(lines, body)
    blocks: list[Block] = []
    i = 0
    while i < len(lines):
        ln = lines[i]
        if ln.size and ln.size < body - 0.5:
            j = i
            while j < len(lines) and abs(lines[j].size - ln.size) < 0.05:
                j += 1
            blocks.extend(_table_blocks(lines[i:j]))
            i = j
            continue
        if (j := _aligned_rows_end(lines, i, body, measure)) > i:
            blocks.extend(_table_blocks(lines[i:j]))
            i = j
            continue
        text = ln.text
        heading = ln.size > body + 0.5 or bool(RE_BOX.match(squash(text)))
        indented = ln.x - left >= 1.5 * (ln.size or body)
        starts = heading or indented or bool(RE_HEADING_ANY.match(squash(text)) and ln.x - left < 1)
        prev = blocks[-1] if blocks else None
        # Small print (a note, a footnote) between two pages does not interrupt the paragraph.
        body_prev = next((b for b in reversed(blocks) if not b.extra.get("aside")), None)
        if body_prev is not None and body_prev.rows is None and not starts and not body_prev.display:
            body_prev.extra["parts"].append(text)
            body_prev.original += "\n" + ln.text
            body_prev.page_end = ln.page
        elif (
            prev is not None
            and heading
            and prev.display
            and prev.extra.get("size") == ln.size
            and not RE_HEADING_ANY.match(squash(text))
        ):
            prev.extra["parts"].append(text)  # a heading wrapped onto a second line
            prev.original += "\n" + ln.text
            prev.page_end = ln.page
        else:
            blocks.append(
                Block("", ln.page, ln.page, display=heading, original=ln.text, starts=starts,
                      extra={"parts": [text], "size": ln.size})
            )
        i += 1
    for b in blocks:
        if b.rows is None and "parts" in b.extra:
            b.text = join_lines(b.extra.pop("parts"))
    return blocks


def _seg_width(s: Segment, size: float) -> float:
    return s.w or size * sum(0.5 if c.isascii() else 1.0 for c in s.text.strip())


def _cells(ln: Line) -> int:
    """How many cells a line shows: its glyph runs (or OCR boxes) split by gaps of a character or more."""
    size = ln.size or 10.0
    segs = sorted((s for s in ln.segments if s.text.strip()), key=lambda s: s.x)
    count, end = 0, None
    for s in segs:
        # Estimated run widths are rough (pypdf reports the odd glyph one advance early): demand more.
        if end is None or s.x - end > (1.0 if s.w else 1.5) * size:
            count += 1
        end = max(end or s.x, s.x + _seg_width(s, size))
    return count


def _line_width(ln: Line) -> float:
    segs = [s for s in ln.segments if s.text.strip()]
    if not segs:
        return _width(ln.text) * (ln.size or 10.0)
    return max(s.x + _seg_width(s, ln.size or 10.0) for s in segs) - min(s.x for s in segs)


def _measure(lines: list[Line], body: float) -> float:
    """The width of a full line of running text (the text block's measure)."""
    widths = sorted(_line_width(ln) for ln in lines if ln.size == body and ln.segments)
    return widths[int(0.9 * (len(widths) - 1))] if widths else 0.0


def _aligned_rows_end(lines: list[Line], i: int, body: float, measure: float) -> int:
    """Where a table set in body-size type ends, if one starts at line ``i`` (else ``i``).

    A table shows as lines split into cells by wide gaps (the columns), with short
    lines in between (a cell that wraps); running text fills the measure without
    gaps, and a heading ends the table.  At least three lines must show columns.
    Tables in small print are found by their size instead (:func:`_pdf_blocks`).
    """
    if not measure or _cells(lines[i]) < 2:
        return i
    j, multi = i, 0
    while j < len(lines):
        ln = lines[j]
        cells = _cells(ln)
        if cells < 2:
            t = squash(ln.text)
            if ln.size > body + 0.5 or RE_HEADING_ANY.match(t) or _line_width(ln) > 0.5 * measure:
                break
        else:
            multi += 1
        j += 1
    return j if multi >= 3 else i


def _table_blocks(lines: list[Line]) -> list[Block]:
    """Rebuild a table from glyph positions: header cells give the columns, baselines give the rows."""
    segs = [(ln.page, s) for ln in lines for s in ln.segments if s.text.strip()]
    if not segs:
        return []
    size = lines[0].size
    # Which way is down: Skia flips the y axis (y grows down the page), most producers
    # keep PDF's own (y grows up).  Content order runs top to bottom either way.
    first_y: dict[int | None, float] = {}
    last_y_of: dict[int | None, float] = {}
    for page, s in segs:
        first_y.setdefault(page, s.y)
        last_y_of[page] = s.y
    down = {p: (-1.0 if last_y_of[p] < first_y[p] else 1.0) for p in first_y}

    def depth(ps: tuple[int | None, Segment]) -> float:
        return down[ps[0]] * ps[1].y

    # Rows: cluster baselines that sit closer than one line height, page by page.
    groups: list[list[tuple[int | None, Segment]]] = []
    last_y: float | None = None
    last_page = None
    for page, s in sorted(segs, key=lambda ps: (ps[0] or 0, depth(ps), ps[1].x)):
        y = depth((page, s))
        if groups and page == last_page and last_y is not None and y - last_y < 0.9 * size:
            groups[-1].append((page, s))
        else:
            groups.append([(page, s)])
        last_y, last_page = y, page
    # Columns: the x where each header cell starts (the first row is the header).
    cols = _column_starts([s for _, s in groups[0]], size)
    if len(cols) < 2:  # small print that is not a table: a note, a footnote
        text = "\n".join(ln.text for ln in lines)
        return [Block(join_lines([ln.text for ln in lines]), lines[0].page, lines[-1].page, original=text,
                      extra={"aside": True})]

    def cells_of(g: list[tuple[int | None, Segment]]) -> list[str]:
        cells = [""] * len(cols)
        for _, s in sorted(g, key=lambda ps: (round(depth(ps)), ps[1].x)):
            c = max((k for k, x0 in enumerate(cols) if s.x >= x0 - 2), default=0)
            cells[c] += s.text
        return [tidy(c) for c in cells]

    rows = [cells_of(g) for g in groups]
    number = _number_column(rows)
    if number is not None:
        # A header set on two lines may start a column on its second line only.
        first = next(i for i, r in enumerate(rows) if r[number].isdigit())
        wider = _column_starts([s for g in groups[:max(first, 1)] for _, s in g], size)
        if len(wider) > len(cols):
            cols = wider
            rows = [cells_of(g) for g in groups]
    if number is not None:
        _renumber(rows, number)
    places = [(g[0][0], sum(depth(ps) for ps in g) / len(g)) for g in groups]
    rows, row_pages = merge_row_lines(rows, places)
    original = "\n".join(ln.text for ln in lines)
    return [Block("", lines[0].page, lines[-1].page, rows=rows, original=original, extra={"row_pages": row_pages})]


def _renumber(rows: list[list[str]], number: int) -> None:
    """Put back 序号 cells that extraction lost (OCR drops a lone narrow「1」).

    Where the numbers jump (none, then 2; or 7, then 10) and exactly as many rows sit
    in the gap as numbers are missing, each with cells beside the number column, they
    are those rows.  The header row (row 0) is never numbered.
    """
    numbered = [(i, int(r[number])) for i, r in enumerate(rows) if number < len(r) and r[number].isdigit()]
    if not numbered:
        return

    def full(r: list[str]) -> bool:
        return sum(1 for k, c in enumerate(r) if k != number and c.strip()) >= 2 and not r[number].strip()

    anchors = [(0, 0), *numbered]
    for (a, na), (b, nb) in zip(anchors, anchors[1:], strict=False):
        gap = [i for i in range(a + 1, b) if full(rows[i])]
        if nb - na > 1 and len(gap) == nb - na - 1:
            for k, i in enumerate(gap, start=na + 1):
                rows[i][number] = str(k)


def _number_column(rows: list[list[str]]) -> int | None:
    """The 序号 column: cells that count 1, 2, 3 … down the table (maybe with gaps)."""
    width = max((len(r) for r in rows), default=0)
    for c in range(width):
        nums = [int(r[c]) for r in rows if c < len(r) and r[c].isdigit()]
        steps = list(zip(nums, nums[1:], strict=False))
        if (
            len(nums) >= 2
            and len(nums) >= 0.25 * (len(rows) - 1)
            and nums[0] <= 1 + (c > 0)
            and all(b > a for a, b in steps)
            and sum(b - a == 1 for a, b in steps) >= 0.8 * len(steps)
        ):
            return c
    return None


def merge_row_lines(
    rows: list[list[str]], places: list[tuple[int | None, float]]
) -> tuple[list[list[str]], list[int | None]]:
    """Put back together the rows of a numbered table that its layout cut into lines.

    A cell that wraps puts its second line on a baseline (or a text line) of its own,
    with nothing in the 序号 column.  Each such line joins the numbered row nearest
    to it on the same page (above it when cells are centred, below when they are
    top-aligned); lines before the first numbered row are the header; a header
    repeated at the top of a later page is dropped.  ``places`` gives each row's
    (page, vertical position); returns the rows and each row's page.
    """
    number = _number_column(rows)
    if number is None:
        return rows, [page for page, _ in places]
    numbered = [i for i, r in enumerate(rows) if number < len(r) and r[number].isdigit()]
    first = numbered[0]

    def dist(a: int, b: int) -> float:
        return abs(places[a][1] - places[b][1]) if places[a][0] == places[b][0] else float("inf")

    head = [0] + [k for k in range(1, first) if dist(k, k - 1) <= dist(k, first)]
    header = _merge_cells([rows[k] for k in head])
    before: dict[int, list[int]] = {t: [] for t in numbered}
    after: dict[int, list[int]] = {t: [] for t in numbered}
    is_numbered = set(numbered)
    for i, r in enumerate(rows):
        if i in is_numbered or i in head or not any(c.strip() for c in r):
            continue
        if places[i][0] != places[0][0] and _repeats_header(r, header):
            continue
        same_page = [t for t in numbered if places[t][0] == places[i][0]]
        if same_page:
            t = min(same_page, key=lambda t: (dist(i, t), t > i))
        else:
            t = max((t for t in numbered if t < i), default=first)
        (before if i < t else after)[t].append(i)
    out = [header]
    pages = [places[0][0]]
    for t in numbered:
        out.append(_merge_cells([rows[k] for k in (*before[t], t, *after[t])]))
        pages.append(places[t][0])
    return out, pages


def _merge_cells(parts: list[list[str]]) -> list[str]:
    width = max(len(p) for p in parts)
    return [join_lines([p[c] for p in parts if c < len(p) and p[c]]) for c in range(width)]


def _repeats_header(row: list[str], header: list[str]) -> bool:
    cells = [(k, squash(c)) for k, c in enumerate(row) if squash(c)]
    hits = sum(1 for k, c in cells if k < len(header) and c in squash(header[k]))
    return bool(cells) and hits >= 0.5 * len(cells)


def _column_starts(header: list[Segment], size: float) -> list[float]:
    """Column left edges: header glyph runs separated by more than half a character width.

    OCR boxes are measured, and the detector already split them at the gaps, so a
    quarter of a character between two boxes is a column boundary.
    """
    starts: list[float] = []
    prev_end: float | None = None
    for s in sorted(header, key=lambda s: s.x):
        gap = 0.25 * size if s.w else 0.5 * size
        if prev_end is None or s.x - prev_end > gap:
            starts.append(s.x)
        prev_end = max(prev_end or 0.0, s.x + _seg_width(s, size))
    return starts


# --------------------------------------------------------------- mending


def _is_heading_text(text: str) -> bool:
    s = squash(text)
    return bool(RE_HEADING_ANY.match(s)) and len(s) <= 60


def mend_breaks(blocks: list[Block]) -> list[Block]:
    """Rejoin paragraphs that a page break cut in two.

    A paragraph that has sentence punctuation inside but stops mid-sentence, followed
    by a paragraph that is not a heading, was split by the old page boundary.
    """
    out: list[Block] = []
    for b in blocks:
        prev = out[-1] if out else None
        if (
            prev is not None
            and prev.rows is None
            and b.rows is None
            and not prev.display
            and not b.display
            and prev.heading is None
            and b.heading is None
            and not prev.extra.get("aside")
            and not b.extra.get("aside")
            and prev.text
            and b.text
            and prev.text[-1] not in TERMINAL
            and (re.search(r"[，。；：]", prev.text) or (len(prev.text) >= 20 and len(b.text) >= 20))
            and not _is_heading_text(prev.text)
            and not _is_heading_text(b.text)
            and not RE_NUMBERED.match(squash(b.text))
        ):
            prev.text = join_lines([prev.text, b.text])
            prev.original += "\n" + b.original
            prev.page_end = b.page_end or prev.page_end
            continue
        out.append(b)
    return out
