"""Word .docx as the drafting office sends it: paragraphs in order, heading styles, list numbers, tables.

A paragraph becomes one :class:`~kb.ingest.raw.Line`.  What Word knows about it is
kept as hints for the segmenter: a heading style (Heading 1–4, 标题 1–4, or an
outline level) is a level, a paragraph set wholly in bold is ``bold``.  Numbers that
Word draws itself (list numbering, ``w:numPr``) are not in the text, so they are
rendered from numbering.xml as Word would show them (「一、」, 「（一）」, 「1.」) and put
in front: a document numbered by Word then reads like one typed by hand.  Tables
come as rows of cells; a vertically merged cell repeats its value in every row it
spans, a horizontally merged one stands in its first column.  Pages are the ones
Word recorded when it last laid the document out (``w:lastRenderedPageBreak``).
"""

from __future__ import annotations

import re
import zipfile
from io import BytesIO
from pathlib import Path

from kb.ingest.raw import IngestError, Line, RawDocument, read_bytes, sha256_bytes

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
CFB_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
#: Heading levels taken from styles; deeper levels are ordinary paragraphs.
MAX_LEVEL = 4
_HEADING_STYLE = re.compile(r"^(?:heading|标题)\s*([1-9])$", re.I)
#: Table-of-contents entries (「第一章 总则 3」) repeat the headings with page numbers: not body text.
_TOC_STYLE = re.compile(r"^(?:toc|目录)\s*(?:[1-9]|heading|标题)?$", re.I)


def load_docx(path: Path) -> RawDocument:
    """Read a .docx into lines, or say in one line why it cannot be read."""
    data = read_bytes(path)
    _check_container(path, data)
    import docx
    from docx.opc.exceptions import PackageNotFoundError

    try:
        document = docx.Document(BytesIO(data))
    except (PackageNotFoundError, KeyError, ValueError, zipfile.BadZipFile) as e:
        raise IngestError(path, f"not a readable Word document, damaged or not a .docx ({type(e).__name__}: {e})") from e
    except Exception as e:  # lxml and python-docx raise several kinds on a broken part
        raise IngestError(path, f"the Word document is damaged and cannot be read ({type(e).__name__}: {e})") from e
    reader = _Reader(document)
    lines = reader.lines()
    if not any(ln.text.strip() for ln in lines):
        raise IngestError(path, "the Word document has no text (only images or empty paragraphs?)")
    return RawDocument(path, path.stem, sha256_bytes(data), "docx", tuple(lines))


def _check_container(path: Path, data: bytes) -> None:
    """A .docx is a zip; a password-protected one, and an old .doc renamed, are OLE compound files."""
    if not data.strip(b"\x00 \t\r\n"):
        raise IngestError(path, "the file is empty")
    if data.startswith(CFB_MAGIC):
        if "EncryptedPackage".encode("utf-16-le") in data or "EncryptionInfo".encode("utf-16-le") in data:
            raise IngestError(path, "the Word document is protected with a password; save an unprotected copy")
        if "WordDocument".encode("utf-16-le") in data:
            raise IngestError(path, "this is an old Word .doc file with a .docx name; open it in Word or WPS and "
                              "save it as .docx")
        raise IngestError(path, "this is an OLE compound file (old Office format), not a .docx")
    if not data.startswith(b"PK"):
        raise IngestError(path, "this is not a Word .docx file (it is not a zip package)")
    try:
        with zipfile.ZipFile(BytesIO(data)) as z:
            names = set(z.namelist())
    except zipfile.BadZipFile as e:
        raise IngestError(path, f"the .docx is damaged or truncated ({e})") from e
    if "word/document.xml" not in names:
        raise IngestError(path, "this zip is not a Word document (it has no word/document.xml)")


# ---------------------------------------------------------------- reading


