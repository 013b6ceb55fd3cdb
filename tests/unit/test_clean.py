"""Cleaning: characters, layout furniture, the table of contents, line rejoining and tables."""

from __future__ import annotations

import pytest

from kb.ingest.clean import (
    Block,
    _txt_blocks,
    _wrap_width,
    drop_furniture,
    drop_toc,
    join_lines,
    mend_breaks,
    merge_row_lines,
    normalize_chars,
)
from kb.ingest.loaders import Line
from kb.ingest.parse import parse_file

HEADER = "巴中市“十四五”生态环境保护规划"


# ------------------------------------------------------------- lines


@pytest.mark.parametrize(("parts", "joined"), [
    (["生态环", "境保护规划"], "生态环境保护规划"),
    (["严格落", "实“党政同责、一岗双责”"], "严格落实“党政同责、一岗双责”"),
    (["carbon", "neutral"], "carbon neutral"),
    (["version 2", "update"], "version 2 update"),
    (["PM_{2.5}与", "O₃协同控制"], "PM_{2.5}与O₃协同控制"),
    (["达到", "  96%以上"], "达到96%以上"),
    (["2025", "年"], "2025年"),
    (["", "  ", "正文"], "正文"),
])
def test_join_lines(parts, joined):
    assert join_lines(parts) == joined


# ---------------------------------------------------------------- furniture


PASSAGE = (
    "“十三五”以来，巴中市深入践行习近平生态文明思想，坚持走生态优先、绿色发展之路，以改善生态环境质量为目标，"
    "持续推进生态文明建设，全力打好打赢污染防治攻坚战，环境基础设施更加完善，突出生态环境问题有效整治，生态环境"
    "综合治理能力和水平显著提升，生态环境质量逐步改善，全市共建共治共享的大环保工作格局基本形成，有力促进了经济"
    "社会的高质量发展。压实生态环境保护责任，大环保工作格局基本形成。严格落实“党政同责、一岗双责”，将生态环境"
    "保护按“两个不低于”原则纳入对各级各部门年度目标绩效考核，在全省率先明确市、县（区）专职副书记统筹协调生态"
    "环保工作，建立由各级党委和政府主要领导任“双主任”的生态环境保护委员会，出台《巴中市生态环境保护责任清单》，"
    "全面强化了生态环境保护工作领导力量，将生态环境保护工作纳入市重点工作督查组重点督查内容，压实各级生态环境"
    "保护责任。将生态环境保护法律法规纳入了市、县（区）党委常委会议、政府常务会议会前学法内容。"
)
BODY = [PASSAGE[i:i + 36] for i in range(0, len(PASSAGE), 36)]


def paged_lines(pages: int = 4, header: bool = True, footer: str = "— {p} —") -> list[Line]:
    """Pages of three body lines each, with a running header and a page number."""
    lines = []
    for p in range(1, pages + 1):
        if header:
            lines.append(Line(HEADER, p, 9.0, 325.3))
        lines += [Line(t, p, 16.0, 8.0) for t in BODY[(p - 1) * 3:p * 3]]
        lines.append(Line(footer.format(p=p), p, 10.0, 381.0))
    return lines


def test_running_header_and_page_numbers_are_removed():
    kept = drop_furniture(paged_lines())
    assert [ln.text for ln in kept] == BODY[:12], "every body line stays, in order"


@pytest.mark.parametrize("footer", ["— {p} —", "－{p}－", "- {p} -", "第{p}页", "第 {p} 页 共 49 页", "{p}/49", "{p}"])
def test_page_number_shapes(footer):
    kept = drop_furniture(paged_lines(header=False, footer=footer))
    assert [ln.text for ln in kept] == BODY[:12]


def test_a_number_in_the_body_font_is_text():
    lines = paged_lines(header=False, footer="{p}")
    lines.insert(4, Line("2020", 2, 16.0, 8.0))  # first line of page 2, body font: text
    texts = [ln.text for ln in drop_furniture(lines)]
    assert texts == [*BODY[:3], "2020", *BODY[3:12]]


def test_text_without_pages_keeps_everything_but_dashed_page_numbers():
    lines = [Line(t) for t in ("— 3 —", "2016—2019年枯水期", "3/49", "第3页", HEADER, "正文。")]
    assert [ln.text for ln in drop_furniture(lines)] == ["2016—2019年枯水期", "3/49", "第3页", HEADER, "正文。"]


