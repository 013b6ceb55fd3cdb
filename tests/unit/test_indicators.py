"""Indicator rows read by their headers, whatever the column order, and answers built from them."""

from __future__ import annotations

from kb.document import Node
from kb.query.answer import compose, matching_row
from kb.query.search import Hit
from kb.text.indicators import name_match, read_row

#: Three real column orders: baseline before target with an attribute column (a 十四五 plan),
#: unit and attribute before a 2025 baseline and a 2030 target, and two year columns of targets.
FOURTEENTH = (("类别", "(五) 人居环境改善"), ("序号", "23"), ("指标名称", "城镇污水处理率(%)"),
              ("2020年基准值", "95.92"), ("2025年目标", "≥96"), ("指标属性", "约束性"))
FIFTEENTH = (("序号", "2"), ("指标名称", "公园数量"), ("单位", "座"), ("属性", "预期性"),
             ("2025年基准", "1100"), ("2030年目标", "1600"))
TWO_YEARS = (("编号", "2"), ("关键指标", "森林覆盖率"), ("2025年指标", "19.5%"), ("2035年指标", "23%左右"),
             ("指标说明与指引", "参照总体规划中森林覆盖率的指标要求。"))


def test_columns_are_found_by_their_headers_in_any_order():
    a = read_row(FOURTEENTH)
    assert (a.name, a.unit, a.baseline, a.baseline_label, a.attribute) == ("城镇污水处理率", "%", "95.92",
                                                                          "2020年基准值", "约束性")
    assert a.targets == (("到2025年", "≥96"),)
    b = read_row(FIFTEENTH)
    assert (b.name, b.unit, b.baseline, b.attribute, b.targets) == ("公园数量", "座", "1100", "预期性",
                                                                    (("到2030年", "1600"),))
    c = read_row(TWO_YEARS)
    assert (c.name, c.baseline, c.attribute) == ("森林覆盖率", "", "")
    assert c.targets == (("到2025年", "19.5%"), ("到2035年", "23%左右"))


def test_a_row_without_a_target_column_is_not_an_indicator():
    assert read_row((("序号", "1"), ("项目名称", "污水处理厂"), ("建设内容", "新建"))) is None


def test_names_match_in_the_forms_a_question_uses():
    assert name_match("巴中市PM2.5目标是多少？", "地级及以上城市细颗粒物(PM _{2.5})浓度(μg/m ³)") == 1.0
    assert name_match("森林覆盖率要达到多少", "森林覆盖率(%)") == 1.0
    assert name_match("森林覆盖率要达到多少", "城镇生活垃圾无害化处理率(%)") < 0.5


def _row(rid: str, doc: str, columns, title: str) -> Node:
    return Node(id=rid, kind="row", title=title, parent="box1", doc=doc, columns=columns,
                text="；".join(f"{h}：{v}" for h, v in columns))


SEWAGE = _row("box1.r23", "甲规划", FOURTEENTH, "城镇污水处理率(%)")
PARKS = _row("box1.r2", "乙规划", FIFTEENTH, "公园数量")
PARKS_OLD = _row("annex1.r4", "丙意见", (("编号", "4"), ("关键指标", "公园数量"), ("2025年指标", "1000座"),
                                       ("2035年指标", "力争2000座")), "公园数量")
CLAUSE = Node(id="ch6.s2.c3", kind="clause", title="提升城乡污水处理能力", parent="ch6.s2", doc="甲规划",
              text="提升城乡污水处理能力。到2025年，城镇污水收集处理率达96%以上。", chapter=6)


def test_the_row_whose_target_year_the_question_names_wins():
    hits = [Hit(1, 1.0, PARKS_OLD), Hit(2, 0.9, PARKS)]
    assert matching_row("公园数量2030年目标是多少？", hits, [PARKS_OLD, PARKS]) is PARKS
    assert matching_row("公园数量2035年要达到多少？", hits, [PARKS_OLD, PARKS]) is PARKS_OLD
    # rows of documents the search did not find are not candidates
    other = Node(id="ch1.c1", kind="clause", title="t", parent="ch1", doc="乙规划", text="推进污水处理。")
    assert matching_row("城镇污水处理率目标是多少？", [Hit(1, 1.0, other)], [PARKS, SEWAGE]) is None
    # a row that search ranked first answers even when the question names it loosely
    assert matching_row("公园有多少？", hits, [PARKS_OLD, PARKS]) is PARKS_OLD


def test_a_number_question_is_answered_from_the_row_value_baseline_and_deadline():
    q = "城镇污水处理率的目标是多少？"
    a = compose(q, q, [Hit(1, 1.0, CLAUSE), Hit(2, 0.8, SEWAGE)], True, ["污水处理率"], [CLAUSE, SEWAGE],
                lambda t: [t[i:i + 2] for i in range(len(t) - 1)], lambda s: 1.0)
    assert a.indicator is SEWAGE and a.source is SEWAGE, "the row is the source of a number's answer"
    assert a.answer.replace("【", "").replace("】", "") == \
        "指标名称：城镇污水处理率(%)；2020年基准值：95.92；2025年目标：≥96；指标属性：约束性"
    assert [(t.comparator, t.value, t.unit, t.baseline, t.deadline) for t in a.targets] == [
        ("≥", "96", "%", "95.92", "到2025年")]
    assert a.deadlines == ("到2025年",) and [h.rank for h in a.citations] == [1, 2]
    d = a.to_dict()["indicator"]
    assert (d["baseline"], d["targets"], d["attribute"]) == ("95.92", [{"deadline": "到2025年", "value": "≥96"}], "约束性")
    assert d["columns"]["2020年基准值"] == "95.92"
    # a question that asks for no number keeps the clause's own words as the answer
    q2 = "城镇污水处理能力怎么提升？"
    b = compose(q2, q2, [Hit(1, 1.0, CLAUSE), Hit(2, 0.8, SEWAGE)], True, [], [CLAUSE, SEWAGE],
                lambda t: [t[i:i + 2] for i in range(len(t) - 1)], lambda s: 1.0)
    assert "基准值" not in b.answer and b.source is CLAUSE