class _Reader:
    """Walks the body once, keeping the list counters and the page Word last laid out."""

    def __init__(self, document):
        self.document = document
        self.styles = {s.style_id: s for s in document.styles}
        self.numbering = _Numbering(document)
        self.page = 1
        self.paged = bool(document.element.body.findall(f".//{W}lastRenderedPageBreak"))
        self.tables = 0

    def lines(self) -> list[Line]:
        out: list[Line] = []
        for el in self.document.element.body.iterchildren():
            if el.tag == f"{W}p":
                line = self.paragraph(el)
                if line is not None:
                    out.append(line)
            elif el.tag == f"{W}tbl":
                out.extend(self.table(el))
            elif el.tag == f"{W}sdt":  # a content control (a cover page, a table of contents) holds paragraphs
                for p in el.iter(f"{W}p"):
                    line = self.paragraph(p)
                    if line is not None:
                        out.append(line)
        return out

    # -- paragraphs
    def paragraph(self, p) -> Line | None:
        page = self.page if self.paged else None
        text = self.text(p)
        style = self.style_of(p)
        if style is not None and _TOC_STYLE.match((style.name or "").strip()):
            return None
        label = self.numbering.label(p, style, self.styles)
        if not text.strip():
            return None
        level = self.level(p, style)
        return Line(label + text.strip() if label else text, page, heading=level, bold=self.bold(p, style))

    def text(self, p) -> str:
        """The paragraph's visible text: runs, tabs and line breaks; not deleted text, text boxes or field codes."""
        parts: list[str] = []
        for el in p.iter():
            tag = el.tag
            if tag == f"{W}lastRenderedPageBreak" or (tag == f"{W}br" and el.get(f"{W}type") == "page"):
                self.page += 1
            if not isinstance(tag, str) or not _visible(el, p):
                continue
            if tag == f"{W}t":
                parts.append(el.text or "")
            elif tag == f"{W}tab":
                parts.append(" ")
            elif tag in (f"{W}br", f"{W}cr") and el.get(f"{W}type") != "page":
                parts.append("\n")
        return "".join(parts)

    def style_of(self, p):
        ppr = p.find(f"{W}pPr")
        sid = ppr.find(f"{W}pStyle") if ppr is not None else None
        style_id = sid.get(f"{W}val") if sid is not None else None
        return self.styles.get(style_id) if style_id else self.document.styles.default(_paragraph_type())

    def level(self, p, style) -> int | None:
        """A heading level from the paragraph's outline level or its style (Heading 1–4, 标题 1–4)."""
        ppr = p.find(f"{W}pPr")
        outline = ppr.find(f"{W}outlineLvl") if ppr is not None else None
        if outline is not None:
            return _outline(outline)
        for s in _chain(style):
            if m := _HEADING_STYLE.match((s.name or "").strip()):
                n = int(m.group(1))
                return n if n <= MAX_LEVEL else None
            el = s.element.find(f"{W}pPr/{W}outlineLvl")
            if el is not None:
                return _outline(el)
        return None

    def bold(self, p, style) -> bool:
        """Every run with text is bold (directly, by its character style, or by the paragraph style)."""
        style_bold = any(s.font.bold for s in _chain(style) if s.font is not None and s.font.bold is not None)
        runs = [r for r in p.iter(f"{W}r") if _visible(r, p) and "".join(t.text or "" for t in r.iter(f"{W}t")).strip()]
        if not runs:
            return False
        for r in runs:
            b = r.find(f"{W}rPr/{W}b")
            if b is not None:
                if b.get(f"{W}val") in ("0", "false", "off"):
                    return False
                continue
            rstyle = r.find(f"{W}rPr/{W}rStyle")
            char_style = self.styles.get(rstyle.get(f"{W}val")) if rstyle is not None else None
            if char_style is not None and char_style.font.bold:
                continue
            if not style_bold:
                return False
        return True

    # -- tables
    def table(self, tbl) -> list[Line]:
        """Rows of cells, merged cells resolved: a vertical merge repeats its value, a horizontal one stands once."""
        self.tables += 1
        grid: list[list[str]] = []
        for tr in tbl.iterchildren(f"{W}tr"):
            row: list[str] = []
            before = tr.find(f"{W}trPr/{W}gridBefore")
            for _ in range(int(before.get(f"{W}val", "0")) if before is not None else 0):
                row.append("")
            for tc in tr.iterchildren(f"{W}tc"):
                span_el = tc.find(f"{W}tcPr/{W}gridSpan")
                span = int(span_el.get(f"{W}val", "1")) if span_el is not None else 1
                vmerge = tc.find(f"{W}tcPr/{W}vMerge")
                col = len(row)
                if vmerge is not None and vmerge.get(f"{W}val") in (None, "continue") and grid:
                    above = grid[-1]
                    text = above[col] if col < len(above) else ""
                else:
                    text = "\n".join(t for t in (self.text(p).strip() for p in tc.iter(f"{W}p")) if t)
                row.append(text)
                row.extend([""] * (span - 1))
            grid.append(row)
        width = max((len(r) for r in grid), default=0)
        page = self.page if self.paged else None
        out: list[Line] = []
        for row in grid:
            cells = tuple(row + [""] * (width - len(row)))
            if any(c.strip() for c in cells):
                out.append(Line("\t".join(c.replace("\n", " ") for c in cells), page, cells=cells, table=self.tables))
        return out