# --------------------------------------------------------- table of contents


def test_toc_is_removed_and_read():
    lines = [Line(t) for t in [
        "巴中市“十四五”生态环境保护规划", "", "目 录", "", "前 言.....\t5",
        "第一章 环境基础与形势.....\t7", "第一节 “十三五”生态环境保护成效显著.....\t7",
        "第九章 加强生态保护修复，推进山水林田湖草系统治", "理..... 53",
        "第十章 全域推进生态文明示范创建…………58", "", "前 言", "“十四五”时期是……。",
    ]]
    toc: dict[str, int] = {}
    kept = [ln.text for ln in drop_toc(lines, toc)]
    assert kept == ["巴中市“十四五”生态环境保护规划", "", "前 言", "“十四五”时期是……。"]
    assert toc == {
        "前言": 5, "第一章环境基础与形势": 7, "第一节“十三五”生态环境保护成效显著": 7,
        "第九章加强生态保护修复，推进山水林田湖草系统治理": 53, "第十章全域推进生态文明示范创建": 58,
    }


def test_toc_without_heading_needs_a_run_of_entries():
    lines = [Line(t) for t in ["第一章 总则.....1", "第二章 任务.....3", "", "第一章 总则", "正文。", "",
                               "详见附表......12", "结尾。"]]
    assert [ln.text for ln in drop_toc(lines)] == ["第一章 总则", "正文。", "", "详见附表......12", "结尾。"]


# ------------------------------------------------------------ page breaks


def test_paragraph_cut_at_a_page_boundary_is_mended():
    blocks = mend_breaks([
        Block("压实生态环境保护责任，大环保工作格局基本形成。严格落"),
        Block("实“党政同责、一岗双责”，将生态环境保护纳入考核。"),
        Block("环境质量持续改善。"),
    ])
    assert [b.text for b in blocks] == [
        "压实生态环境保护责任，大环保工作格局基本形成。严格落实“党政同责、一岗双责”，将生态环境保护纳入考核。",
        "环境质量持续改善。",
    ]


@pytest.mark.parametrize(("first", "second"), [
    ("坚持生态优先，绿色发展。", "第二段正文，另起一段。"),  # the sentence was finished
    ("坚持生态优先，推进绿色发展", "第一章 总体要求"),  # a heading follows
    ("加快推进产业结构调整，严控两高项目", "2.加强移动源管控，推进老旧车辆淘汰。"),  # a numbered item follows
    ("青山县生态环境局", "2024年5月20日"),  # a signature: two short lines without punctuation
])
def test_paragraphs_that_are_not_cut_stay_apart(first, second):
    assert len(mend_breaks([Block(first), Block(second)])) == 2


def test_headings_and_tables_are_never_mended():
    heading = Block("专栏一 主要指标", display=True)
    table = Block("", rows=[["a", "b"]])
    assert len(mend_breaks([Block("正文，未完"), heading, Block("续文，完。")])) == 3
    assert len(mend_breaks([Block("正文，未完"), table, Block("续文，完。")])) == 3


# --------------------------------------------------------------- text layout


def texts(raw: str) -> list[str]:
    return [b.text for b in _txt_blocks([Line(normalize_chars(t)) for t in raw.split("\n")])]


def test_blank_lines_separate_paragraphs():
    assert texts("第一章 总体要求\n\n坚持生态优先，\n绿色发展。\n\n第二段。") == [
        "第一章总体要求", "坚持生态优先，绿色发展。", "第二段。",
    ]


def test_one_paragraph_per_line():
    assert texts("第一章 总体要求\n坚持生态优先。\n推进绿色发展。\n加强组织领导。") == [
        "第一章总体要求", "坚持生态优先。", "推进绿色发展。", "加强组织领导。",
    ]


def test_indent_and_numbers_start_paragraphs_inside_a_block():
    raw = "\u3000\u3000第一段，\n写完了。\n\u3000\u3000第二段。\n1.第一项。\n2.第二项，\n未完待续。\n\n尾段。"
    assert texts(raw) == ["第一段，写完了。", "第二段。", "1.第一项。", "2.第二项，未完待续。", "尾段。"]


