"""`kb targets`, `kb locate` and `kb quiz` driven as a user would, on an index of the real plan.

The index is built once for the module with the fake encoder (these verbs never
embed).  The register is also checked against targets read off the plan by hand.
"""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from docx import Document
from openpyxl import load_workbook
from support.fakes import HashEncoder
from support.paths import ROOT

from kb.interfaces.cli import cli
from kb.knowledge import KnowledgeBase
from kb.tools.register import HEADERS_ZH, ROW_KEYS, Commitment

PLAN = ROOT / "corpus" / "巴中市十四五生态环境保护规划.txt"
DOC = PLAN.stem


@pytest.fixture(scope="module")
def index(tmp_path_factory) -> Path:
    corpus = tmp_path_factory.mktemp("corpus")
    shutil.copy(PLAN, corpus / PLAN.name)
    folder = tmp_path_factory.mktemp("kb") / "index"
    KnowledgeBase.build(corpus, folder, encoder=HashEncoder(), progress=False)
    return folder


@pytest.fixture(scope="module")
def kb(index) -> KnowledgeBase:
    return KnowledgeBase.open(index, encoder=HashEncoder())


@pytest.fixture(scope="module")
def register(kb) -> list[Commitment]:
    return kb.targets()


def run(index: Path, *args: str | Path):
    return CliRunner().invoke(cli, [*map(str, args), "--index", str(index)])


# ------------------------------------------------------- the register, by hand

#: Clause targets read off the plan: (words of the metric, comparator, value, unit, deadline).
CLAUSE_TARGETS = [
    ("清洁能源汽车在市区公共领域使用率", "≥", "90", "%", "到2025年"),
    ("推广新能源汽车", "=", "8000", "辆", ""),
    ("天然气年产能", "≥", "30", "亿立方米", ""),
    ("清洁能源产业产值", "≥", "100", "亿元", "到2025年"),
    ("城镇新建绿色建筑比例", "≥", "80", "%", "到2025年"),
    ("公共交通出行分担率", "≥", "50", "%", "到2025年"),
    ("县（区）级以上政府采购中绿色采购比例", "≥", "90", "%", "到2025年"),
    ("低碳示范单位", "=", "80", "个", ""),
    ("国家级园区", "=", "2", "个", ""),
    ("改造提升市级园区", "=", "20", "个", ""),
    ("年产能", "≥", "60", "万吨", ""),
    ("天然气长输管线", "=", "7", "条", ""),
    ("天然气长输管线", "=", "300", "公里", ""),
    ("公用充电站", "=", "12", "座", ""),
    ("充电桩", "=", "3600", "个", ""),
    ("秸秆综合利用率", "≥", "92", "%", "到2025年"),
    ("节水器具普及率", "≥", "90", "%", "到2025年"),
    ("管网漏损率", "≤", "10", "%", "到2025年"),
    ("城镇污水收集处理率", "≥", "96", "%", "到2025年"),
    ("农村生活污水得到有效治理", "=", "75", "%", "到2025年"),
    ("农村卫生厕所普及率", "≥", "90", "%", ""),
    ("粪污处理设施装备配套率", "=", "100", "%", ""),
    ("城市集中式饮用水水源水质达到或优于Ⅲ类比例", "=", "100", "%", "到2025年"),
    ("乡镇及以下集中式饮用水水源水质达到或优于Ⅲ类比例", "≥", "98", "%", "到2025年"),
    ("集中式饮用水水源信息公开比例", "≥", "80", "%", "到2025年"),
    ("铁溪河", "=", "25", "千米", ""),
    ("之字河", "=", "11", "千米", ""),
    ("一般工业固体废物综合利用率", "≥", "80", "%", "规划期内"),
    ("城镇生活垃圾无害化处理率", "≥", "99", "%", "到2025年"),
    ("危险废物利用处置率", "=", "100", "%", "到2025年"),
    ("生活污水污泥处理处置率", "=", "100", "%", "到2025年"),
    ("国家重点保护野生动植物保护率", "≥", "95", "%", "到2025年"),
    ("水土流失综合治理", "=", "500", "平方公里", ""),
    ("库塘污泥治理", "=", "10", "座", ""),
    ("水美新村", "=", "5", "个", ""),
    ("生态文明教育场馆", "=", "1", "个", "2025年底前"),
    ("巴州区建设水源涵养林", "=", "1900", "公顷", ""),
    ("规范化建设入河排污口", "=", "5", "处", ""),
    ("网格化监管APP系统", "=", "1", "套", ""),
    ("风电项目", "=", "5", "万千瓦", ""),
    ("4500", "=", "4500", "t/d", ""),
]
#: Dated actions without a number.
DATED_ACTIONS = [
    ("规模以上入河排污口全部整治到位", "到2022年底"),
    ("完成所有入河排污口规范化整治", "到2023年底"),
    ("“一园一策”废气治理方案编制", "2022年底前"),
    ("建立较为完善的生态环境分区管控体系和数据共享机制", "到2025年"),
]
#: The indicator table (专栏一) as printed: 2020 baseline, 2025 target, attribute.
INDICATORS = {
    1: ("96.7", "完成省考核目标"), 2: ("28.1", "<27.0"), 3: ("100", "100"), 4: ("0", "0"), 5: ("0", "0"),
    6: ("0", "完成省定目标"), 7: ("27.4", "完成省定目标"), 8: ("", "完成省定目标"), 9: ("15.9", "完成省定目标"),
    10: ("20.3", "完成省定目标"), 11: ("", "未经依法审批,面积不减少,性质不改变,功能不降低"),
    12: ("73.5*", "≥73.5"), 13: ("95*", "≥95"), 14: ("63", ">63"), 15: ("27", "完成省定目标"), 16: ("12.1", ""),
    17: ("39.88", "完成省定目标"), 18: ("100", "100"), 19: ("94", "完成省定目标"), 20: ("90", "完成省定目标"),
    21: ("100", "100"), 22: ("95", "≥98"), 23: ("95.92", "≥96"), 24: ("99", "≥99"), 25: ("54", "≥75"),
}