def _visible(el, p) -> bool:
    """Not inside deleted text, a text box or a field's instruction (text boxes float beside the flow)."""
    node = el
    while node is not None and node is not p:
        tag = node.tag
        if tag in (f"{W}del", f"{W}txbxContent", f"{W}instrText", f"{W}delText"):
            return False
        node = node.getparent()
    return True


def _outline(el) -> int | None:
    try:
        n = int(el.get(f"{W}val", "9")) + 1
    except ValueError:
        return None
    return n if n <= MAX_LEVEL else None


def _chain(style):
    """A style and the styles it is based on, nearest first."""
    seen = 0
    while style is not None and seen < 10:
        yield style
        style = getattr(style, "base_style", None)
        seen += 1


def _paragraph_type():
    from docx.enum.style import WD_STYLE_TYPE

    return WD_STYLE_TYPE.PARAGRAPH


# -------------------------------------------------------------- numbering


class _Numbering:
    """Word's list numbering (numbering.xml): which number each numbered paragraph shows."""

    def __init__(self, document):
        self.abstract: dict[str, dict[int, dict]] = {}
        self.nums: dict[str, tuple[str, dict[int, int]]] = {}
        self.counters: dict[str, dict[int, int]] = {}
        try:
            root = document.part.numbering_part.element
        except (NotImplementedError, KeyError, AttributeError):
            return
        for a in root.iterchildren(f"{W}abstractNum"):
            self.abstract[a.get(f"{W}abstractNumId")] = {
                int(lvl.get(f"{W}ilvl", "0")): _level(lvl) for lvl in a.iterchildren(f"{W}lvl")
            }
        for n in root.iterchildren(f"{W}num"):
            aid = n.find(f"{W}abstractNumId")
            overrides: dict[int, int] = {}
            for o in n.iterchildren(f"{W}lvlOverride"):
                start = o.find(f"{W}startOverride")
                if start is not None:
                    overrides[int(o.get(f"{W}ilvl", "0"))] = int(start.get(f"{W}val", "1"))
            if aid is not None:
                self.nums[n.get(f"{W}numId")] = (aid.get(f"{W}val"), overrides)

    def label(self, p, style, styles: dict) -> str:
        """The number Word draws before this paragraph ("" for none, or for a bullet)."""
        num_id, ilvl = _num_pr(p.find(f"{W}pPr"))
        if num_id is None:
            for s in _chain(style):
                num_id, style_lvl = _num_pr(s.element.find(f"{W}pPr"))
                if num_id is not None:
                    ilvl = ilvl if ilvl is not None else style_lvl
                    break
        if num_id is None or num_id == "0" or num_id not in self.nums:
            return ""
        ilvl = ilvl or 0
        abstract_id, overrides = self.nums[num_id]
        levels = self.abstract.get(abstract_id, {})
        if ilvl not in levels:
            return ""
        counts = self.counters.setdefault(num_id, {})
        start = overrides.get(ilvl, levels[ilvl]["start"])
        counts[ilvl] = counts[ilvl] + 1 if ilvl in counts else start
        for deeper in [k for k in counts if k > ilvl]:
            del counts[deeper]
        lvl = levels[ilvl]
        if lvl["fmt"] in ("bullet", "none"):
            return ""

        def value(m: re.Match) -> str:
            k = int(m.group(1)) - 1
            info = levels.get(k, {"fmt": "decimal", "start": 1})
            n = counts.get(k, overrides.get(k, info["start"]))
            return format_number(n, "decimal" if lvl["legal"] and k != ilvl else info["fmt"])

        return re.sub(r"%([1-9])", value, lvl["text"])