def test_hard_wrapped_text_runs_on():
    line = "坚持以习近平生态文明思想为指导，践行“绿水青山就是金山银山”理念，统筹推进农村污染治理。"
    wrapped = [line[i:i + 20] for i in range(0, len(line), 20)]
    raw = "\n".join(["（一）指导思想。" + wrapped[0][8:], *wrapped[1:], "（二）主要目标。到2025年完成。"] * 3)
    assert _wrap_width([Line(t) for t in raw.split("\n")]) == 20
    assert texts(raw)[0] == "（一）指导思想。" + line[8:]
    assert len(texts(raw)) == 6


def test_free_text_is_not_mistaken_for_wrapped():
    lines = [Line(t) for t in ["短。", "一行稍长一些的文字。", "这是一段比较长的文字，用来检查宽度。", "尾。", "又一行。"]]
    assert _wrap_width(lines) == 0


def test_tab_table_lines_become_rows():
    raw = "专栏一 主要指标\n\n类别\t序号\t指标名称\t目标\n(一) 环境质量\t1\t优良天数比率(%)\t≥95\n\t2\t细颗粒物浓度\t<30\n\t\t(μg/m³)\t\n\n正文。"
    blocks = _txt_blocks([Line(t) for t in raw.split("\n")])
    table = next(b for b in blocks if b.rows)
    assert table.rows == [
        ["类别", "序号", "指标名称", "目标"],
        ["(一) 环境质量", "1", "优良天数比率(%)", "≥95"],
        ["", "2", "细颗粒物浓度(μg/m³)", "<30"],
    ]


# -------------------------------------------------------------- table rows


def test_merge_row_lines_top_aligned():
    rows = [["类别", "序号", "名称"], ["水", "1", "城镇污水"], ["", "", "处理率"], ["", "2", "黑臭水体"]]
    merged, pages = merge_row_lines(rows, [(1, 0), (1, 20), (1, 36), (1, 60)])
    assert merged == [["类别", "序号", "名称"], ["水", "1", "城镇污水处理率"], ["", "2", "黑臭水体"]]
    assert pages == [1, 1, 1]


def test_merge_row_lines_centred_header_on_two_lines_and_repeated_on_next_page():
    rows = [
        ["类别", "", "指标"], ["", "序号", ""], ["", "", "名称"],  # header on three baselines
        ["水", "", "城镇污水"], ["", "1", ""], ["", "", "处理率"],  # a centred row
        ["类别", "", "指标"], ["", "序号", "名称"],  # the header again, next page
        ["", "2", "黑臭水体"],
    ]
    places = [(1, 100), (1, 108), (1, 116), (1, 140), (1, 148), (1, 156), (2, 100), (2, 112), (2, 140)]
    merged, pages = merge_row_lines(rows, places)
    assert merged == [["类别", "序号", "指标名称"], ["水", "1", "城镇污水处理率"], ["", "2", "黑臭水体"]]
    assert pages == [1, 1, 2]


def test_merge_row_lines_leaves_unnumbered_tables_alone():
    rows = [["名称", "数值"], ["甲", "1"], ["", "续"], ["乙", "3"]]
    assert merge_row_lines(rows, [(None, float(i)) for i in range(4)])[0] == rows


# ---------------------------------------------------------- synthetic PDFs


H = "⽰范市“⼗四五”⽣态环境保护规划"


def _page(n: int, runs: list) -> list:
    return [(H, 9, 300, 40), *runs, (f"— {n} —", 10, 290, 800)]


PROSE = [
    [("第⼀章 总体要求", 22, 200, 90), ("第⼀节 发展⽬标", 18, 60, 130),
     ("坚持⽣态优先、绿⾊发展，统筹⽔资源、⽔环境、⽔⽣态", 16, 92, 170),
     ("治理，推动⽣态环境质量持续改善。", 16, 60, 194),
     ("到2025年，城镇污⽔处理率达到96%以上，农村⽣活污", 16, 92, 218),
     ("⽔治理率达到60%以上，⼈⺠群众满意度明显提升，⻓", 16, 60, 242)],
    [("效机制基本建⽴。", 16, 60, 80),
     ("强化⽔源保护，推进饮⽤⽔⽔源地规范化建设，加强", 16, 92, 120),
     ("注：带*指标为2019年数据。", 12, 60, 760)],
    [("⽔源地环境⻛险防控。", 16, 60, 80),
     ("第⼆章 重点任务", 22, 200, 130),
     ("深⼊打好污染防治攻坚战。", 16, 92, 170)],
]


