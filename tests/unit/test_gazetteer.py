"""The gazetteer of administrative divisions (kb.lexicon.gazetteer) and the owners it lets kb read.

The national list comes from the cpca package's data; the synthetic plans below are of
cities that no corpus of the project covers, so nothing here can pass by what a corpus taught.
"""

from __future__ import annotations

import sys

import pytest

from kb.lexicon.gazetteer import Division, GazetteerError, gazetteer, parse
from kb.text.owners import NO_PLACES, find_owners, find_places, learn_places

GAZ = gazetteer()


def _one(name: str) -> Division:
    found = GAZ.lookup(name)
    assert len(found) == 1, found
    return found[0]


# ---------------------------------------------------------------------------
# The gazetteer itself
# ---------------------------------------------------------------------------


def test_national_list_is_read_without_importing_the_package():
    assert len(GAZ) > 3000
    assert {"巴中市", "南江县", "嘉定区", "重庆市", "四川省"} <= {d.name for d in GAZ.divisions}
    assert "cpca" not in sys.modules  # its __init__ (pandas, matchers) is never run
    assert not any(d.name in ("市辖区", "县") for d in GAZ.divisions)  # placeholders of the code table


@pytest.mark.parametrize(("name", "short"), [
    ("南江县", "南江"), ("巴州区", "巴州"), ("浦东新区", "浦东"), ("巴中市", "巴中"), ("四川省", "四川"),
    ("石柱土家族自治县", "石柱"), ("广西壮族自治区", "广西"), ("神农架林区", "神农架"),
])
def test_short_forms_as_plans_write_them(name, short):
    assert _one(name).short == short
    assert _one(name) in GAZ.short_forms(short)


def test_parent_chain_county_city_province():
    assert [d.name for d in GAZ.chain(_one("南江县"))] == ["南江县", "巴中市", "四川省"]
    # a municipality's districts sit right under it (the code table's 市辖区 is skipped)
    assert [d.name for d in GAZ.chain(_one("嘉定区"))] == ["嘉定区", "上海市"]
    assert {d.name for d in GAZ.children(_one("巴中市"))} == {"巴州区", "恩阳区", "通江县", "南江县", "平昌县"}


def test_a_body_belongs_to_its_county():
    assert [d.name for d in GAZ.place_of("南江县人民政府")] == ["南江县"]
    assert [d.name for d in GAZ.place_of("平昌县")] == ["平昌县"]
    assert GAZ.place_of("市生态环境局") == ()


@pytest.mark.parametrize("word", ["城区", "东区", "新城区", "老城区", "市中区", "郊区", "矿区"])
def test_an_ordinary_word_is_not_a_place(word):
    assert GAZ.lookup(word)  # the code table does have divisions of that name …
    assert all(d.ordinary and not d.short for d in GAZ.lookup(word))
    assert word not in GAZ  # … but they are never read as places
    assert GAZ.find(f"加强{word}环境监管") == []


def test_find_names_in_text_longest_first():
    text = "支持七里河区、红古区和兰州市开展试点"
    assert [n for _, _, n in GAZ.find(text)] == ["七里河区", "红古区", "兰州市"]


def test_parse_keeps_parents_by_code_and_skips_placeholders():
    rows = [{"adcode": "990000000000", "name": "甲省"}, {"adcode": "990100000000", "name": "乙丙市"},
            {"adcode": "990102000000", "name": "丁戊区"}, {"adcode": "990200000000", "name": "市辖区"},
            {"adcode": "990201000000", "name": "己庚县"}]
    g = parse(rows)
    assert [d.name for d in g.chain(g.lookup("丁戊区")[0])] == ["丁戊区", "乙丙市", "甲省"]
    assert [d.name for d in g.chain(g.lookup("己庚县")[0])] == ["己庚县", "甲省"]
    assert g.lookup("市辖区") == ()
    assert g.lookup("丁戊区")[0].to_dict()["parent"] == "990100000000"


def test_missing_package_is_one_clear_error(monkeypatch):
    import kb.lexicon.gazetteer as mod

    monkeypatch.setattr(mod, "_PACKAGE", "no_such_package_kb")
    with pytest.raises(GazetteerError, match="no_such_package_kb"):
        mod._resource(mod._DIVISIONS)


