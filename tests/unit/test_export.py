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
    spreadsheet_text,
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
        assert got == [spreadsheet_text(want[k]) for k in HEADERS_ZH]
    assert any(r["comparator"] == "=" for r in rows) and "'=" in {r[2] for r in back}, "even a bare = is neutralised"


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
    assert ws.cell(row=2, column=2).value == spreadsheet_text(first["metric"])


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


# ------------------------------------------------------ hostile plan text

HOSTILE_PLAN = """第一章 总体要求

第一节 发展目标

=HYPERLINK("http://evil.example/x","点击查看")到2025年，城镇污水处理率达到96%以上。

+cmd|' /C calc'!A0到2025年，新建城镇污水管网300公里，由市住房城乡建设局牵头。

-2+3+cmd|' /C calc'!A0到2025年，农村生活污水治理率达到60%，由市生态环境局负责。

@SUM(1+1)*cmd|' /C calc'!A0到2023年底前完成老城区雨污分流改造，新增湿地公园3个。
"""
#: Every way a cell can start a formula (OWASP), each in a cell of its own.
HOSTILE_CELLS = ['=HYPERLINK("http://evil.example","x")', "+1+1", "-2+3", "@SUM(A1)", "\t=1+1", "\r=1+1",
                 "=1+1"]


def formula_starts(text: str) -> bool:
    return text.startswith(("=", "+", "-", "@", "\t", "\r"))


def assert_no_formula(path):
    """Every cell of every sheet is a number or text that no spreadsheet reads as a formula."""
    wb = load_workbook(path)
    cells = [c for ws in wb.worksheets for row in ws.iter_rows() for c in row if c.value is not None]
    assert cells
    for c in cells:
        assert c.data_type in ("s", "n"), (c.coordinate, c.data_type, c.value)
        assert not (isinstance(c.value, str) and formula_starts(c.value)), (c.coordinate, c.value)
    return cells


@pytest.fixture(scope="module")
def hostile_nodes(tmp_path_factory):
    path = tmp_path_factory.mktemp("hostile") / "hostile.txt"
    path.write_text(HOSTILE_PLAN, encoding="utf-8")
    return list(parse_file(path).nodes)


def test_hostile_plan_text_never_becomes_a_formula_in_xlsx(hostile_nodes, tmp_path):
    rows = to_rows(build_register(hostile_nodes))
    assert any(r["text"].startswith("=HYPERLINK") for r in rows), "the plan text reaches the register"
    cells = assert_no_formula(write_table(rows, HEADERS_ZH, tmp_path / "t.xlsx", "xlsx"))
    assert any(str(c.value).startswith("'=HYPERLINK(") for c in cells), "the text is kept, neutralised"
    items = make_quiz(hostile_nodes, n=5, seed=1)
    assert items
    assert_no_formula(write_quiz(items, tmp_path / "q.xlsx", "xlsx"))


def test_every_formula_start_is_neutralised_in_xlsx_and_csv_alike(tmp_path):
    rows = [{"a": v, "b": 5, "c": -3} for v in HOSTILE_CELLS]
    headers = {"a": "=甲", "b": "乙", "c": "丙"}
    cells = assert_no_formula(write_table(rows, headers, tmp_path / "t.xlsx", "xlsx"))
    texts = [c.value for c in cells if c.column == 1]
    assert texts == ["'=甲", *("'" + v for v in HOSTILE_CELLS)]
    assert [c.value for c in cells if c.column == 3][1:] == [-3] * len(rows), "numbers stay numbers"
    path = write_table(rows, headers, tmp_path / "t.csv", "csv")
    with path.open(encoding="utf-8-sig", newline="") as f:
        back = list(csv.reader(f))
    assert [r[0] for r in back] == [t.replace("\r", "\n") for t in texts], "a CR in a cell stays in its cell"
    assert not [cell for r in back for cell in r if formula_starts(cell)]


def test_plain_text_is_left_alone():
    assert spreadsheet_text("到2025年达到96%") == "到2025年达到96%"
    assert spreadsheet_text("A=1") == "A=1" and spreadsheet_text(None) == ""
    assert spreadsheet_text(["-甲", "乙"]) == "'-甲、乙"
