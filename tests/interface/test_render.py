"""kb.interfaces.cli.render: the one output path, in every format it writes."""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass

import click
import pytest
from click.testing import CliRunner
from docx import Document
from openpyxl import load_workbook

from kb.interfaces.cli import render as r
from kb.interfaces.cli.errors import UserError

HEADERS = {"id": "编号", "metric": "指标/事项", "value": "目标值"}
ROWS = [{"id": "t1", "metric": "城镇污水收集处理率", "value": "96"},
        {"id": "t2", "metric": "含|竖线\n与换行", "value": "8000"}]
ITEMS = [
    {"id": "q1", "type": "choice", "question": "城镇污水收集处理率到2025年达到（　　）。",
     "options": ["90%", "96%", "98%", "99%"], "answer": "96%", "explanation": "见第六章。",
     "citation": "规划 › 第六章", "source_id": "ch6.c1", "source_text": "……"},
    {"id": "q2", "type": "judge", "question": "规划期为2021年至2025年。", "options": ["对", "错"],
     "answer": "对", "explanation": "见前言。", "citation": "规划 › 前言", "source_id": "foreword.c1",
     "source_text": "……"},
]


@dataclass(frozen=True)
class Result:
    name: str

    def to_dict(self) -> dict:
        return {"name": self.name, "via": "to_dict"}


def marked_view() -> r.View:
    from kb.text.display import ansi_marks

    return r.View(
        [Result("a")],
        text=lambda color: click.style("[1] 出处", fg="cyan") + "\n    " + ansi_marks("达到【96%】\x1b]0;x\x07。", color),
    )


def run(fn, *, tty: bool = False, monkeypatch=None):
    """Call ``fn`` under CliRunner (stdout captured), as a terminal when ``tty``."""
    if monkeypatch is not None:
        monkeypatch.setattr(r, "_is_terminal", lambda: tty)
    return CliRunner().invoke(click.command()(fn), [])


# ------------------------------------------------------------------- text


def test_text_to_a_pipe_keeps_marks_and_drops_styles_and_controls(monkeypatch):
    result = run(lambda: r.render(marked_view()), tty=False, monkeypatch=monkeypatch)
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("[1] 出处\n    达到【96%】") and result.stdout.endswith("。\n")
    assert "\x1b" not in result.stdout and "\x07" not in result.stdout


def test_text_to_a_terminal_turns_marks_into_colour(monkeypatch):
    result = run(lambda: r.render(marked_view()), tty=True, monkeypatch=monkeypatch)
    out = result.stdout
    assert "\x1b[1;31m96%\x1b[0m" in out and "【" not in out
    assert "\x1b[36m[1] 出处" in out
    assert "\x07" not in out and "\x1b]" not in out, "document text never carries escapes to the terminal"


def test_text_to_a_file_is_plain(tmp_path, monkeypatch):
    out = tmp_path / "view.txt"
    run(lambda: r.render(marked_view(), r.TEXT, out), tty=True, monkeypatch=monkeypatch)
    assert "【96%】" in out.read_text(encoding="utf-8") and "\x1b[" not in out.read_text(encoding="utf-8")


# ------------------------------------------------------------------- json


def test_json_uses_to_dict_and_keeps_chinese():
    result = run(lambda: r.render(r.View({"hits": [Result("巴中")], "n": 1}), r.JSON))
    assert json.loads(result.stdout) == {"hits": [{"name": "巴中", "via": "to_dict"}], "n": 1}
    assert "巴中" in result.stdout and result.stdout.count("\n") == 1, "one line per object"


def test_json_to_a_file_says_what_was_saved(tmp_path):
    out = tmp_path / "x.json"
    result = run(lambda: r.render(r.View(ROWS, noun="2 commitments"), r.JSON, out))
    assert json.loads(out.read_text(encoding="utf-8")) == ROWS
    assert result.stdout == "" and f"2 commitments → {out}" in result.stderr


def test_plain_data_renders_too():
    result = run(lambda: r.render([Result("x")], r.JSON))
    assert json.loads(result.stdout) == [{"name": "x", "via": "to_dict"}]


# --------------------------------------------------------------- tables


def test_csv_on_stdout_has_no_bom_and_a_file_has_one(tmp_path):
    table = r.View(ROWS, table=r.Table(ROWS, HEADERS, "承诺清单"))
    result = run(lambda: r.render(table, "csv"))
    assert not result.stdout.startswith("\ufeff")
    assert list(csv.reader(result.stdout.splitlines()))[0] == list(HEADERS.values())
    out = tmp_path / "t.csv"
    run(lambda: r.render(table, "csv", out))
    assert out.read_bytes().startswith(b"\xef\xbb\xbf")
    with out.open(encoding="utf-8-sig", newline="") as f:
        assert [row[1] for row in csv.reader(f)] == ["指标/事项", "城镇污水收集处理率", "含|竖线\n与换行"]


def test_md_table_escapes_cells_and_a_file_gets_the_title(tmp_path):
    table = r.View(ROWS, table=r.Table(ROWS, HEADERS, "承诺清单"))
    result = run(lambda: r.render(table, "md"))
    assert result.stdout.startswith("| 编号 | 指标/事项 | 目标值 |")
    assert "含\\|竖线<br>与换行" in result.stdout
    out = tmp_path / "t.md"
    run(lambda: r.render(table, "md", out))
    assert out.read_text(encoding="utf-8").startswith("# 承诺清单\n\n| 编号")