# ---------------------------------------------------------------------------
# Owners on plans of places no corpus covers
# ---------------------------------------------------------------------------

#: A plan of 兰州市 (Gansu), a city in no corpus: it never enumerates its counties in full.
LANZHOU = (
    "兰州市“十四五”生态环境保护规划",
    "兰州市地处黄河上游，兰州市生态环境局负责本规划的组织实施。",
    "推动城关、七里河、西固等县（区）建设污水处理设施。",
    "安宁区、红古区分别实施黄河岸线整治项目。",
    "由七里河区人民政府负责，榆中县配合。",
    "推进永登5万千瓦风电项目。",
    "城区、新区和老城区要加强环境监管。",
)


def test_owner_list_of_counties_known_only_by_short_form():
    places = learn_places(LANZHOU)
    assert find_owners(LANZHOU[2], places) == ["城关区", "七里河区", "西固区"]
    # without the gazetteer the list is misread (a three-character short form is cut)
    assert find_owners(LANZHOU[2], NO_PLACES) != ["城关区", "七里河区", "西固区"]


def test_x_and_y_districts_each_carry_out_is_an_owner_list():
    places = learn_places(LANZHOU)
    assert find_owners(LANZHOU[3], places) == ["安宁区", "红古区"]


def test_a_long_county_name_keeps_its_first_character():
    places = learn_places(LANZHOU)
    assert find_owners(LANZHOU[4], places) == ["七里河区人民政府", "榆中县"]


def test_bare_short_form_of_the_plans_own_county_is_a_place():
    places = learn_places(LANZHOU)
    assert find_places(LANZHOU[5], places) == ["永登县"]
    assert find_owners(LANZHOU[5], places) == []  # named in passing: not an owner
    assert "兰州市" in places.regions and "甘肃省" in places.regions


def test_ordinary_zone_words_stay_no_places():
    places = learn_places(LANZHOU)
    owners = find_owners(LANZHOU[6], places)
    assert not {"城区", "老城区"} & set(owners)
    assert "城" not in places and "老城" not in places


def test_county_of_a_province_the_corpus_never_names_in_an_owner_note():
    # 昭觉县 and 布拖县 (凉山州, Sichuan): named in full once, in a responsibility clause
    plan = ("某市生态环境保护规划", "开展易地搬迁后续生态修复（由昭觉县人民政府牵头，布拖县、金阳县配合）。")
    places = learn_places(plan)
    assert find_owners(plan[1], places) == ["昭觉县人民政府", "布拖县", "金阳县"]
    assert {"凉山彝族自治州", "四川省"} <= set(places.regions)
    # a county whose name ends like a zone word (渝中区: 中区) is still that county once it is known
    plan2 = ("某省规划", "渝中区、南岸区分别实施老旧管网改造。")
    assert find_owners(plan2[1], learn_places(plan2)) == ["渝中区", "南岸区"]
    assert find_owners(plan2[1], NO_PLACES) == []


def test_a_renamed_county_takes_the_name_the_plan_writes():
    # the code table still has 梁平县 and 武隆县 (both became districts): the plan's own wording wins
    assert GAZ.lookup("梁平县") and not GAZ.lookup("梁平区")
    plan = ("重庆市生态环境保护规划", "重庆市、重庆市各区县协同。", "梁平区、武隆区分别实施治理。", "推进梁平、垫江协同。")
    places = learn_places(plan)
    assert places.full("梁平", "?") == "梁平区" and places.full("垫江", "?") == "垫江县"
    assert find_places(plan[3], places) == ["梁平区", "垫江县"]


def test_a_countys_own_organs_carry_its_name():
    places = learn_places(LANZHOU)
    text = "由七里河区生态环境局牵头，榆中县委、县政府统筹，城关区人民政府配合。"
    assert find_owners(text, places) == ["七里河区生态环境局", "榆中县委、县政府", "城关区人民政府"]
    assert find_owners(text, NO_PLACES)[:2] == ["区生态环境局", "县委、县政府"]
