"""The clause locator on the real Bazhong plan: exact quotes, near quotes, and sentences it must not find."""

from __future__ import annotations

import re

import pytest
from support.paths import ROOT

from kb.document import LEAF_KINDS, Node
from kb.errors import QueryError
from kb.ingest.parse import parse_file
from kb.tools.locate import MIN_FUZZY_CHARS, NEAR_THRESHOLD, Match, fold, locate

PLAN = ROOT / "corpus" / "巴中市十四五生态环境保护规划.txt"


@pytest.fixture(scope="module")
def leaves() -> list[Node]:
    return [n for n in parse_file(PLAN).nodes if n.kind in LEAF_KINDS and n.text]


def loose(text: str) -> str:
    """What a near match compares: folded, no punctuation."""
    return fold(text, strip_punct=True).text


def test_exact_quote(leaves):
    [m] = locate(leaves, "到2025年，城镇新建绿色建筑比例达到80%。")
    assert m.exact and m.score == 100
    assert m.node.title == "促进生活方式绿色化"
    assert m.matched == "到2025年，城镇新建绿色建筑比例达到80%。"
    assert m.node.text[m.span[0]: m.span[1]] == m.matched


def test_exact_ignores_whitespace_and_maps_spans_back(leaves):
    # the plan has "达 96% 以上" with spaces; the quote has none
    [m] = locate(leaves, "城镇污水收集处理率达96%以上")
    assert m.exact
    assert m.matched == "城镇污水收集处理率达 96% 以上"


def test_full_width_digits_are_the_same_quote(leaves):
    [m] = locate(leaves, "到２０２５年，城镇新建绿色建筑比例达到８０％")
    assert m.exact and m.matched == "到2025年，城镇新建绿色建筑比例达到80%"


def test_quote_marks_are_folded(leaves):
    ms = locate(leaves, "原料化'五化'综合利用")
    assert ms[0].exact and ms[0].matched == "原料化“五化”综合利用"


def test_comma_made_half_width_and_full_stop_dropped(leaves):
    quote = "到 2025 年,全市秸秆综合利用率不低于 92%"  # ，→ , and 。 dropped
    m = locate(leaves, quote)[0]
    assert m.score == 100 and m.exact  # NFKC folds ， and , together
    assert m.node.title == "加强农业面源污染控制"
    assert m.matched == "到 2025 年，全市秸秆综合利用率不低于 92%"


def test_changed_punctuation_is_a_near_match_with_the_right_span(leaves):
    quote = "到2025年；全市秸秆综合利用率不低于92%"  # ，→ ；
    m = locate(leaves, quote)[0]
    assert not m.exact and m.score == 100
    assert m.node.title == "加强农业面源污染控制"
    assert loose(m.matched) == loose(quote)
    assert m.matched == "到 2025 年，全市秸秆综合利用率不低于 92%"


def test_punctuation_dropped_inside_a_list(leaves):
    m = locate(leaves, "大力推动秸秆肥料化饲料化燃料化基料化原料化五化综合利用")[0]
    assert not m.exact and m.score == 100
    assert m.matched == "大力推动秸秆肥料化、饲料化、燃料化、基料化、原料化“五化”综合利用"


def test_one_changed_character(leaves):
    quote = "到2025年，城镇新建绿色建筑比率达到80%"  # 比例 → 比率
    m = locate(leaves, quote)[0]
    assert not m.exact and NEAR_THRESHOLD <= m.score < 100
    assert m.matched == "到2025年，城镇新建绿色建筑比例达到80%"


def test_one_changed_character_span_in_a_long_clause(leaves):
    quote = "推进秸秆、地膜资源化利用，聚焦秸秆肥料化、词料化和燃料化“三大利用方向”"  # 饲 → 词
    m = locate(leaves, quote)[0]
    assert m.node.title == "精细管理治理面源污染"
    assert m.matched == "推进秸秆、地膜资源化利用，聚焦秸秆肥料化、饲料化和燃料化“三大利用方向”"


def test_a_dropped_character_still_spans_the_whole_quote(leaves):
    quote = "加快推进码头船舶污染物接收、转运、处置能力建设"  # 处置能力 → the plan has 处置能力建设
    m = locate(leaves, quote.replace("转运、", "转、"))[0]
    assert m.matched == quote


def test_a_wrong_first_or_last_character_stays_inside_the_span(leaves):
    true = "加强露天焚烧监管，严控秸秆、垃圾等露天焚烧"
    assert locate(leaves, "减" + true[1:])[0].matched == true
    assert locate(leaves, true[:-1] + "烤")[0].matched == true


NOT_IN_PLAN = [
    "到2025年，全市新增城市绿地面积300公顷以上。",
    "到2025年，全市空气质量优良天数比率达到95%以上。",
    "到2025年，规模化养殖场粪污处理设施配套率达到95%。",
    "推进饮用水水源地规范化建设，完成界碑界桩设置。",
    "推动钢铁、焦化行业完成超低排放改造。",
    "大力发展光伏发电，新增装机容量20万千瓦。",
    "加强湿地公园建设，湿地保护率稳定在60%以上。",
    "推进建筑垃圾资源化利用，资源化利用率达到50%。",
    "严厉打击非法捕捞、电鱼毒鱼等破坏渔业资源行为。",
]


