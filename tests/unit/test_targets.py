"""Quantified targets, quantities, units and dated actions (kb.text.targets)."""

from __future__ import annotations

import pytest

from kb.text.targets import Target, deadline_action, find_targets, parse_quantity, split_unit

# ---------------------------------------------------------------------------
# targets
# ---------------------------------------------------------------------------


def _one(text: str) -> Target:
    targets = find_targets(text)
    assert len(targets) == 1, targets
    return targets[0]


def test_target_rate_with_deadline_and_above():
    t = _one("到 2026 年，全市城市生活污水集中收集率达到 75%以上。")
    assert (t.metric, t.comparator, t.value, t.unit, t.deadline) == (
        "城市生活污水集中收集率", "≥", "75", "%", "到2026年"
    )
    assert t.comparator_text == "达到…以上"
    assert t.text[t.span[0]: t.span[1]] == "达到75%以上"
    assert t.text == "到2026年，全市城市生活污水集中收集率达到75%以上。"


@pytest.mark.parametrize(
    ("text", "metric", "cmp", "value", "unit", "wording"),
    [
        ("工业用水重复利用率不低于 88%。", "工业用水重复利用率", "≥", "88", "%", "不低于"),
        ("单位工业增加值用水量控制在 25 立方米以内。", "单位工业增加值用水量", "≤", "25", "立方米",
         "控制在…以内"),
        ("PM2.5 年均浓度低于 30 微克/立方米。", "PM2.5年均浓度", "<", "30", "微克/立方米", "低于"),
        ("颗粒物浓度≤35μg/m³。", "颗粒物浓度", "≤", "35", "μg/m³", "≤"),
        ("绿色矿山比例高于 40%。", "绿色矿山比例", ">", "40", "%", "高于"),
        ("黑臭水体比例降至 5%以下。", "黑臭水体比例", "≤", "5", "%", "降至…以下"),
        ("出境断面达标率保持在 100%。", "出境断面达标率", "=", "100", "%", "保持在"),
        ("光伏装机容量达到 12 万千瓦。", "光伏装机容量", "≥", "12", "万千瓦", "达到"),
        ("页岩气年产量达到 15 亿立方米。", "页岩气年产量", "≥", "15", "亿立方米", "达到"),
        ("新增公交车 150 辆。", "新增公交车", "=", "150", "辆", ""),
        ("村级污水站处理能力达 2.5 万吨/日。", "村级污水站处理能力", "≥", "2.5", "万吨/日", "达"),
    ],
)
def test_target_comparators_and_units(text, metric, cmp, value, unit, wording):
    t = _one(text)
    assert (t.metric, t.comparator, t.value, t.unit, t.comparator_text) == (metric, cmp, value, unit, wording)


def test_full_rate_reached_is_equality():
    assert _one("规模养殖场粪污设施配套率达到 100%。").comparator == "="


def test_two_targets_in_one_list():
    ts = find_targets("新建换电站 6 座、快充桩 1200 个，完善运营平台。")
    assert [(t.metric, t.value, t.unit) for t in ts] == [("新建换电站", "6", "座"), ("快充桩", "1200", "个")]


def test_two_targets_in_one_sentence_with_different_comparators():
    ts = find_targets("到 2027 年，各县城节水器具普及率达 95%以上，供水管网漏损率控制在 9%以内。")
    assert [(t.metric, t.comparator, t.value) for t in ts] == [
        ("节水器具普及率", "≥", "95"),
        ("供水管网漏损率", "≤", "9"),
    ]
    assert {t.deadline for t in ts} == {"到2027年"}


def test_attributive_quantity_takes_the_following_noun():
    t = _one("2026年底前建成 2 个生态环境教育基地。")
    assert (t.metric, t.value, t.unit, t.deadline) == ("建成生态环境教育基地", "2", "个", "2026年底前")
    t = _one("白溪河实施 18 千米河道生态修复。")
    assert (t.metric, t.value, t.unit) == ("白溪河实施河道生态修复", "18", "千米")


def test_share_of_a_population_before_its_noun():
    t = _one("到 2025 年全市 80% 行政村生活垃圾得到有效处理。")
    assert (t.metric, t.value, t.unit, t.deadline) == ("行政村生活垃圾得到有效处理", "80", "%", "到2025年")


def test_change_target_keeps_verb_and_baseline_year():
    t = _one("氨氮排放总量较 2020 年下降 8%。")
    assert (t.metric, t.comparator, t.value, t.unit) == ("氨氮排放总量下降", "≥", "8", "%")
    assert t.baseline == "2020年"


def test_from_to_target_records_starting_value():
    t = _one("湿地保护率由 50% 提高到 55%。")
    assert (t.metric, t.comparator, t.value, t.baseline) == ("湿地保护率", "≥", "55", "50%")