def test_xlsx_and_docx_tables_are_files(tmp_path):
    table = r.View(ROWS, table=r.Table(ROWS, HEADERS, "承诺清单"))
    xlsx, docx = tmp_path / "t.xlsx", tmp_path / "t.docx"
    run(lambda: r.render(table, "xlsx", xlsx))
    run(lambda: r.render(table, "docx", docx))
    ws = load_workbook(xlsx).active
    assert [c.value for c in ws[1]] == list(HEADERS.values()) and ws["B2"].value == "城镇污水收集处理率"
    cells = [c.text for c in Document(str(docx)).tables[0].rows[1].cells]
    assert cells == ["t1", "城镇污水收集处理率", "96"]
    result = run(lambda: r.render(table, "xlsx"))
    assert result.exit_code == 1 and "-o" in result.output


def test_a_view_without_a_table_refuses_table_formats():
    result = run(lambda: r.render(r.View(ROWS), "csv"))
    assert result.exit_code == 1 and "--json" in result.output


# ---------------------------------------------------------------- papers


def test_a_paper_is_an_exam_in_md_and_docx_and_a_list_in_csv_and_xlsx(tmp_path):
    paper = r.View(ITEMS, paper=r.Paper(ITEMS, "《规划》知识测验"), noun="2 questions")
    text = run(lambda: r.render(paper)).stdout
    assert text.startswith("# 《规划》知识测验") and "## 答案与解析" in text and "B. 96%" in text
    assert run(lambda: r.render(paper, "md")).stdout == text
    rows = list(csv.reader(run(lambda: r.render(paper, "csv")).stdout.splitlines()))
    assert rows[0][:3] == ["编号", "题型", "题目"] and rows[1][1] == "单项选择题"
    docx, xlsx = tmp_path / "q.docx", tmp_path / "q.xlsx"
    saved = run(lambda: r.render(paper, "docx", docx))
    assert f"2 questions → {docx}" in saved.stderr
    assert "答案与解析" in [p.text for p in Document(str(docx)).paragraphs]
    run(lambda: r.render(paper, "xlsx", xlsx))
    assert load_workbook(xlsx).active["C2"].value == ITEMS[0]["question"]


def test_an_unwritable_file_is_one_line(tmp_path):
    result = run(lambda: r.render(r.View(ROWS), r.JSON, tmp_path / "no" / "such" / "x.json"))
    assert result.exit_code == 1 and "cannot write" in result.output and "Traceback" not in result.output


# -------------------------------------------------------- choose_format


@pytest.mark.parametrize(("as_json", "fmt", "output", "expected"), [
    (False, None, None, "text"),
    (True, None, None, "json"),
    (False, "md", None, "md"),
    (False, None, "t.XLSX", "xlsx"),
    (False, None, "t.markdown", "md"),
    (False, None, "t.json", "json"),
    (False, "csv", "t.txt", "csv"),
])
def test_choose_format(tmp_path, as_json, fmt, output, expected):
    out = tmp_path / output if output else None
    assert r.choose_format(as_json, fmt, out, ("csv", "xlsx", "md")) == expected


@pytest.mark.parametrize(("as_json", "fmt", "output", "words"), [
    (True, "csv", None, "either"),
    (False, "xlsx", None, "-o"),
    (False, None, "t.pdf", "cannot tell the format"),
])
def test_choose_format_refuses(tmp_path, as_json, fmt, output, words):
    with pytest.raises(UserError, match=words):
        r.choose_format(as_json, fmt, tmp_path / output if output else None, ("csv", "xlsx", "md"))


def test_fit_counts_cjk_as_two_columns():
    assert r.fit("城镇污水", 8) == "城镇污水"
    assert r.fit("城镇污水处理率", 8) == "城镇污… "
    assert r.fit("ab", 4) == "ab  "


def test_terminal_answer_and_hits_show_notation_as_the_app_does():
    """PM_{2.5} and μg/m ³ as the PDF gives them read PM₂.₅ and μg/m³ in the terminal too."""
    from kb.document import Node
    from kb.interfaces.cli.commands.search import answer_text, hits_text
    from kb.query.answer import Answer
    from kb.query.search import Hit

    node = Node(id="ch2.s1.c1", kind="clause", title="细颗粒物(PM _{2.5})浓度", parent="ch2.s1", doc="某县规划",
                page=3, page_end=3, text="细颗粒物(PM _{2.5})浓度降至27μg/m ³。", path=("第二章 改善环境质量",),
                chapter=2)
    hit = Hit(1, 1.0, node, ("浓度",))
    card = click.unstyle(answer_text(Answer("PM2.5目标是多少", node.text, citations=(hit,)), color=False))
    assert "PM₂.₅" in card and "μg/m³" in card and "_{" not in card and "m ³" not in card

    class Marker:
        def mark(self, text, terms):
            return text

    shown = click.unstyle(hits_text(Marker(), "PM2.5", [hit], color=False))
    assert "PM₂.₅" in shown and "μg/m³" in shown and "_{" not in shown
