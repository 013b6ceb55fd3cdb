"""Extraction of owners, deadlines and targets from plan language (sentences written for the tests)."""

from __future__ import annotations

import pytest

from kb.text.extract import (
    Target,
    deadline_action,
    find_baseline_dates,
    find_deadlines,
    find_owners,
    find_targets,
    is_retrospective,
    mark,
    normalize,
    parse_quantity,
    sentences,
    split_unit,
)

# ---------------------------------------------------------------------------
# normalize / sentences / mark
# ---------------------------------------------------------------------------


def test_normalize_drops_layout_spaces_but_keeps_latin_word_gaps():
    assert normalize("到 2026 年，污水处理率达 97 %\n以上") == "到2026年，污水处理率达97%以上"
    assert normalize("SNCR 脱硝改 SCR 工艺，LNG 60 万吨") == "SNCR脱硝改SCR工艺，LNG 60万吨"
    assert normalize("２０２５年达到９０％") == "2025年达到90%"


def test_sentences_split_on_full_stop_and_semicolon_keeping_quotes():
    text = "加强巡河管理。提出“力争全面达标。”随后推进；完善台账！\n\n"
    assert sentences(text) == ["加强巡河管理。", "提出“力争全面达标。”", "随后推进；", "完善台账！"]


def test_sentences_keep_unterminated_tail_and_drop_pure_punctuation():
    assert sentences("推进治理；；  。新建站点 3 个") == ["推进治理；；。", "新建站点3个"]


def test_mark_longest_first_without_overlap():
    out = mark("城镇污水处理率达96%，污水管网延伸", ["污水", "城镇污水处理率", "96%", ""])
    assert out == "【城镇污水处理率】达【96%】，【污水】管网延伸"


def test_mark_without_terms_is_identity():
    assert mark("原文不变", []) == "原文不变"


# ---------------------------------------------------------------------------
# find_owners
# ---------------------------------------------------------------------------


def test_owners_department_list_is_split_with_head_noun():
    owners = find_owners("增强公安、交通运输、市场监管、应急管理等相关职能部门联合执法能力。")
    assert owners == ["公安部门", "交通运输部门", "市场监管部门", "应急管理部门"]
    assert any("应急管理" in o for o in owners)


def test_owners_unknown_departments_accepted_inside_explicit_list():
    assert find_owners("税务、海关等部门按职责分工做好配合。") == ["税务部门", "海关部门"]


def test_owners_lone_unknown_department_is_not_invented():
    # "负责部门", "追究部门", "跨部门" are not department names
    assert find_owners("落实到具体的负责部门，推广跨部门检查。") == []


def test_owners_lead_and_support_bodies_in_order():
    text = "由市自然资源和规划局牵头，市林业局、市水利局配合，各县（区）人民政府负责具体实施。"
    assert find_owners(text) == ["市自然资源和规划局", "市林业局", "市水利局", "各县（区）人民政府"]


def test_owners_generic_bodies():
    assert find_owners("县（区）和市级有关部门要按照职责分工抓好落实。") == ["县（区）和市级有关部门"]
    assert find_owners("各县（区）、各有关部门要加强协同。") == ["各县（区）", "各有关部门"]
    assert find_owners("压实各级党委和政府生态环境保护责任。") == ["各级党委和政府"]


def test_owners_governments():
    owners = find_owners("市人民政府统一领导，县（区）人民政府抓好落实，各县（区）落实属地责任。")
    assert owners == ["市人民政府", "县（区）人民政府", "各县（区）"]


def test_owners_counties_generic_pattern_not_just_gazetteer():
    owners = find_owners("支持平昌县、恩阳区先行先试，鼓励苍溪县参与，在通江县建设监测站。")
    assert owners == ["平昌县", "恩阳区", "苍溪县", "通江县"]


def test_owners_bare_county_list_before_suffix():
    assert find_owners("推动巴州、南江、平昌等县（区）建设粪污处理中心。") == ["巴州区", "南江县", "平昌县"]
    assert find_owners("支持南江、通江县开展试点。") == ["南江县", "通江县"]


def test_owners_no_false_positives_from_zone_words():
    text = (
        "加强自然保护区、风景名胜区和中心城区管理，推进国家生态文明示范区、产业园区建设，"
        "优化城市空间布局，规范市场秩序，带动周边地区和革命老区发展，开展县级监测。"
    )
    assert find_owners(text) == []