def test_register_has_the_clause_targets_read_by_hand(register):
    assert len(CLAUSE_TARGETS) >= 30
    clauses = [c for c in register if c.source == "clause"]
    missing = []
    for words, comparator, value, unit, deadline in CLAUSE_TARGETS:
        hits = [c for c in clauses if words in c.metric + c.text and (c.value, c.unit) == (value, unit)
                and c.deadline == deadline]
        if not hits or all(c.comparator != comparator for c in hits):
            missing.append((words, value + unit, deadline))
    assert missing == []


def test_register_metrics_name_the_indicator(register):
    by_value = {(c.value, c.unit, c.deadline): c.metric for c in register if c.source == "clause"}
    assert by_value[("92", "%", "到2025年")] == "秸秆综合利用率"
    assert by_value[("50", "%", "到2025年")] == "公共交通出行分担率"
    assert by_value[("10", "%", "到2025年")] == "管网漏损率"
    assert by_value[("8000", "辆", "")] == "推广新能源汽车"


def test_register_has_dated_actions(register):
    for words, deadline in DATED_ACTIONS:
        assert any(words in c.metric and c.deadline == deadline and c.value == "" for c in register), words


def test_register_has_every_indicator_row(register):
    rows = {int(c.node_id.rsplit(".r", 1)[1]): c for c in register if c.source == "table"}
    assert sorted(rows) == list(range(1, 26))
    for seq, (baseline, target) in INDICATORS.items():
        c = rows[seq]
        shown = c.value if c.comparator in ("", "=") else c.comparator + c.value
        assert (c.baseline, shown) == (baseline, target), seq
        assert c.deadline == "到2025年"
        assert c.attribute == ("预期性" if seq == 13 else "约束性")
    assert rows[2].unit == "μg/m³" and rows[23].unit == "%"


def test_register_has_no_duplicates(register):
    ids = [c.id for c in register]
    assert len(ids) == len(set(ids))
    keys = [(c.node_id, c.metric, c.value, c.unit) for c in register]
    assert len(keys) == len(set(keys))
    # the same commitment in the table and a clause is linked, not merged
    sewage = next(c for c in register if c.id == "box1.r23#1")
    assert sewage.linked and all(x.startswith("ch6.") for x in sewage.linked)


