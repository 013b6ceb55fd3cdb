"""Scanned PDFs through offline OCR: lines rebuilt from boxes, pages kept, each page read once.

The scans are made here: pages of the printed Bazhong plan rasterised by PDFium
(its embedded fonts drawn) into an image-only PDF, as a scanner would.  The fast
tests read one cropped page; the slow test reads the whole plan and checks its
tree and the character error rate against the text edition.
"""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest
from support.paths import PLAN_PDF
from support.pdf import render_pages, write_image_pdf, write_pdf

import kb.ingest.pdf
from kb.ingest import ocr
from kb.ingest.loaders import IngestError, load
from kb.ingest.ocr import Box, PageText, page_lines, snap_sizes
from kb.ingest.parse import parse_file, parse_paths

pytestmark = pytest.mark.skipif(not ocr.available(), reason="rapidocr-onnxruntime and pypdfium2 are needed")


def normalise(text: str) -> str:
    """For comparing editions: no whitespace, full-width forms folded (OCR reads （ as ( and back)."""
    return "".join(c for c in unicodedata.normalize("NFKC", text) if not c.isspace())


def cer(text: str, reference: str) -> float:
    from rapidfuzz.distance import Levenshtein

    return Levenshtein.distance(normalise(text), normalise(reference)) / len(normalise(reference))


