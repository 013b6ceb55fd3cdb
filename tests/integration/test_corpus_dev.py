"""The seven real documents of ../shared/corpus-dev, parsed as SOURCES.md describes them.

For each: the top level in order, the second level under the right parent, box and
table-row counts, owner notes, and for the regulations the 章/节 above the 条.
"""

from __future__ import annotations

from collections import Counter

import pytest
from support.paths import SHARED

from kb.document import Document
from kb.ingest.parse import parse_file

DEV = SHARED / "corpus-dev"
pytestmark = pytest.mark.skipif(not DEV.is_dir(), reason="../shared/corpus-dev is not here")

_CACHE: dict[str, Document] = {}


def doc(name: str) -> Document:
    if name not in _CACHE:
        _CACHE[name] = parse_file(DEV / name)
    return _CACHE[name]


def kinds(d: Document) -> Counter:
    return Counter(n.kind for n in d.nodes)


def titles(d: Document, kind: str, parent: str | None = "any") -> list[str]:
    return [n.title for n in d.nodes if n.kind == kind and (parent == "any" or n.parent == parent)]


def node(d: Document, title: str):
    return next(n for n in d.nodes if n.title == title)


def test_kexue_three_parts_tasks_and_their_owner_notes():
    d = doc("shanghai_kexue_lvhua_yijian.md")
    assert titles(d, "chapter") == ["一、总体要求", "二、主要任务", "三、保障措施"]
    part1, part2, part3 = (node(d, t).id for t in titles(d, "chapter"))
    assert titles(d, "section", part1) == ["（一）指导思想", "（二）工作原则"]
    assert len(titles(d, "section", part2)) == 7 and len(titles(d, "section", part3)) == 4
    assert titles(d, "section", part2)[0] == "（一）科学编制国土绿化规划"  # a run-in heading's lead
    # Each of the seven tasks keeps its 责任单位 note, as structured owners of the task itself.
    tasks = [n for n in d.nodes if n.kind == "clause" and n.path[:1] == ("二、主要任务",)]
    assert len(tasks) == 7 and all(n.owners for n in tasks)
    assert all("责任单位" in n.text for n in tasks), "the note stays in the clause it closes"
    first = dict(tasks[0].owners)
    assert list(first)[:3] == ["市绿化市容局", "市规划资源局", "市教委"] and "临港新片区管委会" in first
    assert not any(n.kind == "clause" and n.text.startswith("（责任单位") for n in d.nodes)
    assert d.nodes[0].kind == "preamble" and "沪府办发〔2022〕24号" in d.nodes[0].text
    assert d.nodes[0].title == "上海市人民政府办公厅关于科学绿化的实施意见", "the title heading names the preamble"


def test_gongyuan_three_levels_notes_and_two_flattened_tables():
    d = doc("shanghai_gongyuan_chengshi_yijian.md")
    assert titles(d, "chapter", None)[:3] == ["一、总体要求", "二、主要任务", "三、保障措施"]
    tasks = node(d, "二、主要任务").id
    assert titles(d, "section", tasks) == ["（一）开展全域公园建设", "（二）推动全面开放融合", "（三）“十四五”重点安排"]
    first = node(d, "（一）开展全域公园建设").id
    assert titles(d, "subsection", first) == ["1．打造生态网络基底", "2．建设城乡公园体系", "3．串联全域公园网络"]
    noted = [n for n in d.nodes if n.kind == "clause" and n.owners]
    assert len(noted) == 16
    cities = next(n for n in noted if "五个新城" in n.text)
    # 嘉定区、青浦区、松江区、奉贤区政府: the four district governments (the head noun is shared)
    assert [o for o, _ in cities.owners] == ["嘉定区政府", "青浦区政府", "松江区政府", "奉贤区政府", "临港新片区管委会"]
    rows = [n for n in d.nodes if n.kind == "row"]
    table1 = [n for n in rows if dict(n.columns).get("关键指标") is not None]
    table2 = [n for n in rows if dict(n.columns).get("主要部门") is not None]
    assert len(table1) == 14 and len(table2) == 10
    assert [h for h, _ in table1[0].columns] == ["编号", "关键指标", "2025年指标", "2035年指标", "指标说明与指引"]
    assert dict(table1[1].columns)["关键指标"] == "森林覆盖率" and dict(table1[1].columns)["2035年指标"] == "23%左右"
    assert "市域绿道长度" in dict(table1[5].columns)["关键指标"], "a cell split over two paragraphs"
    assert dict(table1[12].columns)["编号"] == "13", "rows without a 说明 cell keep their place"
    # The group cell is written once per group and carried down; split 主要部门 cells are joined.
    assert [dict(r.columns)["分项任务"] for r in table2] == ["重点发展区域"] * 3 + ["重大建设项目"] * 3 + ["重要提升举措"] * 4
    second = dict(table2[1].columns)
    assert second["工作任务"].startswith("以“绿心”公园") and second["主要部门"].endswith("临港新片区管委会")
    assert ("临港新片区管委会", "lead") in table2[1].owners


