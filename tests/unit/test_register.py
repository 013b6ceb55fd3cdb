"""The commitment register over hand-built nodes: table rows, clauses, linking, dedup and filters."""

from __future__ import annotations

import pytest

from kb.document import Node
from kb.tools.register import HEADERS_ZH, ROW_KEYS, Commitment, build_register, similarity, to_rows

DOC = "某市“十四五”生态环境保护规划"
TABLE_PATH = ("第二章 总体要求", "第三节 目标指标", "专栏一 主要指标")


def _row(rid: str, seq: str, name: str, base: str, target: str, attr: str = "约束性") -> Node:
    return Node(
        id=rid, kind="row", title=name, parent="box-1", doc=DOC, page=19, path=TABLE_PATH, chapter=2,
        columns=(
            ("类别", "(五) 人居环境改善"), ("序号", seq), ("指标名称", name),
            ("2020 年 基准值", base), ("2025年目标", target), ("指标 属性", attr),
        ),
    )


def _clause(cid: str, text: str, chapter: int = 6, doc: str = DOC, path: tuple[str, ...] = (),
            title: str = "提升污水处理能力", page: int = 37) -> Node:
    path = path or ("第六章 水环境", "第二节 强化水环境综合治理")
    return Node(id=cid, kind="clause", title=title, parent="s-1", doc=doc, page=page, text=text,
                path=path, chapter=chapter)


ROW_SEWAGE = _row("r-23", "23", "城镇污水处理率(%)", "95.92", "≥96")
ROW_PM = _row("r-2", "2", "细颗粒物(PM2.5)浓度(μg/m³)", "28.1", "<27.0")
ROW_QUAL = _row("r-9", "9", "化学需氧量减少(%)", "-", "完成省定目标")

CLAUSE_SEWAGE = _clause(
    "c-1",
    "到 2025 年，城镇污水收集处理率达 96% 以上，由市住房城乡建设局牵头，各县（区）人民政府负责落实。"
    "推广新能源环卫车 260 辆。工业固体废物综合利用率达到 96%。",
)
CLAUSE_OUTFALL = _clause(
    "c-2",
    "2024 年底前完成入河排污口规范化整治，形成长效监管机制。加强日常巡查。"
    "森林覆盖率达到 65%。巩固治理成果，森林覆盖率达到 65%。",
    chapter=9,
    title="强化入河排污口整治",
)


def _by_id(items: list[Commitment]) -> dict[str, Commitment]:
    return {c.id: c for c in items}


@pytest.fixture(scope="module")
def register() -> list[Commitment]:
    return build_register([ROW_PM, ROW_QUAL, ROW_SEWAGE, CLAUSE_SEWAGE, CLAUSE_OUTFALL])


def test_table_row_parsed_from_columns(register):
    row = _by_id(register)["r-23#1"]
    assert (row.metric, row.comparator, row.value, row.unit) == ("城镇污水处理率", "≥", "96", "%")
    assert (row.baseline, row.deadline, row.attribute, row.source) == ("95.92", "到2025年", "约束性", "table")
    assert row.node_id == "r-23" and row.page == 19
    assert row.citation == ROW_SEWAGE.citation


def test_table_row_units_and_strict_comparator(register):
    pm = _by_id(register)["r-2#1"]
    assert (pm.metric, pm.comparator, pm.value, pm.unit) == ("细颗粒物(PM2.5)浓度", "<", "27.0", "μg/m³")


def test_table_row_qualitative_target_keeps_wording(register):
    q = _by_id(register)["r-9#1"]
    assert (q.metric, q.comparator, q.value, q.unit) == ("化学需氧量减少", "", "完成省定目标", "%")
    assert q.baseline == ""


def test_clause_targets_with_owners_and_deadline(register):
    c = _by_id(register)["c-1#1"]
    assert (c.metric, c.comparator, c.value, c.unit) == ("城镇污水收集处理率", "≥", "96", "%")
    assert c.deadline == "到2025年"
    assert c.owners == ("市住房城乡建设局", "各县（区）人民政府")
    assert c.source == "clause" and c.attribute == ""
    assert c.text.startswith("到2025年，城镇污水收集处理率达96%以上")


def test_owners_never_come_from_a_neighbouring_sentence(register):
    """The 由…牵头 of the sentence before assigns that sentence's target, not this one."""
    c = next(x for x in register if x.metric == "推广新能源环卫车")
    assert (c.value, c.unit) == ("260", "辆")
    assert c.owners == ()


def test_an_owner_note_owns_every_commitment_of_its_clause():
    noted = Node(id="c-9", kind="clause", title="建设绿道", parent="s-1", doc=DOC, chapter=6,
                 text="新建绿道1000公里。改造口袋公园300座，由区政府实施。（责任单位：市绿化局、市水务局）",
                 owners=(("市水务局", "support"), ("市绿化局", "lead")))
    found = build_register([noted])
    assert [c.owners for c in found] == [("市绿化局", "市水务局")] * 2