def test_box_item_sentences_do_not_carry_the_item_heading(register):
    for c in register:
        if c.node_id.startswith("box") and ".i" in c.node_id:
            assert not c.text.startswith("（"), c.text


def test_register_skips_retrospective_sections(register):
    assert not any("十三五" in c.citation for c in register)


# ------------------------------------------------------------------ kb targets


def test_targets_json(index, register):
    result = run(index, "targets", "--json")
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert len(rows) == len(register)
    assert all(list(r) == list(ROW_KEYS) for r in rows)
    straw = [r for r in rows if r["metric"] == "秸秆综合利用率" and r["deadline"] == "到2025年"]
    assert straw and straw[0]["value"] == "92" and straw[0]["page"] == 33


def test_targets_filters(index):
    rows = json.loads(run(index, "targets", "--json", "--chapter", "6", "--doc", "巴中").stdout)
    assert rows and all("第六章" in r["citation"] for r in rows)
    assert run(index, "targets", "--chapter", "99").exit_code == 1
    bad = run(index, "targets", "--doc", "成都")
    assert bad.exit_code == 1 and "no document matches" in bad.output and DOC in bad.output


def test_targets_human_table(index):
    result = run(index, "targets", "--chapter", "3")
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0].startswith("编号") and "指标/事项" in lines[0] and "期限" in lines[0]
    assert any("公共交通出行分担率" in line and "≥50%" in line and "到2025年" in line for line in lines)
    assert lines[-1].startswith("共 ") and "承诺" in lines[-1]


def test_targets_csv_xlsx_md_files(index, tmp_path):
    out = tmp_path / "t.csv"
    assert run(index, "targets", "--format", "csv", "-o", out).exit_code == 0
    assert out.read_bytes().startswith(b"\xef\xbb\xbf")
    with out.open(encoding="utf-8-sig", newline="") as f:
        table = list(csv.reader(f))
    assert table[0] == list(HEADERS_ZH.values()) and len(table) > 100

    xlsx = tmp_path / "t.xlsx"
    result = run(index, "targets", "-o", xlsx)  # format from the suffix
    assert result.exit_code == 0, result.output
    ws = load_workbook(xlsx).active
    assert ws["B1"].value == "指标/事项" and ws.freeze_panes == "A2"

    md = run(index, "targets", "--format", "md", "--chapter", "5")
    assert md.exit_code == 0 and md.stdout.startswith("| 编号 | 指标/事项 |")


def test_targets_user_errors(index, tmp_path):
    no_file = run(index, "targets", "--format", "xlsx")
    assert no_file.exit_code == 1 and "-o" in no_file.output
    both = run(index, "targets", "--json", "--format", "csv")
    assert both.exit_code == 1 and "either" in both.output
    unknown = run(index, "targets", "-o", tmp_path / "t.pdf")
    assert unknown.exit_code == 1 and "format" in unknown.output
    missing = CliRunner().invoke(cli, ["targets", "--index", str(tmp_path / "nowhere")])
    assert missing.exit_code == 1 and "Traceback" not in missing.output


# ------------------------------------------------------------------- kb locate


def test_locate_json_exact_and_near(index):
    exact = json.loads(run(index, "locate", "到2025年，公共交通出行分担率不低于50%。", "--json").stdout)
    assert exact[0]["exact"] and exact[0]["score"] == 100
    assert exact[0]["text"][exact[0]["span"][0]: exact[0]["span"][1]] == "到2025年，公共交通出行分担率不低于50%。"
    near = json.loads(run(index, "locate", "到2025年,公共交通出行分担比率不低于50%", "--json").stdout)
    assert not near[0]["exact"] and 90 <= near[0]["score"] < 100
    assert "【到2025年，公共交通出行分担率不低于50%】" in near[0]["context"]


def test_locate_nothing_found(index):
    result = run(index, "locate", "到2025年，全市新增城市绿地面积300公顷以上。", "--json")
    assert result.exit_code == 0 and json.loads(result.stdout) == []
    human = run(index, "locate", "到2025年，全市新增城市绿地面积300公顷以上。")
    assert human.exit_code == 0 and "未找到" in human.stdout


