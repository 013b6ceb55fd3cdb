"""Heading families on small synthetic documents: each family, nesting learned per document,
boxes that end, flattened tables, owner notes and markdown marks."""

from __future__ import annotations

from pathlib import Path

import pytest

from kb.ingest.clean import Block
from kb.ingest.parse import parse_file
from kb.ingest.tables import align_rows, rebuild_flat_tables
from kb.text.notes import parse_note, split_note
from kb.text.patterns import heading_family


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def shape(doc) -> list[tuple[str, str, str | None]]:
    return [(n.kind, n.title, n.parent) for n in doc.nodes if n.kind != "clause"]


@pytest.mark.parametrize(("text", "family", "num"), [
    ("第三篇 协调发展", "pian", 3), ("第二部分：主要任务", "bufen", 2), ("第十二章 保障措施", "zhang", 12),
    ("第一节 目标", "jie", 1), ("第二十一条 违反本条例", "tiao", 21), ("专栏3 重点工程", "box", 3),
    ("四、保障措施", "hanzi", 4), ("（十八）探索机制", "phanzi", 18), ("2．建设体系", "arabic", 2),
    ("（3）推广", "parabic", 3),
])
def test_heading_families(text, family, num):
    fam = heading_family(text)
    assert fam is not None and fam[:2] == (family, num)


@pytest.mark.parametrize("text", ["2025年目标", "1.5万吨", "第一条款", "正文开始。", "专栏1.5"])
def test_running_text_is_no_heading(text):
    assert heading_family(text) is None


def test_numbering_that_restarts_in_each_part_nests_under_it(tmp_path):
    doc = parse_file(write(tmp_path, "parts.txt", "\n".join([
        "某市实施方案", "第一部分：总体要求", "一、指导思想", "坚持生态优先。", "二、目标", "到2025年完成。",
        "第二部分：主要任务", "一、治水", "开展治理。", "二、治气", "开展减排。",
    ])))
    assert shape(doc) == [
        ("preamble", "某市实施方案", None),
        ("part", "第一部分 总体要求", None),
        ("chapter", "一、指导思想", "p1"), ("chapter", "二、目标", "p1"),
        ("part", "第二部分 主要任务", None),
        ("chapter", "一、治水", "p2"), ("chapter", "二、治气", "p2"),
    ]
    assert [n.id for n in doc.nodes if n.kind == "chapter"] == ["p1.ch1", "p1.ch2", "p2.ch1", "p2.ch2"]


def test_numbering_that_runs_straight_through_parents_nests_too(tmp_path):
    doc = parse_file(write(tmp_path, "through.txt", "\n".join([
        "一、发展目标", "正文。", "二、主要任务", "（一）公园建设", "正文。", "（二）绿道建设", "正文。",
        "三、保障措施", "（三）组织领导", "正文。",
    ])))
    sections = [(n.title, n.parent) for n in doc.nodes if n.kind == "section"]
    assert sections == [("（一）公园建设", "ch2"), ("（二）绿道建设", "ch2"), ("（三）组织领导", "ch3")]


def test_run_in_headings_carry_their_paragraph(tmp_path):
    doc = parse_file(write(tmp_path, "runin.txt", "\n".join([
        "一、主要任务", "（一）加强组织领导。各部门要把这项工作摆上重要议事日程。",
        "（二）强化资金保障。县财政每年安排专项资金。",
    ])))
    sections = [n for n in doc.nodes if n.kind == "section"]
    assert [n.title for n in sections] == ["（一）加强组织领导", "（二）强化资金保障"]
    clause = next(n for n in doc.nodes if n.parent == sections[0].id)
    assert clause.text == "（一）加强组织领导。各部门要把这项工作摆上重要议事日程。"


def test_a_box_ends_at_the_next_heading_of_the_main_scheme(tmp_path):
    doc = parse_file(write(tmp_path, "boxes.txt", "\n".join([
        "一、治水", "（一）黑臭水体治理", "开展排查整治。", "专栏1　治水工程", "1. 管网工程", "新建管网50公里。",
        "2. 泵站工程", "新建泵站3座。", "（二）饮用水源保护", "划定保护区。", "专栏2　水源工程",
        "建设应急水源1处。", "二、保障措施", "加强组织领导。",
    ])))
    boxes = [n for n in doc.nodes if n.kind == "box"]
    assert [b.title for b in boxes] == ["专栏1 治水工程", "专栏2 水源工程"]
    items = [(n.title, n.parent) for n in doc.nodes if n.kind == "item"]
    assert items == [("1. 管网工程", "box1"), ("2. 泵站工程", "box1"), ("建设应急水源1处", "box2")]
    assert [n.kind for n in doc.nodes if n.title in ("（二）饮用水源保护", "二、保障措施")] == ["section", "chapter"]
    last = doc.nodes[-1]
    assert last.kind == "clause" and last.parent == "ch2", "the closing chapter is not swallowed by a box"


