"""Loading files: encodings, PDF text with its layout, and clear errors for files that cannot be read.

Every bad input must produce an error that names the file and the problem, and
must not stop a corpus folder from parsing the good plan next to it.
"""

from __future__ import annotations

import hashlib
import random
import shutil
from pathlib import Path

import pytest
from support.paths import DATA, PLAN_PDF

import kb.ingest.parse
from kb.ingest.loaders import IngestError, discover, load
from kb.ingest.parse import parse_file, parse_paths
from kb.ingest.pdf import shared_fonts
from kb.ingest.txt import decode_text

SMALL = DATA / "small_plan.txt"


@pytest.fixture(autouse=True)
def _ocr_cache(tmp_path, monkeypatch):
    """OCR results go to a fresh cache, not the user's."""
    import kb.ingest.ocr

    monkeypatch.setattr(kb.ingest.ocr, "cache_dir", lambda: tmp_path / "ocr-cache")


def shape(doc) -> list[tuple]:
    return [(n.id, n.kind, n.title, n.parent, n.text) for n in doc.nodes]


@pytest.fixture(scope="module")
def small():
    return parse_file(SMALL)


# ---------------------------------------------------------------- encodings


@pytest.mark.parametrize("encoding", ["gbk", "gb18030", "utf-8-sig", "utf-16"])
def test_encodings_parse_to_the_same_plan(tmp_path, small, encoding):
    path = tmp_path / "small_plan.txt"
    path.write_bytes(SMALL.read_text(encoding="utf-8").encode(encoding))
    doc = parse_file(path)
    assert shape(doc) == shape(small)
    assert doc.warnings == ()
    assert doc.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()


def test_windows_line_endings(tmp_path, small):
    path = tmp_path / "small_plan.txt"
    path.write_bytes(SMALL.read_bytes().replace(b"\n", b"\r\n"))
    assert shape(parse_file(path)) == shape(small)


def test_gb18030_decode_keeps_characters_gbk_lacks():
    text = "第一章 总则\n内蒙古自治区“十四五”规划：䶮、𠀀与€。"
    data = text.encode("gb18030")
    with pytest.raises(UnicodeEncodeError):
        text.encode("gbk")
    assert decode_text(data, Path("x.txt")) == text


def test_gbk_bytes_are_not_read_as_utf8():
    text = "巴中市生态环境保护规划"
    assert decode_text(text.encode("gbk"), Path("x.txt")) == text


def test_damaged_utf8_stays_utf8_and_says_so(tmp_path, small):
    data = SMALL.read_bytes()
    cut = data.index("细颗粒物".encode()) + 1  # inside a three-byte character
    path = tmp_path / "damaged.txt"
    path.write_bytes(data[:cut] + data[cut + 1:])
    doc = parse_file(path)
    assert len(doc.nodes) == len(small.nodes)
    assert [n.title for n in doc.nodes if n.kind == "chapter"] == ["第一章 总体要求", "第二章 重点任务"]
    assert any("\ufffd" in n.text for n in doc.nodes)
    assert doc.warnings and "undecodable" in doc.warnings[0]


# --------------------------------------------------------------- bad inputs


def _random_bytes(n: int, low: int = 0) -> bytes:
    rnd = random.Random(20211220)
    return bytes(rnd.randrange(low, 256) for _ in range(n))


def _encrypted_pdf(path: Path) -> None:
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(595, 842)
    writer.encrypt(user_password="secret", owner_password="owner")
    writer.write(path)


def _blank_pdf(path: Path) -> None:
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(595, 842)
    writer.add_blank_page(595, 842)
    writer.write(path)


def _scanned_pdf(path: Path) -> None:
    """One page that only paints a blank image, as a scanner makes of an empty sheet."""
    from PIL import Image
    from support.pdf import write_image_pdf

    write_image_pdf(path, [Image.new("L", (60, 85), 255)], resolution=7.2)