def test_owners_of_the_clause_holding_the_target_or_the_sentence_subject():
    c = _clause("c-8", "纵深推进云溪区、石门县试点示范，到2025年全市75%行政村完成治理。"
                       "白沙区建设水源涵养林1900公顷，河道清淤3500立方米。")
    by_value = {x.value: x.owners for x in build_register([c])}
    assert by_value["75"] == ()  # the pilot districts are another clause's, the target is 全市's
    assert by_value["1900"] == ("白沙区",) and by_value["3500"] == ("白沙区",)


def test_table_row_and_clause_are_cross_linked(register):
    items = _by_id(register)
    assert items["r-23#1"].linked == ("c-1#1",)
    assert items["c-1#1"].linked == ("r-23#1",)
    # both kept: the register lists the commitment once per source
    assert [c.id for c in register].count("r-23#1") == 1 and "c-1#1" in items


def test_same_value_but_other_metric_is_not_linked(register):
    solid = next(c for c in register if c.metric == "工业固体废物综合利用率")
    assert solid.value == "96" and solid.linked == ()
    assert similarity("城镇污水处理率", "工业固体废物综合利用率") < 0.6


def test_deadline_without_number_is_a_commitment(register):
    c = next(x for x in register if x.node_id == "c-2" and x.deadline)
    assert (c.metric, c.value, c.comparator, c.deadline) == ("完成入河排污口规范化整治", "", "", "2024年底前")


def test_sentence_without_number_or_deadline_is_not(register):
    assert not any("日常巡查" in c.metric for c in register)


def test_no_duplicates_same_node_metric_value(register):
    forest = [c for c in register if c.metric == "森林覆盖率"]
    assert len(forest) == 1
    keys = [(c.node_id, c.metric, c.value) for c in register]
    assert len(keys) == len(set(keys))


def test_ids_are_node_id_and_position(register):
    assert all(c.id.startswith(c.node_id + "#") for c in register)
    assert [c.id for c in register if c.node_id == "c-1"] == ["c-1#1", "c-1#2", "c-1#3"]


def test_retrospective_section_is_skipped():
    past = _clause(
        "p-1", "全市建成污水处理厂 9 座，处理能力达到 30 万吨/日。",
        chapter=1, path=("第一章 环境基础与形势", "第一节 “十三五”生态环境保护成效显著"),
    )
    assert build_register([past]) == []


def test_filters_by_chapter_and_doc():
    other = _clause("o-1", "到 2025 年，城镇污水收集处理率达 96% 以上。", doc="另一规划")
    nodes = [ROW_SEWAGE, CLAUSE_SEWAGE, CLAUSE_OUTFALL, other]
    assert {c.node_id for c in build_register(nodes, chapter=9)} == {"c-2"}
    assert {c.node_id for c in build_register(nodes, doc="另一规划")} == {"o-1"}
    only6 = build_register(nodes, doc=DOC, chapter=6)
    assert {c.node_id for c in only6} == {"c-1"}
    # the table row is filtered out, so nothing is left to link to
    assert all(c.linked == () for c in only6)


def test_to_rows_key_order_and_headers(register):
    rows = to_rows(register)
    assert len(rows) == len(register)
    assert all(tuple(r) == ROW_KEYS for r in rows)
    assert tuple(HEADERS_ZH) == ROW_KEYS
    assert HEADERS_ZH["metric"] == "指标/事项" and HEADERS_ZH["linked"] == "关联"
    row = next(r for r in rows if r["id"] == "c-1#1")
    assert row["owners"] == "市住房城乡建设局、各县（区）人民政府"
    assert row["linked"] == "r-23#1"
    assert row["page"] == 37


def test_owners_of_a_bare_county_list_take_the_full_names_the_plan_defines():
    listing = Node(id="ch1.s1.c1", kind="clause", title="示范", parent="ch1.s1", doc="甲规划", chapter=1,
                   text="支持云溪县、石门县和白沙区建设生态示范县（区）。")
    target = Node(id="ch2.s1.c1", kind="clause", title="粪污", parent="ch2.s1", doc="甲规划", chapter=2,
                  text="推动白沙、云溪等县（区）到2025年建成粪污处理中心3个。")
    other = Node(id="ch2.s1.c1", kind="clause", title="粪污", parent="ch2.s1", doc="乙规划", chapter=2,
                 text=target.text)
    found = build_register([listing, target, other], chapter=2)
    owners = {c.citation.split(" ")[0]: c.owners for c in found if c.value == "3"}
    assert owners == {"甲规划": ("白沙区", "云溪县"), "乙规划": ("白沙", "云溪")}