def test_box_items_that_restart_a_main_family_stay_in_the_box(tmp_path):
    doc = parse_file(write(tmp_path, "items.txt", "\n".join([
        "一、任务", "（一）治水", "正文。", "（二）治气", "正文。", "专栏1 重点项目", "（一）管网工程", "（二）泵站工程",
        "（三）治土", "正文。",
    ])))
    assert [n.title for n in doc.nodes if n.kind == "item"] == ["（一）管网工程", "（二）泵站工程"]
    assert [n.title for n in doc.nodes if n.kind == "section"] == ["（一）治水", "（二）治气", "（三）治土"]


def test_owner_notes_attach_to_the_clause_they_close(tmp_path):
    doc = parse_file(write(tmp_path, "notes.txt", "\n".join([
        "一、主要任务",
        "（一）治理黑臭水体。全面排查整治。（责任单位：市水务局、市生态环境局，各区政府）",
        "（二）推进垃圾分类。完善分类体系。",
        "（牵头单位：市绿化市容局；配合单位：市商务委）",
    ])))
    clauses = [n for n in doc.nodes if n.kind == "clause"]
    assert len(clauses) == 2, "a note on its own line is no clause of its own"
    assert clauses[0].owners == (("市水务局", "lead"), ("市生态环境局", "lead"), ("各区政府", "lead"))
    assert clauses[1].owners == (("市绿化市容局", "lead"), ("市商务委", "support"))
    assert clauses[1].text.endswith("（牵头单位：市绿化市容局；配合单位：市商务委）")


def test_note_parsing_rules():
    assert split_note("开展工作。") == ("开展工作。", ())
    text, owners = split_note("开展工作。（责任部门：市发展改革委、市财政局等）")
    assert text == "开展工作。" and [o.name for o in owners] == ["市发展改革委", "市财政局"]
    assert [o.role for o in parse_note("牵头单位：甲局；配合单位：乙委、丙办")] == ["lead", "support", "support"]


def cells(*texts: str) -> list[Block]:
    return [Block(t) for t in texts]


def test_flattened_table_with_split_cells_missing_cells_and_repeated_header():
    header = ["序号", "指标名称", "单位", "2025年目标"]
    blocks = cells("主要指标如下。", *header, "1", "森林覆盖率", "%", "20", "2", "人均公园绿地面积", "（含口袋公园）",
                   "平方米", "9.5", *header, "3", "绿道长度", "公里", "4", "湿地保有量", "万公顷", "7.3", "注：数据为初步统计。")
    out = rebuild_flat_tables(blocks)
    assert [b.text for b in out if b.rows is None] == ["主要指标如下。", "注：数据为初步统计。"]
    table = next(b for b in out if b.rows is not None)
    assert table.rows[0] == header
    assert table.rows[1:] == [
        ["1", "森林覆盖率", "%", "20"],
        ["2", "人均公园绿地面积（含口袋公园）", "平方米", "9.5"],
        ["3", "绿道长度", "公里", ""],
        ["4", "湿地保有量", "万公顷", "7.3"],
    ]


def test_group_cells_written_once_are_carried_down():
    header = ["任务编号", "分项任务", "工作任务", "主要部门"]
    rows = [["1", "重点区域", "推进滨江绿地贯通建设", "市水务局、市绿化市容局"],
            ["2", "推进新城绿环建设", "相关区政府，", "市规划资源局"],
            ["3", "重大项目", "建设环城生态公园带", "市绿化市容局"]]
    assert align_rows(header, rows) == [
        ["1", "重点区域", "推进滨江绿地贯通建设", "市水务局、市绿化市容局"],
        ["2", "重点区域", "推进新城绿环建设", "相关区政府，市规划资源局"],
        ["3", "重大项目", "建设环城生态公园带", "市绿化市容局"],
    ]


