"""Exports read back the way a user's software reads them: csv with BOM, xlsx via openpyxl, docx via python-docx."""

from __future__ import annotations

import csv

import pytest
from docx import Document
from openpyxl import load_workbook
from support.paths import ROOT

from kb.ingest.parse import parse_file
from kb.tools.export import (
    POINTS,
    QUIZ_HEADERS_ZH,
    REGISTER_LABELS_ZH,
    TYPE_NAMES_ZH,
    display_width,
    quiz_rows,
    render_conversation_markdown,
    render_markdown,
    render_quiz_markdown,
    spreadsheet_text,
    write_conversation,
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


def test_quiz_docx_is_an_exam_paper_with_a_candidate_line_points_and_an_answer_key(quiz, tmp_path):
    path = write_quiz_docx(quiz, tmp_path / "quiz.docx", title="巴中规划测验")
    doc = Document(str(path))
    paras = [p.text for p in doc.paragraphs]
    assert paras[0] == "巴中规划测验"
    assert paras[1].startswith("姓名：") and "班级：" in paras[1] and "得分：" in paras[1]
    total = sum(POINTS[it.type] for it in quiz)
    assert paras[2] == f"（共 {len(quiz)} 题，满分 {total} 分）"
    assert "答案与解析" in paras
    key = paras.index("答案与解析")
    questions, answers = paras[3:key], paras[key + 1:]
    sections = [p for p in questions if p[:2] in ("一、", "二、", "三、")]
    assert [s.split("（")[0][2:] for s in sections] == [TYPE_NAMES_ZH[t] for t in POINTS if any(it.type == t for it in quiz)]
    for section in sections:  # '一、单项选择题（每题2分，共8分）'
        kind = next(t for t, name in TYPE_NAMES_ZH.items() if name in section)
        count = sum(it.type == kind for it in quiz)
        assert f"（每题{POINTS[kind]}分，共{POINTS[kind] * count}分）" in section
    numbered = [it for t in POINTS for it in quiz if it.type == t]  # the paper's order: by section
    for n, item in enumerate(numbered, start=1):
        assert any(p.startswith(f"{n}. ") and item.question in p and p.endswith(f"（{POINTS[item.type]}分）")
                   for p in questions)
        assert any(p.startswith(f"{n}. ") and item.citation in p and item.source_text in p for p in answers)
    choice = next(it for it in numbered if it.type == "choice")
    for letter, option in zip("ABCD", choice.options, strict=True):
        assert f"{letter}. {option}" in questions
    letter = "ABCD"[choice.options.index(choice.answer)]
    assert any(p.startswith(f"{numbered.index(choice) + 1}. {letter}. {choice.answer}") for p in answers)


def test_quiz_as_xlsx_and_csv_tables_have_one_column_per_option(quiz, tmp_path):
    ws = load_workbook(write_quiz(quiz, tmp_path / "quiz.xlsx", "xlsx")).active
    assert [c.value for c in ws[1]] == list(QUIZ_HEADERS_ZH.values())
    assert ws.max_row == len(quiz) + 1 and ws.freeze_panes == "A2"
    flat = quiz_rows(quiz)
    assert {r["type"] for r in flat} <= {"单项选择题", "填空题", "判断题"}
    for row, item in zip(flat, quiz, strict=True):
        if item.type == "choice":
            assert [row[f"option_{c}"] for c in "abcd"] == list(item.options)
            assert row["answer"] == "ABCD"[item.options.index(item.answer)]
        else:
            assert [row[f"option_{c}"] for c in "abcd"] == ["", "", "", ""] and row["answer"] == item.answer
        assert row["points"] == POINTS[item.type]
    path = write_quiz(quiz, tmp_path / "quiz.csv", "csv")
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")


def test_quiz_markdown_paper(quiz):
    text = render_quiz_markdown(quiz, title="测验")
    assert text.startswith("# 测验\n\n姓名：")
    assert "## 答案与解析" in text
    assert text.count("## 二、") == (len({it.type for it in quiz}) >= 2)
    head, key = text.split("## 答案与解析")
    assert all(it.question in head for it in quiz)
    assert all(it.citation in key for it in quiz)


def test_register_xlsx_has_an_autofilter_and_chinese_source_labels(rows, tmp_path):
    path = write_table(rows, HEADERS_ZH, tmp_path / "r.xlsx", "xlsx", title="承诺清单", labels=REGISTER_LABELS_ZH)
    ws = load_workbook(path).active
    last = ws.cell(1, len(HEADERS_ZH)).column_letter
    assert ws.auto_filter.ref == f"A1:{last}{len(rows) + 1}" and ws.freeze_panes == "A2"
    col = list(HEADERS_ZH).index("source") + 1
    assert {ws.cell(r, col).value for r in range(2, ws.max_row + 1)} == {"指标表", "条款"}
    plain = load_workbook(write_table(rows, HEADERS_ZH, tmp_path / "p.xlsx", "xlsx")).active
    assert {plain.cell(r, col).value for r in range(2, plain.max_row + 1)} == {"table", "clause"}  # labels asked for


def test_a_conversation_as_markdown_and_word(tmp_path):
    turns = [{"question": "谁负责？", "answer": "加快建设。\n责任主体：市住建局\n出处：《某规划》第二章 p.3",
              "citations": ["某规划 › 第二章 p.3", "某规划 › 第三章 p.5"]}]
    text = render_conversation_markdown(turns, "问答记录")
    assert text.startswith("# 问答记录\n\n## 1. 谁负责？") and "责任主体：市住建局" in text
    assert "- [2] 某规划 › 第三章 p.5" in text
    doc = Document(str(write_conversation(turns, tmp_path / "c.docx", "docx")))
    paras = [p.text for p in doc.paragraphs]
    assert "1. 谁负责？" in paras and "出处：《某规划》第二章 p.3" in paras
    with pytest.raises(ValueError):
        write_conversation(turns, tmp_path / "c.pdf", "pdf")


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