@pytest.mark.parametrize("sentence", NOT_IN_PLAN)
def test_sentences_not_in_the_plan_find_nothing(leaves, sentence):
    assert locate(leaves, sentence) == []


@pytest.mark.parametrize("phrase", ["城市绿地面积", "再生水利用", "光伏发电项目", "秸秆五化"])
def test_short_phrases_not_in_the_plan_find_nothing(leaves, phrase):
    assert locate(leaves, phrase) == []


def test_very_short_phrases_need_exact_matches(leaves):
    assert MIN_FUZZY_CHARS == 4
    hits = locate(leaves, "五化", limit=50)
    assert hits and all(m.exact and m.matched == "五化" for m in hits)
    assert locate(leaves, "五花") == []


def test_exact_first_then_near_one_per_clause(leaves):
    hits = locate(leaves, "秸秆综合利用率不低于92%", limit=10)
    assert [m.exact for m in hits] == sorted((m.exact for m in hits), reverse=True)
    assert len({m.node.id for m in hits}) == len(hits)
    assert len(hits) >= 2  # the clause and the 专栏 item both say it
    scores = [m.score for m in hits if not m.exact]
    assert scores == sorted(scores, reverse=True)


def test_limit(leaves):
    assert len(locate(leaves, "生态", limit=3)) == 3
    assert locate(leaves, "生态", limit=0) == []


def test_to_dict_and_context(leaves):
    m = locate(leaves, "公共交通出行分担率不低于50%")[0]
    d = m.to_dict()
    assert set(d) == {"id", "citation", "page", "score", "text", "span", "doc", "exact", "context", "numbers"}
    assert d["text"] == m.node.text and d["text"][d["span"][0]: d["span"][1]] == m.matched
    assert "【公共交通出行分担率不低于50%】" in d["context"]
    assert d["context"].startswith("…") and len(d["context"]) < 80
    assert d["page"] == m.node.page and d["citation"] == m.node.citation


def test_empty_or_huge_phrase_is_a_user_error(leaves):
    with pytest.raises(QueryError):
        locate(leaves, "  ")
    with pytest.raises(QueryError):
        locate(leaves, "生态" * 2000)


def test_match_is_frozen(leaves):
    m = locate(leaves, "生态", limit=1)[0]
    assert isinstance(m, Match)
    with pytest.raises(AttributeError):
        m.score = 1  # type: ignore[misc]
    assert re.fullmatch(r"\d+(\.\d)?", str(m.to_dict()["score"]))


# ------------------------------------------------------------- what differs


def test_a_changed_number_is_marked_and_named(leaves):
    m = locate(leaves, "确保到2025年，全市秸秆综合利用率不低于95%")[0]
    assert not m.exact and m.node.title == "加强农业面源污染控制"
    changed = [s for s in m.segments if s[0] != "equal"]
    assert changed == [("replace", "5", "2")]
    assert m.numbers == [("95%", "92%")] and m.to_dict()["numbers"] == [["95%", "92%"]]
    assert "".join(q for _, q, _ in m.segments) == "确保到2025年，全市秸秆综合利用率不低于95%"  # the quote, rebuilt
    assert "".join(s for _, _, s in m.segments) == "确保到2025年，全市秸秆综合利用率不低于92%"  # the source, no spaces


def test_a_changed_character_is_marked_but_no_number_is_named(leaves):
    m = locate(leaves, "大力推进农作物秸秆综合利用，从源头上杜绝秸杆焚烧现象")[0]
    assert [s for s in m.segments if s[0] != "equal"] == [("replace", "杆", "秆")] and m.numbers == []


def test_a_missing_or_added_number_is_named_with_the_side_that_has_it():
    from kb.tools.locate import differences, number_changes

    assert number_changes(differences("到年完成", "到2025年完成")) == [("", "2025")]
    assert number_changes(differences("比例达到80%以上", "比例达到8%以上")) == [("80%", "8%")]
    assert number_changes(differences("比例达到80%以上", "比例达到80%以上")) == []
    # notation and spacing are not differences: PM_{2.5} is PM2.5, "μg/m ³" is μg/m3
    assert [s[0] for s in differences("PM2.5浓度(μg/m3)", "PM _{2.5}浓度(μg/m ³)")] == ["equal"]


def test_a_table_row_is_located_as_its_cells_read():
    row = Node(id="box1.r23", kind="row", title="城镇污水处理率(%)", parent="box1", doc="某规划", page=19,
               text="类别：水；序号：23；指标名称：城镇污水处理率(%)；2020年基准值：95.92；2025年目标：≥96",
               columns=(("类别", "水"), ("序号", "23"), ("指标名称", "城镇污水处理率(%)"),
                        ("2020年基准值", "95.92"), ("2025年目标", "≥96")))
    [m] = locate([row], "城镇污水处理率(%) 95.92 ≥96")
    assert m.exact and m.matched == "城镇污水处理率(%) 95.92 ≥96" and m.node is row
    [near] = locate([row], "23 城镇污水处理率（%） 95.92 ≥98")
    assert not near.exact and near.numbers == [("98", "96")]
