"""Owners and places (kb.text.owners), on sentences written for the tests with invented place names."""

from __future__ import annotations

import pytest

from kb.text.owners import NO_PLACES, Places, find_owners, find_places, learn_places

#: A plan that lists its own counties and districts, and names its city on its own.
PLAN_A = (
    "青川市位于两江上游，生态本底良好。",
    "支持云溪县、石门县和白沙区建设生态示范县（区）。",
    "推动白沙区、云溪县开展农村污水治理。",
)
#: Another plan, of another place.
PLAN_B = (
    "金川区、玉泉县要加强流域协同。",
    "推进云溪食用菌产业发展。",
)
PLACES = learn_places(PLAN_A)


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


def test_owners_counties_by_the_general_pattern():
    owners = find_owners("支持石门县、白沙区先行先试，鼓励云溪县参与，在金川县建设监测站。")
    assert owners == ["石门县", "白沙区", "云溪县", "金川县"]


def test_owners_bare_county_list_before_suffix():
    assert find_owners("支持云溪、石门县开展试点。") == ["云溪县", "石门县"]
    # 等县（区） does not say which is a county and which a district: the plan's own full names do
    text = "推动白沙、云溪、石门等县（区）建设粪污处理中心。"
    assert find_owners(text) == ["白沙", "云溪", "石门"]
    assert find_owners(text, PLACES) == ["白沙区", "云溪县", "石门县"]


def test_owners_no_false_positives_from_zone_words():
    text = (
        "加强自然保护区、风景名胜区和中心城区管理，推进国家生态文明示范区、产业园区建设，"
        "优化城市空间布局，规范市场秩序，带动周边地区和革命老区发展，开展县级监测。"
    )
    assert find_owners(text) == []


def test_owners_city_only_as_acting_subject():
    assert find_owners("青川市要加快建设区域应急物资储备库。") == ["青川市"]
    assert find_owners("青川市生态资源丰富，城市绿化率持续提高。") == []


def test_owners_named_zones_are_owners():
    owners = find_owners("云溪经开区管委会、文旅新区管委会负责园区管网建设，支持石门经济开发区开展试点。")
    assert owners == ["云溪经开区管委会", "文旅新区管委会", "石门经济开发区"]


def test_owners_river_list_is_not_a_county_list():
    # "云溪河、白沙区": a river followed by a district must not yield "溪河区"
    assert find_owners("对云溪县红岩水库、云溪河、白沙区黄石盘水库实施保护。") == ["云溪县", "白沙区"]


def test_owners_enterprises_and_supervision_pattern():
    assert find_owners("委托青岭清源环保科技有限公司开展第三方运维。") == ["青岭清源环保科技有限公司"]
    assert find_owners("督促燃气公司严格落实安全生产主体责任。") == ["燃气公司"]
    assert find_owners("落实重点排污企业污染治理主体责任。") == ["重点排污企业"]


def test_owners_local_responsibility():
    assert find_owners("实行属地负责的网格化巡查机制。") == ["属地"]


def test_owners_deduplicated_in_order_of_appearance():
    owners = find_owners("云溪县负责上游治理，石门县负责下游治理，云溪县同时配合监测。")
    assert owners == ["云溪县", "石门县"]


# ---------------------------------------------------------------------------
# places the corpus defines
# ---------------------------------------------------------------------------


def test_listed_full_names_teach_their_bare_stems():
    assert PLACES.to_dict()["counties"] == {"云溪": "云溪县", "石门": "石门县", "白沙": "白沙区"}
    assert learn_places(PLAN_B).to_dict()["counties"] == {"金川": "金川区", "玉泉": "玉泉县"}


def test_each_document_teaches_only_its_own_names():
    text = PLAN_B[1]
    assert find_places(text, learn_places(PLAN_B)) == []
    assert find_places(text, PLACES) == ["云溪县"]
    assert find_places(text) == [], "nothing is known without a corpus"


def test_bare_names_read_as_full_names_but_not_rivers():
    assert find_places("推进云溪5万千瓦风电项目建设，规划白沙建设1座发电项目。", PLACES) == ["云溪县", "白沙区"]
    assert find_places("修复云溪河、石门江岸线，白沙区和云溪县配合。", PLACES) == []


def test_a_lone_zone_is_not_a_district():
    places = learn_places(["建设虹桥商务区，完善游泳区管理。", "推进商务区建设。"])
    assert "商务" not in places and "游泳" not in places
    assert places.counties == ()


def test_a_stem_with_two_full_names_is_ambiguous():
    places = learn_places([*PLAN_A, "云溪区、金川区联合执法。"])
    assert "云溪" not in places
    assert places.full("石门", "石门") == "石门县"


def test_region_prefix_only_for_regions_the_plan_names_on_its_own():
    # 青川市 is learned from the plan's wording; 石门县 happens to be a real county (of 常德市,
    # 湖南省), so the gazetteer puts its city and province in scope too.
    assert PLACES.to_dict()["regions"] == ["常德市", "湖南省", "青川市"]
    text = "加强青川市生态环境局监测能力，青川市委、市政府统筹推进。"
    assert find_owners(text, PLACES) == ["青川市生态环境局", "青川市委、市政府"]
    assert find_owners(text) == ["市生态环境局", "市委、市政府"]
    # a word before 市政府 is not a city unless the plan names it as one
    places = learn_places(["方案已经市政府常务会议审议通过。", "省委省政府高度重视。"])
    assert places.regions == ()
    assert find_owners("方案已经市政府常务会议审议通过。", places) == ["市政府"]


