"""Segmentation: numbering schemes, ids, titles and the small helpers behind them."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from support.paths import DATA

from kb.document import Node
from kb.ingest.clean import Block, squash
from kb.ingest.parse import parse_file
from kb.ingest.segment import clause_title, cn2int, detect_scheme, lead_title, segment, with_pages

HANZI = DATA / "hanzi_opinion.txt"
ARTICLE = DATA / "article_rules.txt"
FLAT = DATA / "flat_notice.txt"
SMALL = DATA / "small_plan.txt"


def shape(doc) -> list[tuple[str, str, str, str | None]]:
    return [(n.id, n.kind, n.title, n.parent) for n in doc.nodes]


def source_lines(path: Path) -> list[str]:
    return [squash(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def all_text(doc) -> str:
    return "".join(squash(n.text) for n in doc.nodes)


def assert_tree(doc) -> None:
    ids = [n.id for n in doc.nodes]
    assert len(ids) == len(set(ids)), "ids are unique"
    seen: set[str] = set()
    for n in doc.nodes:
        assert n.parent is None or n.parent in seen, n.id
        seen.add(n.id)


# ------------------------------------------------------------- helpers


@pytest.mark.parametrize(("text", "value"), [
    ("一", 1), ("九", 9), ("十", 10), ("十二", 12), ("二十", 20), ("二十一", 21), ("九十九", 99),
    ("一百", 100), ("一百零五", 105), ("两", 2), ("〇", 0), ("7", 7), ("12", 12),
])
def test_cn2int(text, value):
    assert cn2int(text) == value


@pytest.mark.parametrize(("text", "title"), [
    ("强化工业企业监督管理。严格落实排污许可制度，加强执法。", "强化工业企业监督管理"),
    ("主要目标：到2025年，空气质量持续改善。", "主要目标"),
    ("到 2025 年，生态环境质量持续改善，主要污染物排放总量持续减少，生态环境风险得到有效管控。", "到 2025 年"),
    ("坚持源头防控，充分发挥生态环境保护的引导、优化和促进作用，以绿色发展为引领，推动经济高质量发展。",
     "坚持源头防控"),
    ("“十四五”时期是我国全面建成小康社会、实现第一个百年奋斗目标目标之后，乘势而上开启全面建设社会主义现代化国家新征程。",
     "“十四五”时期是我国全面建成小康社会、实…"),
    ("本办法自2024年1月1日起施行。", "本办法自2024年1月1日起施行"),
    ("加强组织领导", "加强组织领导"),
    ("第一行标题。\n第二行正文。", "第一行标题"),
])
def test_lead_title(text, title):
    assert lead_title(text) == title


@pytest.mark.parametrize(("text", "title"), [
    ("1.科学编制治理规划。按照因地制宜的原则，编制专项规划。", "1.科学编制治理规划"),
    ("（2）推广种养结合，就近就地消纳畜禽粪污。", "（2）推广种养结合，就近就地消纳畜禽粪污"),
    ("(3)加强监管。依法查处。", "(3)加强监管"),
    ("强化入河排污口整治。开展排查。", "强化入河排污口整治"),
    ("1.64%的比例", "1.64%的比例"),
])
def test_clause_title(text, title):
    assert clause_title(text) == title


def blocks(*texts: str) -> list[Block]:
    return [Block(t) for t in texts]


@pytest.mark.parametrize(("texts", "scheme"), [
    (["第一章 总则", "第一条 为了……", "第二条 本办法……"], "article"),
    (["第一条 为了……", "第二条 本办法……"], "article"),
    (["第一章 总体要求", "第一节 目标", "正文。第一条规定"], "chapter"),
    (["第一章 总体要求", "第二章 任务", "第一条 为了……"], "chapter"),
    (["一、总体要求", "（一）指导思想", "二、重点任务"], "hanzi"),
    (["一、总体要求", "正文。"], "flat"),
    (["正文。", "又一段。"], "flat"),
])
def test_detect_scheme(texts, scheme):
    assert detect_scheme(blocks(*texts)) == scheme


# ------------------------------------------------------ chapter scheme


def test_small_plan_structure():
    doc = parse_file(SMALL)
    assert doc.scheme == "chapter"
    assert shape(doc) == [
        ("preamble", "preamble", "青山县“十四五”大气环境保护规划", None),
        ("foreword", "foreword", "前言", None),
        ("foreword.c1", "clause", "本规划依据国家和省有关要求编制", "foreword"),
        ("ch1", "chapter", "第一章 总体要求", None),
        ("ch1.c1", "clause", "坚持生态优先、绿色发展，以改善空气质量为核心", "ch1"),
        ("ch1.s1", "section", "第一节 发展目标", "ch1"),
        ("ch1.s1.c1", "clause", "主要目标", "ch1.s1"),
        ("box1", "box", "专栏一 主要指标", "ch1"),
        ("box1.r1", "row", "空气质量优良天数比率(%)", "box1"),
        ("box1.r2", "row", "细颗粒物(PM2.5)浓度(微克/立方米)", "box1"),
        ("ch2", "chapter", "第二章 重点任务", None),
        ("ch2.s1", "section", "第一节 治理工业废气", "ch2"),
        ("ch2.s1.c1", "clause", "强化重点行业治理", "ch2.s1"),
        ("ch2.s2", "section", "第二节 管控扬尘污染", "ch2"),
        ("ch2.s2.c1", "clause", "加强施工扬尘监管", "ch2.s2"),
        ("box2", "box", "专栏二 重点项目", "ch2"),
        ("box2.i1", "item", "（一）工业废气治理工程", "box2"),
        ("box2.i2", "item", "（二）扬尘管控工程", "box2"),
    ]
    nodes = {n.id: n for n in doc.nodes}
    # The paragraph cut at an old page boundary is one clause again.
    assert nodes["ch1.s1.c1"].text == "主要目标。到2025年，全县空气质量优良天数比率稳定在95%以上，细颗粒物浓度持续下降，重污染天气基本消除。"
    # The category cell is written once and carried down.
    assert dict(nodes["box1.r2"].columns) == {
        "类别": "(一) 环境质量", "序号": "2", "指标名称": "细颗粒物(PM2.5)浓度(微克/立方米)", "2020年基准值": "31",
        "2025年目标": "<30", "指标属性": "约束性",
    }
    assert nodes["box2.i1"].text == "（一）工业废气治理工程\n实施水泥企业超低排放改造项目2个。"
    # Paths and citations carry the ancestors' titles.
    assert nodes["ch2.s1.c1"].path == ("第二章 重点任务", "第一节 治理工业废气")
    assert nodes["ch2.s1.c1"].citation == "small_plan › 第二章 重点任务 › 第一节 治理工业废气 › 「强化重点行业治理」 p.3"
    # Pages of a .txt come from its table of contents.
    assert [(n.id, n.page) for n in doc.nodes if n.kind in ("foreword", "chapter", "section")] == [
        ("foreword", 1), ("ch1", 2), ("ch1.s1", 2), ("ch2", 3), ("ch2.s1", 3), ("ch2.s2", 4),
    ]
    assert_tree(doc)


def test_with_pages_spreads_clauses_between_headings():
    nodes = [
        Node("ch1", "chapter", "第一章 甲", None, "d"),
        Node("ch1.c1", "clause", "a", "ch1", "d", text="x" * 100),
        Node("ch1.c2", "clause", "b", "ch1", "d", text="x" * 100),
        Node("ch2", "chapter", "第二章 乙", None, "d"),
        Node("ch2.c1", "clause", "c", "ch2", "d", text="x" * 10),
    ]
    paged = with_pages(nodes, {"第一章甲": 3, "第二章乙": 7})
    assert [n.page for n in paged] == [3, 3, 5, 7, 7]
    assert with_pages(nodes, {}) == nodes, "no table of contents, no pages"


# -------------------------------------------------------- hanzi scheme


HANZI_SHAPE = [
    ("preamble", "preamble", "青山县人民政府关于加强农村生态环境保护工作的实施意见", None),
    ("ch1", "chapter", "一、总体要求", None),
    ("ch1.s1", "section", "（一）指导思想", "ch1"),
    ("ch1.s1.c1", "clause", "（一）指导思想", "ch1.s1"),
    ("ch1.s2", "section", "（二）主要目标", "ch1"),
    ("ch1.s2.c1", "clause", "（二）主要目标", "ch1.s2"),
    ("ch2", "chapter", "二、重点任务", None),
    ("ch2.s1", "section", "（一）加强农村生活污水治理", "ch2"),
    ("ch2.s1.c1", "clause", "1.科学编制治理规划", "ch2.s1"),
    ("ch2.s1.c2", "clause", "2.完善设施运行管护", "ch2.s1"),
    ("ch2.s2", "section", "（二）推进畜禽养殖污染防治", "ch2"),
    ("ch2.s2.c1", "clause", "1.严格养殖布局管控", "ch2.s2"),
    ("ch2.s2.c2", "clause", "（1）规模养殖场全部配套粪污处理设施，并保持正常运行", "ch2.s2"),
    ("ch2.s2.c3", "clause", "（2）推广种养结合，就近就地消纳畜禽粪污", "ch2.s2"),
    ("ch2.s2.c4", "clause", "2.加强执法监管，严厉打击畜禽粪污直排、偷排等违法行为", "ch2.s2"),
    ("ch3", "chapter", "三、保障措施", None),
    ("ch3.s1", "section", "（一）加强组织领导", "ch3"),
    ("ch3.s1.c1", "clause", "（一）加强组织领导", "ch3.s1"),
    ("ch3.s2", "section", "（二）强化资金保障", "ch3"),
    ("ch3.s2.c1", "clause", "（二）强化资金保障", "ch3.s2"),
]
PURE_HEADING = re.compile(r"^([一二三四五六七八九十]+、|（[一二三四五六七八九十]+）)[^。]*$")


@pytest.fixture(scope="module")
def hanzi():
    return parse_file(HANZI)


def test_hanzi_scheme_tree(hanzi):
    assert hanzi.scheme == "hanzi"
    assert shape(hanzi) == HANZI_SHAPE
    assert_tree(hanzi)


def test_hanzi_long_heading_keeps_its_text_as_a_clause(hanzi):
    nodes = {n.id: n for n in hanzi.nodes}
    assert nodes["ch3.s1.c1"].text.startswith("（一）加强组织领导。各乡镇、各部门要把农村生态环境保护工作摆上重要议事日程")
    assert nodes["ch3.s1.c1"].text.endswith("确保各项任务落到实处。")
    assert nodes["ch3.s1"].text == "", "the heading itself carries no text"
    assert nodes["ch2.s2.c2"].text == "（1）规模养殖场全部配套粪污处理设施，并保持正常运行。"
    assert nodes["ch2.s1.c1"].path == ("二、重点任务", "（一）加强农村生活污水治理")


def test_hanzi_loses_no_text(hanzi):
    body = [line for line in source_lines(HANZI) if not PURE_HEADING.match(line)]
    assert all_text(hanzi) == "".join(body)


def _wrap(line: str, width: float, indent: str = "") -> list[str]:
    """Cut a line at a display width (CJK 1, Latin ½), as text saved from a PDF is."""
    out, cur, used = [], indent, float(len(indent))
    for ch in line:
        w = 0.5 if ch.isascii() else 1.0
        if used + w > width:
            out.append(cur)
            cur, used = "", 0.0
        cur += ch
        used += w
    return [*out, cur]


@pytest.mark.parametrize("layout", ["blank lines", "CRLF", "wrapped, blank lines", "wrapped", "wrapped, indented"])
@pytest.mark.parametrize("width", [30, 34, 41])
def test_hanzi_same_tree_in_every_text_layout(tmp_path, hanzi, layout, width):
    lines = HANZI.read_text(encoding="utf-8").splitlines()
    text = {
        "blank lines": "\n\n".join(lines),
        "CRLF": "\r\n".join(lines),
        "wrapped, blank lines": "\n\n".join("\n".join(_wrap(line, width)) for line in lines),
        "wrapped": "\n".join("\n".join(_wrap(line, width)) for line in lines),
        "wrapped, indented": "\n".join("\n".join(_wrap(line, width, "\u3000\u3000")) for line in lines),
    }[layout]
    path = tmp_path / "hanzi_opinion.txt"
    path.write_text(text + "\n", encoding="utf-8")
    doc = parse_file(path)
    assert shape(doc) == HANZI_SHAPE
    assert [squash(n.text) for n in doc.nodes] == [squash(n.text) for n in hanzi.nodes]


def test_hanzi_repeated_numbering_gets_unique_ids(tmp_path):
    path = tmp_path / "again.txt"
    path.write_text(HANZI.read_text(encoding="utf-8") + "一、任务分工\n（一）县生态环境局牵头。负责统筹协调。\n",
                    encoding="utf-8")
    doc = parse_file(path)
    assert_tree(doc)
    assert [(n.id, n.title) for n in doc.nodes[-3:]] == [
        ("ch1_2", "一、任务分工"), ("ch1_2.s1", "（一）县生态环境局牵头"), ("ch1_2.s1.c1", "（一）县生态环境局牵头"),
    ]


def test_an_annex_has_a_tree_of_its_own(tmp_path):
    path = tmp_path / "annex.txt"
    path.write_text(HANZI.read_text(encoding="utf-8") + "附件\n一、任务分工\n（一）县生态环境局牵头。负责统筹协调。\n",
                    encoding="utf-8")
    doc = parse_file(path)
    assert_tree(doc)
    assert [(n.id, n.kind, n.title, n.parent) for n in doc.nodes[-4:]] == [
        ("annex", "annex", "附件", None),
        ("annex.ch1", "chapter", "一、任务分工", "annex"),
        ("annex.ch1.s1", "section", "（一）县生态环境局牵头", "annex.ch1"),
        ("annex.ch1.s1.c1", "clause", "（一）县生态环境局牵头", "annex.ch1.s1"),
    ]


# ------------------------------------------------------ article scheme


ARTICLE_SHAPE = [
    ("preamble", "preamble", "青山县饮用水水源保护管理办法", None),
    ("ch1", "chapter", "第一章 总则", None),
    ("ch1.c1", "clause", "第一条 为了加强饮用水水源保护", "ch1"),
    ("ch1.c2", "clause", "第二条 本办法适用于本县行政区域内饮用水水源的保护和管理活动", "ch1"),
    ("ch1.c3", "clause", "第三条 饮用水水源保护坚持保护优先、预防为主、综…", "ch1"),
    ("ch2", "chapter", "第二章 保护区划定", None),
    ("ch2.c1", "clause", "第四条 饮用水水源保护区分为一级保护区和二级保护区", "ch2"),
    ("ch2.c2", "clause", "第五条 在饮用水水源保护区内，禁止下列行为", "ch2"),
    ("ch3", "chapter", "第三章 附则", None),
    ("ch3.c1", "clause", "第六条 本办法自2024年1月1日起施行", "ch3"),
]


def test_article_scheme_with_chapters():
    doc = parse_file(ARTICLE)
    assert doc.scheme == "article"
    assert shape(doc) == ARTICLE_SHAPE
    fifth = next(n for n in doc.nodes if n.id == "ch2.c2")
    # The enumeration belongs to its article.
    assert squash(fifth.text) == (
        "第五条在饮用水水源保护区内，禁止下列行为：（一）设置排污口；（二）堆放、存贮工业固体废物和其他污染物；"
        "（三）从事网箱养殖、旅游、游泳、垂钓等可能污染饮用水水体的活动。"
    )
    body = [line for line in source_lines(ARTICLE) if not re.match(r"^第.{1,3}章", line)]
    assert all_text(doc) == "".join(body)
    assert_tree(doc)


def test_article_scheme_without_chapters(tmp_path):
    path = tmp_path / "rules.txt"
    kept = [line for line in ARTICLE.read_text(encoding="utf-8").splitlines() if not re.match(r"^第.{1,3}章", line)]
    path.write_text("\n".join(kept), encoding="utf-8")
    doc = parse_file(path)
    assert doc.scheme == "article"
    expected = [("preamble", "preamble", "青山县饮用水水源保护管理办法", None)] + [
        (f"c{k}", "clause", title, None)
        for k, (_, _, title, _) in enumerate((s for s in ARTICLE_SHAPE if s[1] == "clause"), start=1)
    ]
    assert shape(doc) == expected
    assert all_text(doc) == "".join(squash(line) for line in kept if line.strip())


# --------------------------------------------------------- flat scheme


def test_flat_document_is_a_list_of_clauses():
    doc = parse_file(FLAT)
    assert doc.scheme == "flat"
    assert shape(doc) == [
        ("c1", "clause", "关于做好秸秆禁烧工作的通知", None),
        ("c2", "clause", "各乡镇人民政府", None),
        ("c3", "clause", "当前正值夏收夏种关键时期", None),
        ("c4", "clause", "请各乡镇切实落实属地责任", None),
        ("c5", "clause", "同时要积极引导农民开展秸秆还田和综合利用", None),
        ("c6", "clause", "青山县生态环境局2024年5月20日", None),
    ]
    assert all_text(doc) == "".join(source_lines(FLAT))
    assert all(n.citation.startswith("flat_notice › 「") for n in doc.nodes)


# ------------------------------------------------------------- tables


def test_table_rows_keep_headers_numbers_and_extra_cells():
    rows = [["序号", "项目名称", "投资"], ["1", "污水处理厂", "2亿"], ["", "管网", "1亿", "备注：分期"], ["3", "", ""]]
    nodes, _ = segment([Block("第一章 任务"), Block("", rows=rows, extra={"row_pages": [4, 4, 5, 5]})], "d")
    out = [(n.id, n.title, n.page, n.columns) for n in nodes if n.kind == "row"]
    assert out == [
        ("ch1.r1", "污水处理厂", 4, (("序号", "1"), ("项目名称", "污水处理厂"), ("投资", "2亿"), ("列4", ""))),
        ("ch1.r2", "管网", 5, (("序号", ""), ("项目名称", "管网"), ("投资", "1亿"), ("列4", "备注：分期"))),
        ("ch1.r3", "3", 5, (("序号", "3"), ("项目名称", ""), ("投资", ""), ("列4", ""))),
    ]


def test_table_before_the_first_heading_belongs_to_the_preamble():
    table = Block("", rows=[["名称", "数值"], ["甲", "1"], ["乙", "2"]])
    nodes, _ = segment([Block("通知正文。"), table, Block("第一章 总则")], "d")
    assert [(n.id, n.kind, n.title, n.parent) for n in nodes] == [
        ("preamble", "preamble", "通知正文", None),
        ("preamble.r1", "row", "甲", "preamble"), ("preamble.r2", "row", "乙", "preamble"),
        ("ch1", "chapter", "第一章 总则", None),
    ]


def test_table_in_a_flat_document_stands_at_the_top_level():
    nodes, scheme = segment([Block("通知正文。"), Block("", rows=[["名称", "数值"], ["甲", "1"]])], "d")
    assert scheme == "flat"
    assert [(n.id, n.kind, n.parent, n.text) for n in nodes] == [
        ("c1", "clause", None, "通知正文。"), ("r1", "row", None, "名称：甲；数值：1"),
    ]
