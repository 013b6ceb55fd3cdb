"""Exports read back the way a user's software reads them: csv with BOM, xlsx via openpyxl, docx via python-docx."""

from __future__ import annotations

import csv

import pytest
from docx import Document
from openpyxl import load_workbook
from support.paths import ROOT

from kb.ingest.parse import parse_file
from kb.tools.export import (
    QUIZ_HEADERS_ZH,
    display_width,
    quiz_rows,
    render_markdown,
    render_quiz_markdown,
    write_quiz,
    write_quiz_docx,
    write_table,
)
from kb.tools.quiz import make_quiz
from kb.tools.register import HEADERS_ZH, build_register, to_rows

PLAN = ROOT / "corpus" / "巴中市十四五生态环境保护规划.txt"


@pytest.fixture(scope="module")
def nodes():
    return list(parse_file(PLAN).nodes)


@pytest.fixture(scope="module")
def rows(nodes) -> list[dict]:
    return to_rows(build_register(nodes))


@pytest.fixture(scope="module")
def quiz(nodes):
    return make_quiz(nodes, n=12, seed=4)


def test_display_width_counts_cjk_double():
    assert display_width("abc") == 3
    assert display_width("城镇污水") == 8
    assert display_width("96%以上") == 7


def test_csv_has_a_bom_and_round_trips(rows, tmp_path):
    path = write_table(rows, HEADERS_ZH, tmp_path / "targets.csv", "csv")
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    with path.open(encoding="utf-8-sig", newline="") as f:
        back = list(csv.reader(f))
    assert back[0] == list(HEADERS_ZH.values())
    assert len(back) == len(rows) + 1
    for got, want in zip(back[1:], rows, strict=True):
        assert got == ["" if want[k] is None else str(want[k]) for k in HEADERS_ZH]


def test_csv_keeps_commas_quotes_and_newlines(tmp_path):
    tricky = [{"a": "未经依法审批,面积不减少", "b": '他说"好"\n第二行'}]
    path = write_table(tricky, {"a": "甲", "b": "乙"}, tmp_path / "t.csv", "csv")
    with path.open(encoding="utf-8-sig", newline="") as f:
        assert list(csv.reader(f))[1] == ["未经依法审批,面积不减少", '他说"好"\n第二行']


def test_xlsx_headers_widths_freeze_and_wrap(rows, tmp_path):
    path = write_table(rows, HEADERS_ZH, tmp_path / "targets.xlsx", "xlsx", title="承诺清单")
    ws = load_workbook(path).active
    assert ws.title == "承诺清单"
    assert [c.value for c in ws[1]] == list(HEADERS_ZH.values())
    assert all(c.font.bold for c in ws[1])
    assert ws.freeze_panes == "A2"
    assert ws.max_row == len(rows) + 1
    widths = {k: ws.column_dimensions[chr(ord("A") + i)].width for i, k in enumerate(HEADERS_ZH)}
    assert all(w and w >= 6 for w in widths.values())
    assert widths["text"] == 60 and widths["unit"] < widths["metric"] <= 60  # long text is capped
    assert ws.cell(row=2, column=list(HEADERS_ZH).index("text") + 1).alignment.wrap_text
    page_col = list(HEADERS_ZH).index("page") + 1
    assert isinstance(ws.cell(row=2, column=page_col).value, int)  # numbers stay numbers
    first = rows[0]
    assert ws.cell(row=2, column=2).value == first["metric"]


def test_markdown_table_escapes_pipes():
    text = render_markdown([{"a": "x|y", "b": "第一行\n第二行"}], {"a": "甲", "b": "乙"})
    lines = text.splitlines()
    assert lines[0] == "| 甲 | 乙 |"
    assert lines[2] == "| x\\|y | 第一行<br>第二行 |"


def test_markdown_file(rows, tmp_path):
    path = write_table(rows[:3], HEADERS_ZH, tmp_path / "t.md", "md", title="承诺清单")
    text = path.read_text(encoding="utf-8")
    assert text.startswith("# 承诺清单\n\n| 编号 |")
    assert text.count("\n|") == 3 + 2


def test_quiz_docx_has_questions_options_and_answer_key(quiz, tmp_path):
    path = write_quiz_docx(quiz, tmp_path / "quiz.docx", title="巴中规划测验")
    doc = Document(str(path))
    paras = [p.text for p in doc.paragraphs]
    assert paras[0] == "巴中规划测验"
    assert "答案与解析" in paras
    key = paras.index("答案与解析")
    questions, answers = paras[1:key], paras[key + 1:]
    for n, item in enumerate(quiz, start=1):
        assert any(p.startswith(f"{n}. （") and item.question in p for p in questions)
        assert any(p.startswith(f"{n}. ") and item.citation in p and item.source_text in p for p in answers)
    choice = next(it for it in quiz if it.type == "choice")
    for letter, option in zip("ABCD", choice.options, strict=True):
        assert f"{letter}. {option}" in questions
    letter = "ABCD"[choice.options.index(choice.answer)]
    assert any(p.startswith(f"{quiz.index(choice) + 1}. {letter}. {choice.answer}") for p in answers)


def test_quiz_as_xlsx_and_csv_tables(quiz, tmp_path):
    ws = load_workbook(write_quiz(quiz, tmp_path / "quiz.xlsx", "xlsx")).active
    assert [c.value for c in ws[1]] == list(QUIZ_HEADERS_ZH.values())
    assert ws.max_row == len(quiz) + 1 and ws.freeze_panes == "A2"
    flat = quiz_rows(quiz)
    assert {r["type"] for r in flat} <= {"单项选择题", "填空题", "判断题"}
    choice = next(r for r in flat if r["type"] == "单项选择题")
    assert choice["options"].startswith("A. ") and "\nD. " in choice["options"]
    path = write_quiz(quiz, tmp_path / "quiz.csv", "csv")
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")


def test_quiz_markdown_paper(quiz):
    text = render_quiz_markdown(quiz, title="测验")
    assert text.startswith("# 测验\n")
    assert "## 答案与解析" in text
    assert text.count("（填空题）") == sum(it.type == "fill" for it in quiz)
    head, key = text.split("## 答案与解析")
    assert all(it.question in head for it in quiz)
    assert all(it.citation in key for it in quiz)


def test_unknown_format(tmp_path):
    with pytest.raises(ValueError):
        write_table([], {"a": "甲"}, tmp_path / "x.pdf", "pdf")