def test_shengtai_nine_boxes_that_end_at_the_next_heading():
    d = doc("shanghai_shengtai_kongjian_15th.md")
    chapters = titles(d, "chapter")
    assert len(chapters) == 8 and chapters[0] == "一、发展目标" and chapters[-1] == "八、保障措施"
    sections = titles(d, "section")
    assert len(sections) == 18 and sections[4].startswith("（五）"), "（n） runs on across parts"
    assert node(d, sections[4]).parent == node(d, chapters[2]).id
    boxes = [n for n in d.nodes if n.kind == "box"]
    assert len(boxes) == 9
    for b in boxes:
        inside = [n for n in d.nodes if n.parent == b.id]
        assert inside and all(n.kind in ("item", "row") for n in inside), b.title
    rows = [n for n in d.nodes if n.kind == "row"]
    assert len(rows) == 10 and all(n.parent == boxes[0].id for n in rows)
    assert [h for h, _ in rows[0].columns] == ["序号", "指标名称", "单位", "属性", "2025年基准", "2030年目标"]
    assert dict(rows[0].columns)["2030年目标"] == "＞10.5"
    assert [n.title for n in d.nodes if n.parent == boxes[1].id] == [
        "1. 新建及改造公园建设工程", "2. 环城生态公园带建设工程", "3. 上海辰山国家植物园建设工程"]
    # After 专栏2 the main text goes on: （二） is a section, not a box item.
    assert node(d, "（二）推动城园无界融合").kind == "section"


def test_qingpu_parts_chapters_sections_and_its_indicator_table():
    d = doc("qingpu_15th_gangyao.md")
    c = kinds(d)
    assert (c["part"], c["chapter"], c["section"]) == (7, 24, 65)
    parts = [n for n in d.nodes if n.kind == "part"]
    assert parts[0].title == "第一篇 推进更高起点上的新发展"
    third = node(d, "第三章 总体要求")
    assert third.parent == parts[0].id, "章 numbered straight through sit under their 篇"
    assert [n.title for n in d.nodes if n.parent == third.id and n.kind == "section"] == [
        "第一节 指导思想", "第二节 基本原则", "第三节 发展目标"]
    for no_sections in ("第一章", "第二章", "第二十三章", "第二十四章"):
        ch = next(n for n in d.nodes if n.kind == "chapter" and n.title.startswith(no_sections + " "))
        assert not [n for n in d.nodes if n.parent == ch.id and n.kind == "section"], no_sections
    rows = [n for n in d.nodes if n.kind == "row"]
    assert len(rows) == 20 and [h for h, _ in rows[0].columns] == ["序号", "指标名称", "单位", "属性", "2030年目标"]
    assert dict(rows[3].columns)["指标名称"] == "工业战略性新兴产业总产值占规模以上工业总产值比重"
    assert d.nodes[1].kind == "foreword"
    assert any(n.kind == "annex" for n in d.nodes)


@pytest.mark.parametrize(("name", "chapters", "sections", "articles"), [
    ("guangdong_shuiwuran_tiaoli.md", 9, 4, 68),
    ("chongqing_hezhangzhi_tiaoli.md", 6, 0, 35),
])
def test_regulations_keep_chapters_and_sections_above_their_articles(name, chapters, sections, articles):
    d = doc(name)
    c = kinds(d)
    assert (c["chapter"], c["section"], c["clause"]) == (chapters, sections, articles)
    arts = [n for n in d.nodes if n.kind == "clause"]
    assert [n.title.split(" ")[0] for n in arts[:3]] == ["第一条", "第二条", "第三条"]
    assert all(n.path and n.path[0].startswith("第") for n in arts), "every article sits under a chapter"
    assert titles(d, "chapter")[0] == "第一章 总则"
    assert d.nodes[0].kind == "preamble" and "INFO END" not in d.nodes[0].text


def test_guangdong_sections_sit_in_chapter_four():
    d = doc("guangdong_shuiwuran_tiaoli.md")
    four = node(d, "第四章 水污染防治措施")
    assert [n.title for n in d.nodes if n.kind == "section"] == [
        "第一节 工业水污染防治", "第二节 城镇水污染防治", "第三节 农业和农村水污染防治", "第四节 船舶水污染防治"]
    assert all(n.parent == four.id for n in d.nodes if n.kind == "section")


def test_the_real_pdf_notice_keeps_its_two_levels():
    d = doc("govdoccn_397_gerenshui_xinyong.pdf")
    assert titles(d, "chapter") == ["一、总体要求", "二、建立个人所得税纳税信用管理机制", "三、完善守信联合激励和失信联合惩戒机制",
                                    "四、加强信息安全和权益维护", "五、强化组织实施"]
    two = node(d, "二、建立个人所得税纳税信用管理机制").id
    assert [t[:3] for t in titles(d, "section", two)] == ["（一）", "（二）", "（三）"]