def test_locate_human(index):
    result = run(index, "locate", "秸秆综合利用率不低于92%", "-n", "2")
    assert result.exit_code == 0
    assert result.stdout.count("[") >= 2 and "原文一致" in result.stdout
    assert "【秸秆综合利用率不低于 92%】" in result.stdout
    assert "第五章" in result.stdout and "p.33" in result.stdout


def test_locate_on_a_terminal_colours_the_match(index, monkeypatch):
    from kb.interfaces.cli import render

    monkeypatch.setattr(render, "_is_terminal", lambda: True)
    result = run(index, "locate", "秸秆综合利用率不低于92%", "-n", "1")
    assert "\x1b[1;31m秸秆综合利用率不低于 92%\x1b[0m" in result.stdout and "【" not in result.stdout


def test_locate_doc_narrows_and_names_must_match(index):
    assert json.loads(run(index, "locate", "秸秆综合利用率不低于92%", "--doc", "巴中", "--json").stdout)
    bad = run(index, "locate", "秸秆综合利用率不低于92%", "--doc", "成都")
    assert bad.exit_code == 1 and "no document matches" in bad.stderr


def test_locate_empty_phrase_is_a_user_error(index):
    result = run(index, "locate", "   ")
    assert result.exit_code == 1 and "empty" in result.output


# --------------------------------------------------------------------- kb quiz


def test_quiz_json(index):
    result = run(index, "quiz", "-n", "12", "--seed", "3", "--json")
    assert result.exit_code == 0, result.output
    items = json.loads(result.stdout)
    assert len(items) == 12
    assert all(set(it) == {"id", "type", "question", "options", "answer", "explanation", "citation",
                           "source_id", "source_text"} for it in items)
    for it in items:
        if it["type"] == "choice":
            assert len(it["options"]) == 4 and it["answer"] in it["options"]
    assert run(index, "quiz", "-n", "12", "--seed", "3", "--json").stdout == result.stdout
    assert run(index, "quiz", "-n", "12", "--seed", "4", "--json").stdout != result.stdout


def test_quiz_types_and_chapter(index):
    items = json.loads(run(index, "quiz", "-n", "6", "--types", "fill,judge", "--chapter", "6", "--json").stdout)
    assert {it["type"] for it in items} == {"fill", "judge"}
    assert all("第六章" in it["citation"] for it in items)
    bad = run(index, "quiz", "--types", "choice,essay")
    assert bad.exit_code == 1 and "essay" in bad.output


def test_quiz_human_paper(index):
    result = run(index, "quiz", "-n", "5")
    assert result.exit_code == 0
    assert "知识测验" in result.stdout and "## 答案与解析" in result.stdout


def test_quiz_docx_and_xlsx(index, tmp_path):
    docx = tmp_path / "quiz.docx"
    result = run(index, "quiz", "-n", "8", "--format", "docx", "-o", docx)
    assert result.exit_code == 0, result.output
    paras = [p.text for p in Document(str(docx)).paragraphs]
    assert "答案与解析" in paras and sum(p[:2] in {f"{i}." for i in range(1, 9)} for p in paras) >= 8
    assert run(index, "quiz", "--format", "docx").exit_code == 1  # a file format needs -o
    xlsx = tmp_path / "quiz.xlsx"
    assert run(index, "quiz", "-n", "8", "-o", xlsx).exit_code == 0
    assert load_workbook(xlsx).active["C1"].value == "题目"


def test_quiz_short_chapter_warns(index):
    result = run(index, "quiz", "-n", "80", "--chapter", "12", "--json")
    assert result.exit_code == 0
    assert 0 < len(json.loads(result.stdout)) < 80
    assert "only" in result.stderr


@pytest.mark.parametrize("verb", ["targets", "locate", "quiz"])
def test_help(verb):
    result = CliRunner().invoke(cli, [verb, "--help"])
    assert result.exit_code == 0 and "--index" in result.output and "--json" in result.output
