"""A number question that names an indicator gets the row's number first, unless a clause already gives one."""

from __future__ import annotations

import pytest
from support.fakes import fake_kb

from kb.text.indicators import name_forms, states_quantity

#: A plan whose clause talks at length about an indicator and gives it no number; its table does.
PLAN = """青山县“十四五”生态保护规划

第一章 发展目标

主要指标

类别\t序号\t指标名称\t2020年基准值\t2025年目标\t指标属性
(一) 生态保护\t1\t生态质量指数(新EI)\t70.2\t≥71.5\t约束性
\t2\t湿地保护率(%)\t50\t≥52\t预期性

第二章 重点任务

第一节 保护修复

提升生态质量指数。持续提升生物丰度指数、植被覆盖指数和环境质量指数，确保到2025年，生态质量指数的目标不低于现有水平，生态质量指数稳中向好。

保护湿地。到2025年，湿地保护率的目标是达到52%以上，湿地面积不减少。
"""


@pytest.fixture(scope="module")
def small_kb(tmp_path_factory):
    return fake_kb(tmp_path_factory.mktemp("small_kb"), {"eco_plan.txt": PLAN})


def test_a_clause_naming_the_indicator_without_a_number_gives_way_to_the_row(small_kb):
    hits = small_kb.search("生态质量指数的2025年目标是多少？", k=5)
    assert hits[0].node.kind == "row" and "71.5" in hits[0].node.text
    assert [h.rank for h in hits] == list(range(1, len(hits) + 1))
    # asked without a number cue, the clause that talks about it comes first
    assert small_kb.search("生态质量指数怎么提升", k=5)[0].node.kind != "row"


def test_a_clause_that_gives_the_number_keeps_its_place(small_kb):
    q = "湿地保护率的2025年目标是多少？"
    hits = small_kb.search(q, k=5)
    clause = next(h for h in hits if h.node.kind != "row" and "52%" in h.node.text)
    assert any(h.node.kind == "row" and "52" in h.node.text for h in hits)
    # with the clause that states 52% on top, the rule leaves the order as it is
    ordered = [clause, *(h for h in hits if h is not clause)]
    assert small_kb.searcher._row_first(q, ordered, None, 5) == ordered


def test_states_quantity_reads_the_sentence_that_names_the_indicator():
    forms = name_forms("森林覆盖率*")
    assert forms == ["森林覆盖率"]
    assert states_quantity("到2030年，森林覆盖率达到14.6%。", forms)
    assert not states_quantity("确保到2025年，森林覆盖率不低于现有水平。", forms)
    # a quantity in another sentence is not this indicator's
    assert not states_quantity("森林覆盖率稳步提升。新建绿道200公里。", forms)
    # years and codes are not quantities
    assert not states_quantity("到2025年，PM2.5和森林覆盖率持续改善。", forms)