def _truncated_pdf(path: Path) -> None:
    from support.pdf import write_pdf

    write_pdf(path, [[("第一章 总体要求", 22, 200, 90), ("正文内容。", 16, 92, 130)]])
    data = path.read_bytes()
    path.write_bytes(data[: len(data) * 2 // 3])


BAD = {
    # name: (file name, how to make it, words the message must contain)
    "empty txt": ("empty.txt", lambda p: p.write_bytes(b""), ["empty"]),
    "blank txt": ("blank.txt", lambda p: p.write_bytes(b"\r\n  \n\t\n"), ["empty"]),
    "empty pdf": ("empty.pdf", lambda p: p.write_bytes(b""), ["empty"]),
    "encrypted pdf": ("locked.pdf", _encrypted_pdf, ["encrypted", "password"]),
    "blank-page pdf": ("blank.pdf", _blank_pdf, ["no text layer", "2 page(s)", "no scanned image to OCR"]),
    "image-only pdf with nothing on it": ("scan.pdf", _scanned_pdf, ["OCR found no text", "1 page(s)"]),
    "truncated pdf": ("cut.pdf", _truncated_pdf, ["not a readable PDF", "truncated"]),
    "garbage pdf": ("junk.pdf", lambda p: p.write_bytes(_random_bytes(3000)), ["not a PDF"]),
    "garbage behind a pdf header": ("junk2.pdf", lambda p: p.write_bytes(b"%PDF-1.7\n" + _random_bytes(3000)),
                                    ["not a readable PDF"]),
    "binary txt": ("junk.txt", lambda p: p.write_bytes(_random_bytes(3000)), ["binary", "NUL"]),
    "undecodable txt": ("junk3.txt", lambda p: p.write_bytes(_random_bytes(3000, low=0x80)), ["cannot decode"]),
    "only a table of contents": ("toc.txt", lambda p: p.write_text("目 录\n第一章 总则.....1\n第二章 任务.....3\n",
                                                                 encoding="utf-8"), ["no text"]),
    "unsupported type": ("plan.xls", lambda p: p.write_bytes(b"PK\x03\x04" + _random_bytes(100)),
                         ["unsupported file type .xls", "kb reads .txt, .md, .markdown, .pdf, .docx, .html"]),
    "old word file": ("plan.doc", lambda p: p.write_bytes(_random_bytes(100)), ["save it as .docx"]),
    "wps file": ("plan.wps", lambda p: p.write_bytes(_random_bytes(100)), ["WPS", "save it as .docx"]),
}


@pytest.fixture(params=sorted(BAD))
def bad_file(request, tmp_path) -> tuple[Path, list[str]]:
    name, make, words = BAD[request.param]
    folder = tmp_path / "corpus"
    folder.mkdir()
    path = folder / name
    make(path)
    return path, words


def test_bad_file_error_names_file_and_problem(bad_file):
    path, words = bad_file
    with pytest.raises(IngestError) as info:
        parse_file(path)
    message = str(info.value)
    assert message.startswith(str(path) + ": ")
    assert info.value.path == path
    for word in words:
        assert word in message
    assert "Traceback" not in message


def test_corpus_with_a_bad_file_still_parses_the_good_plan(bad_file):
    path, words = bad_file
    shutil.copy(SMALL, path.parent / "small_plan.txt")
    docs, errors = parse_paths([path.parent])
    assert [d.name for d in docs] == ["small_plan"]
    assert len(docs[0].nodes) == 18
    assert len(errors) == 1
    assert errors[0].path == path and all(word in str(errors[0]) for word in words)


def test_missing_file():
    with pytest.raises(IngestError, match=r"nope\.txt: no such file"):
        parse_file(DATA / "nope.txt")


def test_missing_folder_does_not_stop_the_others(tmp_path):
    good = tmp_path / "corpus"
    good.mkdir()
    shutil.copy(SMALL, good)
    missing = tmp_path / "no_such_folder"
    docs, errors = parse_paths([missing, good])
    assert [d.name for d in docs] == ["small_plan"]
    assert [str(e) for e in errors] == [f"{missing}: no such file or folder"]


def test_an_unexpected_failure_in_one_file_is_reported_not_raised(tmp_path, monkeypatch):
    shutil.copy(SMALL, tmp_path / "a.txt")
    shutil.copy(SMALL, tmp_path / "b.txt")
    real = kb.ingest.parse.parse_raw

    def parse_raw(raw):
        if raw.name == "a":
            raise ValueError("boom")
        return real(raw)

    monkeypatch.setattr(kb.ingest.parse, "parse_raw", parse_raw)
    docs, errors = parse_paths([tmp_path])
    assert [d.name for d in docs] == ["b"]
    assert len(errors) == 1 and "a.txt" in str(errors[0]) and "ValueError: boom" in str(errors[0])


# -------------------------------------------------------------- discovery


def test_discover_walks_folders_in_order_and_skips_hidden_files(tmp_path):
    for rel in ["b.txt", "a.PDF", "sub/c.txt", "notes.md", ".hidden.txt", ".git/x.txt", "~$lock.txt"]:
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text("x", encoding="utf-8")
    found = [p.relative_to(tmp_path).as_posix() for p in discover([tmp_path])]
    assert found == ["a.PDF", "b.txt", "notes.md", "sub/c.txt"]


def test_a_file_named_twice_is_parsed_once(tmp_path):
    shutil.copy(SMALL, tmp_path)
    docs, errors = parse_paths([tmp_path, tmp_path / "small_plan.txt"])
    assert [d.name for d in docs] == ["small_plan"] and errors == []


def test_unsupported_file_in_a_folder_is_reported(tmp_path):
    shutil.copy(SMALL, tmp_path)
    (tmp_path / "slides.key").write_text("# notes", encoding="utf-8")
    docs, errors = parse_paths([tmp_path])
    assert len(docs) == 1
    assert [str(e) for e in errors] == [
        f"{tmp_path / 'slides.key'}: unsupported file type .key; kb reads .txt, .md, .markdown, .pdf, .docx, .html, .htm"
    ]


# ------------------------------------------------------------------ PDF


def test_pdf_lines_keep_page_size_and_position(make_pdf):
    path = make_pdf("p.pdf", [
        [("第一章 总体要求", 22, 200, 90), ("坚持生态优先，", 16, 92, 130), ("绿色发展。", 16, 60, 154)],
        [("类别", 12, 60, 100), ("序号", 12, 150, 100)],
    ])
    raw = load(path)
    assert raw.fmt == "pdf" and raw.name == "p"
    assert [(ln.text.strip(), ln.page, ln.size, ln.x) for ln in raw.lines] == [
        ("第一章 总体要求", 1, 22.0, 200.0), ("坚持生态优先，", 1, 16.0, 92.0), ("绿色发展。", 1, 16.0, 60.0),
        ("类别 序号", 2, 12.0, 60.0),
    ]
    assert [(s.x, s.text.strip()) for s in raw.lines[-1].segments] == [(60.0, "类别"), (150.0, "序号")]


def test_uppercase_pdf_suffix_is_read(make_pdf, tmp_path):
    path = make_pdf("plan.pdf", [[("第一章 总体要求", 22, 200, 90), ("正文内容。", 16, 92, 130)]])
    upper = path.rename(tmp_path / "PLAN.PDF")
    assert [n.id for n in parse_file(upper).nodes] == ["ch1", "ch1.c1"]


def test_txt_raw_lines():
    raw = load(SMALL)
    assert raw.fmt == "txt" and raw.name == "small_plan"
    assert raw.lines[0].text == "青山县“十四五”大气环境保护规划" and raw.lines[0].page is None
    assert raw.sha256 == hashlib.sha256(SMALL.read_bytes()).hexdigest()


def test_shared_fonts_change_nothing_but_speed():
    """Fonts built once per file give the very same lines as pypdf building them per page."""
    from pypdf import PdfReader

    from kb.ingest.pdf import _page_lines

    reader = PdfReader(PLAN_PDF)
    pages = [(reader.pages[k], k + 1) for k in (4, 12)]  # body text, and the indicator table
    plain = [_page_lines(page, n) for page, n in pages]
    with shared_fonts():
        shared = [_page_lines(page, n) for page, n in pages]
    assert shared == plain
    assert any("专栏" in ln.text for ln in shared[1])


def test_shared_fonts_build_each_font_once():
    from pypdf import PdfReader
    from pypdf._page import Font

    page = PdfReader(PLAN_PDF).pages[0]
    font = next(iter(page["/Resources"]["/Font"].values())).get_object()
    with shared_fonts():
        assert Font.from_font_resource(font) is Font.from_font_resource(font)
    assert Font.from_font_resource(font) is not Font.from_font_resource(font), "outside the block: unchanged"