def test_short_paragraphs_without_a_header_stay_paragraphs():
    blocks = cells("一、目标", "森林覆盖率", "20%", "公园数量", "1000座")
    assert rebuild_flat_tables(blocks) == blocks


def test_markdown_marks_are_read_not_indexed(tmp_path):
    doc = parse_file(write(tmp_path, "rules.md", "\n".join([
        "---", "标题: 某市河道管理条例", "文号: -", "---", "", "> 本文由脚本提取，仅供参考。", "",
        "# 某市河道管理条例", "", "<!-- INFO END -->", "", "## 第一章 总 则", "",
        "第一条 为了加强**河道**管理，制定本条例。", "", "第二条 本条例适用于本市。", "",
        "## 第二章 附 则", "", "| 序号 | 名称 | 长度 |", "|---|---|---|", "| 1 | 甲河 | 12公里 |", "",
        "第三条 本条例自[公布之日](http://x)起施行。",
    ])))
    assert doc.nodes[0].kind == "preamble" and "某市河道管理条例" in doc.nodes[0].text
    assert doc.nodes[0].title == "某市河道管理条例"
    assert "INFO" not in doc.nodes[0].text and "---" not in doc.nodes[0].text
    assert [n.title for n in doc.nodes if n.kind == "chapter"] == ["第一章 总则", "第二章 附则"]
    arts = [n for n in doc.nodes if n.kind == "clause"]
    assert [n.text for n in arts] == ["第一条为了加强河道管理，制定本条例。", "第二条本条例适用于本市。",
                                       "第三条本条例自公布之日起施行。"]
    row = next(n for n in doc.nodes if n.kind == "row")
    assert dict(row.columns) == {"序号": "1", "名称": "甲河", "长度": "12公里"} and row.parent == "ch2"


def test_unrecognised_structure_is_indexed_flat_with_a_warning(tmp_path):
    paragraphs = ["会议纪要。", "会议听取了工作汇报，研究了下一步安排。", "会议要求各单位抓好落实。",
                  "会议强调要加强督促检查，确保各项工作按期完成，取得实效。", "特此纪要。"]
    doc = parse_file(write(tmp_path, "memo.txt", "\n\n".join(paragraphs)))
    assert doc.scheme == "flat" and all(n.kind == "clause" for n in doc.nodes)
    assert any("no heading structure" in w and "memo.txt" in w for w in doc.warnings)


def test_a_bare_annex_heading_takes_its_caption(tmp_path):
    doc = parse_file(write(tmp_path, "annex.txt", "\n".join([
        "一、任务", "开展工作。", "附表2", "重点任务分工表", "任务编号", "工作任务", "牵头部门", "1", "建设绿道",
        "市绿化市容局", "2", "建设公园", "市规划资源局",
    ])))
    annex = next(n for n in doc.nodes if n.kind == "annex")
    assert annex.title == "附表2 重点任务分工表"
    rows = [n for n in doc.nodes if n.kind == "row"]
    assert [n.parent for n in rows] == [annex.id, annex.id]
    assert rows[1].owners == (("市规划资源局", "lead"),), "an owner column assigns the row"


def test_a_file_that_is_not_chinese_is_skipped_with_its_reason(tmp_path):
    from kb.ingest.parse import parse_paths

    write(tmp_path, "README.md", "# Notes\n\nThis folder holds the plans we index, one file each.\n" * 5)
    write(tmp_path, "plan.txt", "一、目标\n到2025年，森林覆盖率达到20%。\n二、任务\n开展造林。\n")
    docs, errors = parse_paths([tmp_path])
    assert [d.name for d in docs] == ["plan"]
    assert len(errors) == 1 and "README.md" in str(errors[0]) and "not read as a Chinese document" in str(errors[0])


def test_the_closing_signature_goes_with_the_preamble(tmp_path):
    doc = parse_file(write(tmp_path, "notice.txt", "\n".join([
        "关于加强河道保洁工作的通知", "各乡镇人民政府：", "一、工作目标", "河道保洁率达到95%以上。", "二、保障措施",
        "加强督查考核。", "青山县水利局", "青山县生态环境局", "2024年5月20日",
    ])))
    assert [n.title for n in doc.nodes if n.kind == "clause"] == ["河道保洁率达到95%以上", "加强督查考核"]
    assert doc.nodes[0].text.endswith("青山县水利局\n青山县生态环境局\n2024年5月20日")