def test_learning_is_cached_for_the_same_texts():
    assert learn_places(list(PLAN_A)) is learn_places(PLAN_A)
    assert learn_places(list(PLAN_A)) == PLACES
    assert isinstance(NO_PLACES, Places) and NO_PLACES.to_dict() == {"counties": {}, "regions": [], "extra": []}


@pytest.mark.parametrize(("sentence", "owners"), [
    ("县级以上人民政府林业主管部门负责本行政区域内的古树名木保护管理工作。", ["县级以上人民政府林业主管部门"]),
    ("第十条 县级以上人民政府应当将古树名木保护经费纳入本级预算。", ["县级以上人民政府"]),
    # 会同: the body joined to the work shares it
    ("保护方案由市林业主管部门会同规划部门编制，报市人民政府批准。", ["市林业主管部门", "规划部门", "市人民政府"]),
    ("乡镇人民政府、街道办事处应当做好本辖区内的河流管理保护工作。", ["乡镇人民政府", "街道办事处"]),
    ("村（居）民委员会协助做好河流管理保护工作。", ["村（居）民委员会"]),
    ("各级发展改革部门要会同税务部门建立联合奖惩机制。", ["各级发展改革部门", "税务部门"]),
    ("由地级以上市人民政府生态环境主管部门根据需要，会同同级有关部门编制。", ["地级以上市人民政府生态环境主管部门", "同级有关部门"]),
    ("县级以上地方人民政府应当加强领导。", ["县级以上地方人民政府"]),
    ("在保护区、游泳区新建排污口的，由所在地生态环境主管部门责令限期拆除。", ["所在地生态环境主管部门"]),
    ("养护责任人由所在地林业主管部门确定。", ["所在地林业主管部门"]),
    ("镇级林长每月巡查责任林区不少于一次。", ["镇级林长"]),
    ("林长、林长办公室或者有关部门接到举报的，应当及时处理。", ["林长", "林长办公室", "有关部门"]),
    ("实行单一水源供水的城市的人民政府应当建设备用水源。", ["实行单一水源供水的城市的人民政府"]),
    ("到2025年，森林覆盖率达到25%。", []),
])
def test_duty_bearers_of_regulations(sentence, owners):
    assert find_owners(sentence) == owners


def test_assigned_bodies_are_the_ones_given_work_not_the_ones_named():
    from kb.text.owners import find_assigned

    text = "支持云溪县、石门县建设示范区。由市住房城乡建设局牵头，各县（区）人民政府负责落实。"
    assert find_assigned(text) == ["市住房城乡建设局", "各县（区）人民政府"]
    assert "云溪县" in find_owners(text)
    assert find_assigned("推进云溪县、石门县污水管网建设。") == []


def test_learned_places_are_remembered_on_disk_and_a_damaged_memo_is_relearned(tmp_path, monkeypatch):
    from kb.text import owners

    monkeypatch.setenv("KB_HOME", str(tmp_path))
    texts = ("青山县、白水县和红河区要加快建设，青山县负责。",)
    owners._learn.cache_clear()
    first = owners.learn_places(texts)
    [memo] = (tmp_path / "places").glob("*.json")
    owners._learn.cache_clear()
    monkeypatch.setattr(owners, "_learn_now", lambda t: pytest.fail("learned again although remembered"))
    assert owners.learn_places(texts) == first and first.full("青山", "") == "青山县"
    memo.write_text("{not json", encoding="utf-8")
    owners._learn.cache_clear()
    monkeypatch.undo()
    monkeypatch.setenv("KB_HOME", str(tmp_path))
    assert owners.learn_places(texts) == first
    owners._learn.cache_clear()


def test_a_verb_that_opens_a_task_is_not_part_of_the_body():
    # 应急 is a noun (应 is no "shall" here), and 强化部门 names no body
    s = "强化部门应急联动，增强生态环境、水利、交通、应急管理等相关职能部门环境应急联动能力，强化应急演练。"
    assert find_owners(s) == ["生态环境部门", "水利部门", "交通部门", "应急管理部门"]
    assert find_owners("鼓励金融机构开展绿色信贷业务。") == ["金融机构"]
    assert find_owners("（五）监督指导本级河长制责任单位、下级总河长履行职责；") == ["本级河长制责任单位", "下级总河长"]
    # a verb that begins a body's own name stays (建设单位, 组织部门), and so does a relative clause
    assert find_owners("建设单位应当编制占补平衡方案。") == ["建设单位"]
    assert find_owners("实行单一水源供水的城市的人民政府应当建设备用水源。") == ["实行单一水源供水的城市的人民政府"]


def test_a_district_nobody_names_must_read_as_a_name():
    # 区 after a common word or a fragment is a zone or no name at all
    for s in ("制定区殡葬设施布局专项规划。", "做强区综合养老服务管理平台。", "加快打造六业融合发展标杆区。",
              "打造虹桥国际开放枢纽商务区。"):
        assert find_owners(s) == [], s
    assert find_owners("嘉定区、松江区负责推进。") == ["嘉定区", "松江区"]