def test_deadline_same_sentence_even_when_after_the_number():
    ts = find_targets("推广电动出租车 500 辆，到 2026 年，充电设施覆盖率达到 95%。")
    assert [(t.value, t.deadline) for t in ts] == [("500", "到2026年"), ("95", "到2026年")]


def test_nearest_preceding_deadline_wins_within_sentence():
    ts = find_targets("到2023年，绿色建筑占比达到60%，到2026年，绿色建筑占比达到80%。")
    assert [(t.value, t.deadline) for t in ts] == [("60", "到2023年"), ("80", "到2026年")]


def test_deadline_inherited_from_earlier_sentence_of_the_clause():
    ts = find_targets("到 2025 年，秸秆综合利用率达到 93%。农膜回收率达到 85%。")
    assert [(t.metric, t.deadline) for t in ts] == [
        ("秸秆综合利用率", "到2025年"),
        ("农膜回收率", "到2025年"),
    ]


def test_no_deadline_when_none_precedes():
    assert _one("推广新能源环卫车 260 辆。").deadline is None


@pytest.mark.parametrize(
    "text",
    [
        "详见第 3 章第 2 节和第 12 页。",
        "规划期为 2021—2025 年，2025 年为目标年。",
        "执行《某市推进节水 15 条措施》。",
        "推动 PM2.5 与 O3 协同控制，建设 5G 基站网络。",
        "（一）生态环境质量改善 1. 大气",
    ],
)
def test_no_targets_from_years_ordinals_titles_or_codes(text):
    assert find_targets(text) == []


def test_retrospective_figures_are_excluded():
    text = (
        "截至 2020 年底，全市建成污水处理厂 9 座，处理能力达 30 万吨/日。"
        "“十三五”期间，森林覆盖率达到 62%。全市已累计建成充电桩 500 个。"
    )
    assert find_targets(text) == []


def test_past_context_continues_until_a_forward_date():
    text = "“十三五”期间建成站点 20 个。处理能力达到 10 万吨/日。到 2025 年，处理能力达到 15 万吨/日。"
    assert [(t.value, t.deadline) for t in find_targets(text)] == [("15", "到2025年")]


def test_completion_verb_alone_is_forward():
    t = _one("2023年底前完成 30 个入河排污口整治。")
    assert (t.metric, t.value, t.deadline) == ("完成入河排污口整治", "30", "2023年底前")


# ---------------------------------------------------------------------------
# table helpers
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("≥96", ("≥", "96", "", "≥")),
        ("<27.0", ("<", "27.0", "", "<")),
        (">63", (">", "63", "", ">")),
        ("100", ("=", "100", "", "")),
        ("达到 90%以上", ("≥", "90", "%", "达到…以上")),
    ],
)
def test_parse_quantity(cell, expected):
    assert parse_quantity(cell) == expected


def test_parse_quantity_without_number():
    assert parse_quantity("完成省定目标") is None


def test_split_unit_only_takes_unit_brackets():
    assert split_unit("生态质量指数(新EI)(%)") == ("生态质量指数(新EI)", "%")
    assert split_unit("细颗粒物(PM2.5)浓度(μg/m ³)") == ("细颗粒物(PM2.5)浓度", "μg/m³")
    assert split_unit("森林覆盖率（%）") == ("森林覆盖率", "%")
    assert split_unit("生态保护红线、自然保护地") == ("生态保护红线、自然保护地", "")


def test_deadline_action_takes_the_clause_after_a_lone_date():
    assert deadline_action("到 2024 年底，力争全部完成排污口整治，形成长效机制。") == (
        "到2024年底",
        "全部完成排污口整治",
    )
    assert deadline_action("2026年前青河经开区完成废气治理方案编制。") == (
        "2026年前",
        "青河经开区完成废气治理方案编制",
    )
    assert deadline_action("加强日常巡查。") is None


def test_target_to_dict_is_what_answers_show():
    t = find_targets("到2025年，城镇污水处理率达到96%以上。")[0]
    assert t.to_dict() == {"metric": "城镇污水处理率", "comparator": "≥", "value": "96", "unit": "%",
                           "deadline": "到2025年", "baseline": None, "text": t.text}


@pytest.mark.parametrize("text, money", [
    ("处十万元以上一百万元以下的罚款", True), ("总投资3.5亿元", True), ("污水处理费每吨1.2 元", True),
    ("新建学校28所", False), ("元旦前完成", False), ("推动投资主体多元化", False), ("打造三元催化产业", False),
])
def test_states_money(text, money):
    from kb.text.targets import states_money

    assert states_money(text) is money