@pytest.fixture(scope="module")
def cache(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("ocr-cache")


@pytest.fixture(autouse=True)
def _cache_here(cache, monkeypatch):
    monkeypatch.setattr(ocr, "cache_dir", lambda: cache)


@pytest.fixture(scope="module")
def scan(tmp_path_factory) -> Path:
    """Page 5 of the printed plan from its chapter heading down, scanned: a heading and 7 lines."""
    path = tmp_path_factory.mktemp("scan") / "scan.pdf"
    return write_image_pdf(path, render_pages(PLAN_PDF, [5], crop=(0.62, 0.9)))


@pytest.fixture(scope="module")
def scanned(scan, cache):
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(ocr, "cache_dir", lambda: cache)
        return load(scan)


def _merge(*pdfs: Path, into: Path) -> Path:
    from pypdf import PdfWriter

    writer = PdfWriter()
    for pdf in pdfs:
        writer.append(str(pdf))
    with open(into, "wb") as f:
        writer.write(f)
    return into


def _blank_scan(path: Path) -> Path:
    from PIL import Image

    return write_image_pdf(path, [Image.new("L", (60, 85), 255)], resolution=7.2)


# ------------------------------------------------------------- one page


def test_a_scanned_page_is_read_into_lines_with_its_page(scanned):
    assert scanned.fmt == "pdf"
    texts = [ln.text for ln in scanned.lines]
    assert texts[0] == "第一章环境基础与形势" and len(texts) == 8
    assert {ln.page for ln in scanned.lines} == {1}
    heading, *body = scanned.lines
    assert heading.size > 1.3 * body[1].size, "the heading's larger type is seen in the scan"
    assert body[0].x - body[1].x > 1.5 * body[1].size, "and the first-line indent"
    assert len({ln.size for ln in body}) == 1, "one font, one size"
    assert scanned.stats["ocr_pages"] == 1 and scanned.stats["ocr_confidence"] > 0.95
    assert scanned.warnings == (f"1 of 1 page(s) read by OCR, mean confidence {scanned.stats['ocr_confidence']:.3f} "
                                f"(lowest: page 1, {scanned.stats['ocr_confidence']:.3f})",)


def test_the_scan_parses_like_the_text_edition(scan, plan_txt):
    doc = parse_file(scan)
    assert [(n.id, n.kind, n.title, n.page) for n in doc.nodes if n.kind == "chapter"] == [
        ("ch1", "chapter", "第一章 环境基础与形势", 1)
    ]
    clause = doc.nodes[1]
    assert clause.kind == "clause" and clause.parent == "ch1" and clause.page == 1
    reference = next(n for n in plan_txt.nodes if n.id == "ch1.c1").text
    # The crop ends mid-paragraph: compare with as much of the text edition as was scanned.
    assert cer(clause.text, reference[: len(clause.text)]) < 0.03


def test_each_page_is_read_once_across_rebuilds(scan, scanned, monkeypatch):
    def no_engine(image):
        raise AssertionError("the page was OCR'd again")

    monkeypatch.setattr(ocr, "recognise", no_engine)
    again = load(scan)
    assert again.lines == scanned.lines
    assert again.stats["ocr_cached"] == 1


def test_the_cache_is_keyed_by_page_content(scan, tmp_path, monkeypatch):
    """The same scan under another name hits the cache; a different page does not."""
    copy = tmp_path / "renamed.pdf"
    copy.write_bytes(scan.read_bytes())
    assert load(copy).stats["ocr_cached"] == 1
    calls = []
    real = ocr.recognise
    monkeypatch.setattr(ocr, "recognise", lambda image: calls.append(1) or real(image))
    other = write_image_pdf(tmp_path / "other.pdf", render_pages(PLAN_PDF, [5], crop=(0.62, 0.7)))
    assert load(other).stats["ocr_cached"] == 0 and calls == [1]


# ------------------------------------------------------------ mixed PDFs


def test_a_pdf_mixing_typeset_and_scanned_pages_reads_both(scan, tmp_path):
    typeset = write_pdf(tmp_path / "typeset.pdf", [[
        ("巴中市“十四五”生态环境保护规划", 22, 120, 90),
        ("坚持生态优先、绿色发展，推动生态环境质量持续改善，", 16, 92, 130),
        ("为建设美丽巴中打下坚实基础。", 16, 60, 154),
    ]])
    mixed = _merge(typeset, scan, into=tmp_path / "mixed.pdf")
    raw = load(mixed)
    assert [ln.page for ln in raw.lines[:3]] == [1, 1, 1] and {ln.page for ln in raw.lines[3:]} == {2}
    assert raw.stats["ocr_pages"] == 1 and raw.warnings[0].startswith("1 of 2 page(s) read by OCR")
    doc = parse_file(mixed)
    assert [(n.kind, n.page) for n in doc.nodes[:3]] == [("preamble", 1), ("chapter", 2), ("clause", 2)]
    assert doc.nodes[0].text.endswith("为建设美丽巴中打下坚实基础。")
    assert doc.nodes[2].text.startswith("经过“十三五”时期的努力"), "the scanned page keeps its paragraphs"


def test_an_ocr_page_that_yields_nothing_is_a_warning_naming_it(tmp_path):
    typeset = write_pdf(tmp_path / "typeset.pdf", [[("第一章 总体要求", 22, 200, 90),
                                                     ("坚持生态优先，推动绿色发展，建设美丽家园。", 16, 92, 130)]])
    path = _merge(typeset, _blank_scan(tmp_path / "blank.pdf"), into=tmp_path / "plan.pdf")
    doc = parse_file(path)
    assert [n.id for n in doc.nodes] == ["ch1", "ch1.c1"]
    assert "OCR page 2 yielded no text (blank or unreadable scan)" in doc.warnings


def test_a_scan_with_nothing_readable_is_an_error_and_the_rest_still_builds(tmp_path):
    folder = tmp_path / "corpus"
    folder.mkdir()
    bad = _blank_scan(folder / "scan.pdf")
    write_pdf(folder / "plan.pdf", [[("第一章 总体要求", 22, 200, 90), ("坚持生态优先，推动绿色发展。", 16, 92, 130)]])
    docs, errors = parse_paths([folder])
    assert [d.name for d in docs] == ["plan"]
    assert [str(e) for e in errors] == [f"{bad}: OCR found no text on any of its 1 page(s) (blank or unreadable scans)"]


def test_without_the_engine_scans_are_named_not_guessed(scan, tmp_path, monkeypatch):
    monkeypatch.setattr(kb.ingest.pdf, "_ocr_available", lambda: False)
    with pytest.raises(IngestError, match="no text layer on any of its 1 page.*install rapidocr-onnxruntime"):
        load(scan)
    typeset = write_pdf(tmp_path / "typeset.pdf", [[("第一章 总体要求", 22, 200, 90),
                                                     ("坚持生态优先，推动绿色发展，建设美丽家园。", 16, 92, 130)]])
    raw = load(_merge(typeset, scan, into=tmp_path / "mixed.pdf"))
    assert raw.warnings == ("page(s) 2 are scanned images and were not read: install rapidocr-onnxruntime to OCR them",)


def test_an_engine_failure_is_one_error_for_that_file(scan, tmp_path, monkeypatch):
    monkeypatch.setattr(ocr, "cache_dir", lambda: tmp_path / "empty-cache")

    def broken(image):
        raise RuntimeError("onnxruntime: bad allocation")

    monkeypatch.setattr(ocr, "recognise", broken)
    folder = tmp_path / "corpus"
    folder.mkdir()
    (folder / "scan.pdf").write_bytes(scan.read_bytes())
    write_pdf(folder / "plan.pdf", [[("第一章 总体要求", 22, 200, 90), ("坚持生态优先，推动绿色发展。", 16, 92, 130)]])
    docs, errors = parse_paths([folder])
    assert [d.name for d in docs] == ["plan"]
    assert [str(e) for e in errors] == [
        f"{folder / 'scan.pdf'}: OCR of the scanned page(s) 1 failed (RuntimeError: onnxruntime: bad allocation)"
    ]


# ------------------------------------------------------ lines from boxes


def test_boxes_become_lines_in_reading_order():
    boxes = [
        Box(300, 100, 340, 114, "约束性", 0.99),
        Box(60, 101, 120, 115, "指标名称", 0.99),
        Box(60, 40, 400, 56, "第一章总体要求", 0.98),
        Box(280, 800, 310, 812, "一12一", 0.8),
        Box(60, 130, 470, 144, "坚持生态优先，推动绿色发展，建设美丽家园，", 0.97),
        Box(36, 148, 470, 162, "确保生态环境质量持续改善，人民群众获得感明显增强。", 0.97),
    ]
    lines = page_lines(PageText(3, tuple(boxes)))
    assert [ln.text for ln in lines] == [
        "第一章总体要求", "指标名称 约束性", "坚持生态优先，推动绿色发展，建设美丽家园，",
        "确保生态环境质量持续改善，人民群众获得感明显增强。", "— 12 —",
    ]
    assert [len(ln.segments) for ln in lines] == [1, 2, 1, 1, 1] and {ln.page for ln in lines} == {3}
    assert lines[0].size > 1.4 * lines[2].size


def test_sizes_that_scatter_around_one_font_become_one():
    from kb.ingest.raw import Line

    lines = [Line("正文" * 10, 1, s) for s in (11.3, 11.5, 11.6, 12.2, 11.4)] + [Line("第一章", 1, 17.1)]
    assert [ln.size for ln in snap_sizes(lines)] == [11.6] * 5 + [17.1]


# ------------------------------------------------------------- the plan


@pytest.mark.slow
def test_the_whole_plan_scanned(tmp_path_factory, plan_txt, monkeypatch):
    """All 49 pages of the printed plan, rasterised and OCR'd (minutes on two cores; kb's own cache reused)."""
    from kb.config import Config

    monkeypatch.setattr(ocr, "cache_dir", lambda: Config.from_env().home / "ocr")
    path = tmp_path_factory.mktemp("scan-plan") / f"{PLAN_PDF.stem}.pdf"
    write_image_pdf(path, render_pages(PLAN_PDF, list(range(1, 50))))
    doc = parse_file(path)
    count = {k: sum(1 for n in doc.nodes if n.kind == k) for k in ("chapter", "section", "box", "row")}
    assert count["chapter"] == 12 and count["section"] == 51 and count["box"] == 10
    rows = [n for n in doc.nodes if n.kind == "row" and n.parent == "box1"]
    assert [n.id for n in rows] == [f"box1.r{k}" for k in range(1, 26)]
    text = "".join(n.title + n.text for n in doc.nodes)
    reference = "".join(n.title + n.text for n in plan_txt.nodes)
    rate = cer(text, reference)
    print(f"\nOCR character error rate against the text edition: {rate:.2%}")
    assert rate < 0.05
    assert all(n.page for n in doc.nodes if n.kind != "row")

