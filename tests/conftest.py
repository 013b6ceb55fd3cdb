"""Shared test fixtures.

Parser: the Bazhong plan in its two editions (a damaged text export and the printed
PDF), each parsed once per session, and a builder for small synthetic PDFs.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import kb.parse
from kb.nodes import Document

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data"
PLAN_NAME = "巴中市十四五生态环境保护规划"
PLAN_TXT = ROOT / "corpus" / f"{PLAN_NAME}.txt"
PLAN_PDF = DATA / f"{PLAN_NAME}.pdf"
EDITIONS = {"txt": PLAN_TXT, "pdf": PLAN_PDF}

# ------------------------------------------------------------------ parser

_PARSED: dict[Path, Document] = {}
_parse_file = kb.parse.parse_file  # the real one, whatever a test patches later


def parse_once(path: Path) -> Document:
    """Parse a file once per test session (the PDF edition takes seconds)."""
    key = Path(path).resolve()
    if key not in _PARSED:
        _PARSED[key] = _parse_file(key)
    return _PARSED[key]


@pytest.fixture(scope="session")
def plan_txt():
    """The text edition of the Bazhong plan, parsed."""
    return parse_once(PLAN_TXT)


@pytest.fixture(scope="session")
def plan_pdf():
    """The PDF edition of the Bazhong plan, parsed."""
    return parse_once(PLAN_PDF)


@pytest.fixture(scope="session", params=sorted(EDITIONS))
def plan(request):
    """Each edition of the Bazhong plan in turn."""
    return parse_once(EDITIONS[request.param])


@pytest.fixture(scope="session")
def run_kb():
    """Run ``kb ARGS…`` in-process with click's CliRunner; returns the click Result.

    ``kb.parse.parse_file`` is wrapped for the call so that the two plan editions are
    served from the session's single parse: the command still runs its whole real
    path (discover, parse_paths, output) without extracting the PDF again.
    """
    from click.testing import CliRunner

    from kb.cli import cli

    editions = {p.resolve() for p in EDITIONS.values()}

    def parse_file(path):
        return parse_once(path) if Path(path).resolve() in editions else _parse_file(path)

    def run(*args: str | Path):
        with pytest.MonkeyPatch.context() as mp:
            mp.setattr(kb.parse, "parse_file", parse_file)
            return CliRunner().invoke(cli, [str(a) for a in args])

    return run


# ---------------------------------------------------------- synthetic PDFs


def write_pdf(path: Path, pages: list[list[tuple[str, float, float, float]]],
              width: float = 595, height: float = 842, flip: bool = False) -> Path:
    """Write a PDF whose pages show the given text runs: ``(text, font size, x, y from the top)``.

    The font is a Type0/Identity-H font with a ToUnicode map and no glyphs: enough
    for text extraction, which is all the parser reads.  Text coordinates are PDF's
    own (y grows upwards) or, with ``flip``, Skia's (the page is flipped and y grows
    downwards, as in the printed Bazhong plan).
    """
    from pypdf import PdfWriter
    from pypdf.generic import (
        ArrayObject,
        DecodedStreamObject,
        DictionaryObject,
        NameObject,
        NumberObject,
        TextStringObject,
    )

    def name(n: str) -> NameObject:
        return NameObject(n)

    chars = sorted({c for runs in pages for run in runs for c in run[0]})
    cid = {c: i + 1 for i, c in enumerate(chars)}
    cmap = ["/CIDInit /ProcSet findresource begin", "12 dict begin", "begincmap",
            "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def",
            "/CMapName /Adobe-Identity-UCS def", "/CMapType 2 def",
            "1 begincodespacerange <0000> <FFFF> endcodespacerange"]
    pairs = list(cid.items())
    for k in range(0, len(pairs), 100):
        chunk = pairs[k:k + 100]
        cmap.append(f"{len(chunk)} beginbfchar")
        cmap += [f"<{i:04X}> <{c.encode('utf-16-be').hex().upper()}>" for c, i in chunk]
        cmap.append("endbfchar")
    cmap += ["endcmap", "CMapName currentdict /CMap defineresource pop", "end", "end"]

    w = PdfWriter()
    to_unicode = DecodedStreamObject()
    to_unicode.set_data("\n".join(cmap).encode())
    descriptor = DictionaryObject({
        name("/Type"): name("/FontDescriptor"), name("/FontName"): name("/KbTest"),
        name("/Flags"): NumberObject(4), name("/FontBBox"): ArrayObject([NumberObject(0)] * 4),
        name("/ItalicAngle"): NumberObject(0), name("/Ascent"): NumberObject(880),
        name("/Descent"): NumberObject(-120), name("/CapHeight"): NumberObject(700),
        name("/StemV"): NumberObject(80),
    })
    cid_font = DictionaryObject({
        name("/Type"): name("/Font"), name("/Subtype"): name("/CIDFontType2"), name("/BaseFont"): name("/KbTest"),
        name("/CIDSystemInfo"): DictionaryObject({
            name("/Registry"): TextStringObject("Adobe"), name("/Ordering"): TextStringObject("Identity"),
            name("/Supplement"): NumberObject(0),
        }),
        name("/FontDescriptor"): w._add_object(descriptor), name("/DW"): NumberObject(1000),
    })
    font = w._add_object(DictionaryObject({
        name("/Type"): name("/Font"), name("/Subtype"): name("/Type0"), name("/BaseFont"): name("/KbTest"),
        name("/Encoding"): name("/Identity-H"), name("/DescendantFonts"): ArrayObject([w._add_object(cid_font)]),
        name("/ToUnicode"): w._add_object(to_unicode),
    }))
    for runs in pages:
        page = w.add_blank_page(width, height)
        ops = [f"1 0 0 -1 0 {height} cm"] if flip else []
        ops += [
            f"BT /F1 {size} Tf 1 0 0 {-1 if flip else 1} {x} {y if flip else height - y} Tm "
            f"<{''.join(f'{cid[c]:04X}' for c in text)}> Tj ET"
            for text, size, x, y in runs
        ]
        content = DecodedStreamObject()
        content.set_data("\n".join(ops).encode())
        page[name("/Contents")] = w._add_object(content)
        page[name("/Resources")] = DictionaryObject({name("/Font"): DictionaryObject({name("/F1"): font})})
    with open(path, "wb") as f:
        w.write(f)
    return path


@pytest.fixture()
def make_pdf(tmp_path):
    """Factory: ``make_pdf("x.pdf", pages, flip=False)`` writes a synthetic PDF into tmp_path (see write_pdf)."""

    def make(filename: str, pages: list[list[tuple[str, float, float, float]]], flip: bool = False) -> Path:
        return write_pdf(tmp_path / filename, pages, flip=flip)

    return make


# --------------------------------------------------------------- web app


@pytest.fixture(scope="session")
def plan_kb(tmp_path_factory):
    """A KnowledgeBase over the Bazhong plan, indexed once per session with the fake encoder (seconds)."""
    from fakes import HashEncoder

    from kb.knowledge import KnowledgeBase

    folder = tmp_path_factory.mktemp("plan-kb") / "index"
    KnowledgeBase.build(ROOT / "corpus", folder, encoder=HashEncoder(), progress=False)
    return KnowledgeBase.open(folder, encoder=HashEncoder())