def _num_pr(ppr) -> tuple[str | None, int | None]:
    if ppr is None:
        return None, None
    num_pr = ppr.find(f"{W}numPr")
    if num_pr is None:
        return None, None
    nid = num_pr.find(f"{W}numId")
    lvl = num_pr.find(f"{W}ilvl")
    return (nid.get(f"{W}val") if nid is not None else None,
            int(lvl.get(f"{W}val", "0")) if lvl is not None else None)


def _level(lvl) -> dict:
    fmt = lvl.find(f"{W}numFmt")
    text = lvl.find(f"{W}lvlText")
    start = lvl.find(f"{W}start")
    return {
        "fmt": fmt.get(f"{W}val", "decimal") if fmt is not None else "decimal",
        "text": text.get(f"{W}val", "") if text is not None else "",
        "start": int(start.get(f"{W}val", "1")) if start is not None else 1,
        "legal": lvl.find(f"{W}isLgl") is not None,
    }


_CN_DIGITS = "零一二三四五六七八九"
_CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳"
_TIANGAN = "甲乙丙丁戊己庚辛壬癸"
_DIZHI = "子丑寅卯辰巳午未申酉戌亥"


def format_number(n: int, fmt: str) -> str:
    """A list number as Word shows it in the given w:numFmt (chineseCounting 12 → 十二)."""
    if fmt in ("chineseCounting", "chineseCountingThousand", "japaneseCounting", "taiwaneseCounting",
               "chineseLegalSimplified", "ideographDigital"):
        return chinese_number(n)
    if fmt in ("decimalEnclosedCircle", "decimalEnclosedCircleChinese") and 1 <= n <= len(_CIRCLED):
        return _CIRCLED[n - 1]
    if fmt == "ideographTraditional" and 1 <= n <= len(_TIANGAN):
        return _TIANGAN[n - 1]
    if fmt == "ideographZodiac" and 1 <= n <= len(_DIZHI):
        return _DIZHI[n - 1]
    if fmt in ("decimalFullWidth", "decimalFullWidth2"):
        return str(n).translate({ord(d): 0xFF10 + int(d) for d in "0123456789"})
    if fmt == "decimalZero":
        return f"{n:02d}"
    if fmt in ("upperLetter", "lowerLetter") and n >= 1:
        s = chr(ord("A") + (n - 1) % 26) * ((n - 1) // 26 + 1)
        return s if fmt == "upperLetter" else s.lower()
    if fmt in ("upperRoman", "lowerRoman") and 1 <= n < 4000:
        s = _roman(n)
        return s if fmt == "upperRoman" else s.lower()
    return str(n)


def chinese_number(n: int) -> str:
    """1 → 一, 10 → 十, 12 → 十二, 20 → 二十, 105 → 一百零五 (as 一、 （十二） headings are written)."""
    if n <= 0:
        return str(n)
    if n < 10:
        return _CN_DIGITS[n]
    if n < 20:
        return "十" + (_CN_DIGITS[n % 10] if n % 10 else "")
    if n < 100:
        return _CN_DIGITS[n // 10] + "十" + (_CN_DIGITS[n % 10] if n % 10 else "")
    if n < 1000:
        rest = n % 100
        tail = "" if not rest else ("零" + _CN_DIGITS[rest] if rest < 10 else
                                   (_CN_DIGITS[rest // 10] + "十" + (_CN_DIGITS[rest % 10] if rest % 10 else "")))
        return _CN_DIGITS[n // 100] + "百" + tail
    return str(n)


def _roman(n: int) -> str:
    out = ""
    for value, sym in ((1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"), (50, "L"),
                       (40, "XL"), (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I")):
        while n >= value:
            out += sym
            n -= value
    return out