@pytest.mark.parametrize("flip", [False, True], ids=["y-up", "y-down"])
def test_pdf_layout_is_undone(make_pdf, flip):
    doc = parse_file(make_pdf("prose.pdf", [_page(k + 1, runs) for k, runs in enumerate(PROSE)], flip=flip))
    got = [(n.id, n.kind, n.title, n.page, n.page_end, n.text) for n in doc.nodes]
    assert got == [
        ("ch1", "chapter", "第一章 总体要求", 1, None, ""),
        ("ch1.s1", "section", "第一节 发展目标", 1, None, ""),
        ("ch1.s1.c1", "clause", "坚持生态优先、绿色发展", 1, None,
         "坚持生态优先、绿色发展，统筹水资源、水环境、水生态治理，推动生态环境质量持续改善。"),
        ("ch1.s1.c2", "clause", "到2025年", 1, 2,
         "到2025年，城镇污水处理率达到96%以上，农村生活污水治理率达到60%以上，人民群众满意度明显提升，长效机制基本建立。"),
        ("ch1.s1.c3", "clause", "强化水源保护", 2, 3, "强化水源保护，推进饮用水水源地规范化建设，加强水源地环境风险防控。"),
        ("ch1.s1.c4", "clause", "注：带*指标为2019年数据", 2, None, "注：带*指标为2019年数据。"),
        ("ch2", "chapter", "第二章 重点任务", 3, None, ""),
        ("ch2.c1", "clause", "深入打好污染防治攻坚战", 3, None, "深入打好污染防治攻坚战。"),
    ]


def _cell(x: float, y: float, text: str) -> tuple:
    return (text, 12, x, y)


HEAD = [_cell(60, 100, "类别"), _cell(150, 108, "序号"), _cell(220, 100, "指标"), _cell(420, 100, "2025年"),
        _cell(220, 116, "名称"), _cell(420, 116, "目标")]
FILLER = [("坚持生态优先，推进绿色发展，统筹水资源、水环境和水生态。", 16, 60 if k else 92, 300 + 24 * k)
          for k in range(8)]
TABLE = [
    [("第一章 总体要求", 22, 200, 60), *HEAD,
     _cell(60, 140, "水环境"), _cell(220, 140, "城镇污水处理率"), _cell(150, 148, "1"), _cell(420, 148, "≥96"),
     _cell(220, 156, "(%)"),
     _cell(150, 180, "2"), _cell(220, 180, "黑臭水体比例(%)"), _cell(420, 180, "0"),
     _cell(150, 200, "3"), _cell(220, 200, "农村生活污水治理"), _cell(420, 200, "≥60"),
     _cell(220, 216, "率(%)"), *FILLER],
    [*HEAD, _cell(60, 140, "大气"), _cell(150, 140, "4"), _cell(220, 140, "优良天数比率(%)"), _cell(420, 140, "≥95"),
     ("以上指标按年度考核。", 16, 92, 200)],
]


@pytest.mark.parametrize("flip", [False, True], ids=["y-up", "y-down"])
def test_pdf_table_from_glyph_positions(make_pdf, flip):
    doc = parse_file(make_pdf("table.pdf", TABLE, flip=flip))
    rows = [(n.id, n.page, dict(n.columns)) for n in doc.nodes if n.kind == "row"]
    head = ("类别", "序号", "指标名称", "2025年目标")
    assert rows == [
        ("ch1.r1", 1, dict(zip(head, ("水环境", "1", "城镇污水处理率(%)", "≥96"), strict=True))),
        ("ch1.r2", 1, dict(zip(head, ("水环境", "2", "黑臭水体比例(%)", "0"), strict=True))),
        ("ch1.r3", 1, dict(zip(head, ("水环境", "3", "农村生活污水治理率(%)", "≥60"), strict=True))),
        ("ch1.r4", 2, dict(zip(head, ("大气", "4", "优良天数比率(%)", "≥95"), strict=True))),
    ]
    assert [n.kind for n in doc.nodes] == ["chapter", "row", "row", "row", "clause", "row", "clause"]