def test_owners_city_only_as_acting_subject():
    assert find_owners("广元市要加快建设区域应急物资储备库。") == ["广元市"]
    assert find_owners("广元市生态资源丰富，城市绿化率持续提高。") == []


def test_owners_named_zones_are_owners():
    owners = find_owners("巴中经开区管委会、文旅新区管委会负责园区管网建设，支持平昌经济开发区开展试点。")
    assert owners == ["巴中经开区管委会", "文旅新区管委会", "平昌经济开发区"]


def test_owners_river_list_is_not_a_county_list():
    # "通江河、恩阳区": a river followed by a district must not yield "江河区"
    assert find_owners("对通江县红岩水库、通江河、恩阳区黄石盘水库实施保护。") == ["通江县", "恩阳区"]


def test_owners_enterprises_and_supervision_pattern():
    assert find_owners("委托巴山清源环保科技有限公司开展第三方运维。") == ["巴山清源环保科技有限公司"]
    assert find_owners("督促燃气公司严格落实安全生产主体责任。") == ["燃气公司"]
    assert find_owners("落实重点排污企业污染治理主体责任。") == ["重点排污企业"]


def test_owners_local_responsibility():
    assert find_owners("实行属地负责的网格化巡查机制。") == ["属地"]


def test_owners_deduplicated_in_order_of_appearance():
    owners = find_owners("南江县负责上游治理，平昌县负责下游治理，南江县同时配合监测。")
    assert owners == ["南江县", "平昌县"]


# ---------------------------------------------------------------------------
# deadlines
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("力争到 2027 年底基本完成改造", ["到2027年底"]),
        ("2024年6月底前完成排查；2026 年前全面建成", ["2024年6月底前", "2026年前"]),
        ("“十四五”期间新增造林，“十四五”末森林覆盖率稳定", ["“十四五”期间", "“十四五”末"]),
        ("规划期内当年综合利用率保持稳定", ["规划期内"]),
        ("到2025年建成，到2025年验收", ["到2025年"]),
        ("“十三五”期间完成造林，2019年全市达标，规划期自2021年至2025年", []),
    ],
)
def test_find_deadlines(text, expected):
    assert find_deadlines(text) == expected


def test_baseline_dates_are_not_deadlines():
    text = "截至 2020 年底，全市已建成站点 30 个。"
    assert find_deadlines(text) == []
    assert find_baseline_dates(text) == ["截至2020年底"]


def test_deadline_action_takes_the_clause_after_a_lone_date():
    assert deadline_action("到 2024 年底，力争全部完成排污口整治，形成长效机制。") == (
        "到2024年底",
        "全部完成排污口整治",
    )
    assert deadline_action("2026年前巴中经开区完成废气治理方案编制。") == (
        "2026年前",
        "巴中经开区完成废气治理方案编制",
    )
    assert deadline_action("加强日常巡查。") is None


# ---------------------------------------------------------------------------
# retrospective sentences
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "sentence",
    [
        "截至 2020 年底，全市建成污水处理厂 9 座。",
        "“十三五”期间，森林覆盖率达到 62%。",
        "2020年，全市优良天数比率达到 95.1%。",
        "全市已累计建成充电桩 500 个。",
        "先后建成监测站 4 个。",
    ],
)
def test_retrospective(sentence):
    assert is_retrospective(sentence)


@pytest.mark.parametrize(
    "sentence",
    [
        "2023年底前完成 30 个入河排污口整治。",
        "较 2020 年下降 8%。",
        "对已有的集中式处理设施进行提标改造。",
        "在“十三五”基础上，到2025年森林覆盖率达到65%。",
    ],
)
def test_not_retrospective(sentence):
    assert not is_retrospective(sentence)


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
        "执行《巴中市推进节水 15 条措施》。",
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


def test_find_places_reads_bare_county_names_but_not_rivers():
    from kb.text.extract import find_places

    assert find_places("推进通江5万千瓦风电项目建设，规划南江建设1座发电项目。") == ["通江县", "南江县"]
    assert find_places("修复通江河、南江河岸线，巴州区和平昌县配合。") == []
