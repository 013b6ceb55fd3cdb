"""The two editions of the Bazhong plan parse to the same plan.

The text export is damaged one way (paragraphs broken at old page boundaries, a
dotted table of contents, a tab-separated table), the PDF another (Kangxi radicals,
a running header, page numbers, lines cut at the page width, a table laid out in
glyph positions).  After parsing, every section and box must hold the same text.
"""

from __future__ import annotations

import re

import pytest

from kb.ingest.clean import squash

SECTIONS = {1: 3, 2: 3, 3: 4, 4: 4, 5: 4, 6: 6, 7: 4, 8: 4, 9: 3, 10: 4, 11: 6, 12: 6}
SECTION_IDS = [f"ch{c}.s{s}" for c, k in SECTIONS.items() for s in range(1, k + 1)]
BOX_IDS = [f"box{k}" for k in range(1, 11)]
#: Containers whose own clauses sit outside any section.
OTHER_IDS = ["foreword", *[f"ch{c}" for c in SECTIONS]]
LEAVES = ("clause", "item", "row")
HEADER = "巴中市“十四五”生态环境保护规划"
RADICALS = re.compile("[\u2e80-\u2fdf]")


def children(doc, parent: str) -> list:
    return [n for n in doc.nodes if n.parent == parent and n.kind in LEAVES]


def leaf_text(doc, parent: str) -> str:
    """The text of a container's clauses/items/rows, in order, whitespace removed."""
    return "".join(squash(n.text) for n in children(doc, parent))


def first_difference(a: str, b: str) -> str:
    i = next((k for k, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), min(len(a), len(b)))
    return f"at {i}: txt …{a[max(0, i - 20):i + 20]}… vs pdf …{b[max(0, i - 20):i + 20]}…"


def node(doc, node_id: str):
    return next(n for n in doc.nodes if n.id == node_id)


# -------------------------------------------------------------- equivalence


def test_both_editions_have_the_same_tree(plan_txt, plan_pdf):
    shape = [(n.id, n.kind, n.parent) for n in plan_txt.nodes]
    assert shape == [(n.id, n.kind, n.parent) for n in plan_pdf.nodes]
    assert [n.id for n in plan_txt.nodes if n.kind == "section"] == SECTION_IDS
    assert [n.id for n in plan_txt.nodes if n.kind == "box"] == BOX_IDS


@pytest.mark.parametrize("node_id", SECTION_IDS + BOX_IDS)
def test_section_text_is_identical(plan_txt, plan_pdf, node_id):
    txt, pdf = leaf_text(plan_txt, node_id), leaf_text(plan_pdf, node_id)
    assert len(txt) > 50, f"{node_id} holds its text"
    assert txt == pdf, first_difference(txt, pdf)


@pytest.mark.parametrize("node_id", OTHER_IDS)
def test_chapter_level_text_is_identical(plan_txt, plan_pdf, node_id):
    txt, pdf = leaf_text(plan_txt, node_id), leaf_text(plan_pdf, node_id)
    assert txt == pdf, first_difference(txt, pdf)


def test_preamble_is_identical(plan_txt, plan_pdf):
    txt, pdf = squash(node(plan_txt, "preamble").text), squash(node(plan_pdf, "preamble").text)
    assert txt.startswith("巴中市人民政府关于印发《巴中市“十四五”生态环境保护规划》的通知巴府发〔2021〕19号")
    assert txt == pdf, first_difference(txt, pdf)


def test_clause_titles_are_identical(plan_txt, plan_pdf):
    pairs = zip(plan_txt.nodes, plan_pdf.nodes, strict=True)
    different = [(t.id, t.title, p.title) for t, p in pairs if squash(t.title) != squash(p.title)]
    assert different == []


# ------------------------------------------------------------ PDF damage


def test_no_kangxi_radicals_in_pdf_nodes(plan_pdf):
    assert [n.id for n in plan_pdf.nodes if RADICALS.search(n.text + n.title)] == []
    # … and the ideographs they stood for are there: 一 生 面 in the first section.
    text = leaf_text(plan_pdf, "ch1.s1")
    assert all(ch in text for ch in "一生面长门")


def test_no_running_header_inside_leaves(plan_txt, plan_pdf):
    for doc in (plan_txt, plan_pdf):
        # The plan names itself only inside 《…》; the running header has no brackets.
        stray = [n.id for n in doc.nodes if n.kind in LEAVES and re.search(rf"(?<!《){HEADER}", n.text)]
        assert stray == []
    count = {d: sum(squash(n.text).count(HEADER) for n in d.nodes) for d in (plan_txt, plan_pdf)}
    assert count[plan_txt] == count[plan_pdf] == 4


def test_no_page_numbers_in_pdf_text(plan_pdf):
    for n in plan_pdf.nodes:
        assert not re.search(r"[—–－-]\s*\d{1,3}\s*[—–－-]", n.text), n.id
        assert not re.search(r"(^|\n)\s*\d{1,3}\s*($|\n)", n.text), n.id


def test_every_paragraph_is_whole(plan):
    """A clause or box item ends a sentence: nothing was cut at a line or page end."""
    cut = [(n.id, n.text[-12:]) for n in plan.nodes if n.kind in ("clause", "item") and n.text[-1] not in "。；：！？”）)"]
    assert cut == []


# ------------------------------------------------------------ the table


def columns(doc, row: int) -> dict[str, str]:
    return {h: squash(v) for h, v in node(doc, f"box1.r{row}").columns}


def test_row_23_keeps_its_columns(plan):
    assert columns(plan, 23) == {
        "类别": "(五)人居环境改善", "序号": "23", "指标名称": "城镇污水处理率(%)",
        "2020年基准值": "95.92", "2025年目标": "≥96", "指标属性": "约束性",
    }


def test_row_2_pm25(plan):
    row = node(plan, "box1.r2")
    cols = dict(row.columns)
    assert cols["2025年目标"] == "<27.0"
    assert cols["2020年基准值"] == "28.1"
    assert cols["类别"] == "(一) 生态环境质量改善", "the merged category cell is carried down"
    assert "PM" in row.title and "2.5" in row.title
    assert "2025年目标：<27.0" in row.text


def test_categories_carried_down(plan):
    expected = {**dict.fromkeys(range(1, 11), "(一)生态环境质量改善"), **dict.fromkeys(range(11, 15), "(二)生态保护"),
                **dict.fromkeys(range(15, 18), "(三)资源节约与利用"), **dict.fromkeys(range(18, 21), "(四)环境风险防控"),
                **dict.fromkeys(range(21, 26), "(五)人居环境改善")}
    assert {k: columns(plan, k)["类别"] for k in range(1, 26)} == expected


def test_wrapped_and_empty_cells(plan):
    assert columns(plan, 11)["2025年目标"] == "未经依法审批,面积不减少,性质不改变,功能不降低"
    assert columns(plan, 13)["指标名称"] == "国家重点保护野生动植物保护率(%)"
    assert columns(plan, 13)["指标属性"] == "预期性"
    assert columns(plan, 16)["2025年目标"] == ""


def test_rows_identical_between_editions(plan_txt, plan_pdf):
    for k in range(1, 26):
        assert columns(plan_txt, k) == columns(plan_pdf, k), k


# ------------------------------------------------------------------ pages


def test_pdf_pages(plan_pdf):
    assert node(plan_pdf, "ch1").page == 5
    assert node(plan_pdf, "ch1.c1").page == 5 and node(plan_pdf, "ch1.c1").page_end == 6
    assert node(plan_pdf, "box1").page == 13
    assert node(plan_pdf, "box1.r1").page == 13
    assert node(plan_pdf, "box1.r25").page == 14, "a row takes the page it is printed on"


def test_clause_pages_lie_within_their_section(plan):
    heads = [i for i, n in enumerate(plan.nodes) if n.kind in ("foreword", "chapter", "section", "box")]
    checked = 0
    for k, i in enumerate(heads):
        head = plan.nodes[i]
        end = heads[k + 1] if k + 1 < len(heads) else len(plan.nodes)
        next_page = plan.nodes[end].page if end < len(plan.nodes) else 10**6
        for n in plan.nodes[i + 1:end]:
            assert head.page <= n.page <= (n.page_end or n.page) <= next_page, (n.id, head.page, n.page, next_page)
            checked += 1
    assert checked == 155 + 31 + 25


def test_txt_pages_come_from_its_table_of_contents(plan_txt):
    assert node(plan_txt, "ch1").page == 7
    assert node(plan_txt, "ch1.s2").page == 12
    assert node(plan_txt, "ch6").page == 35


# ------------------------------------------------------ clauses and repairs


def test_clause_titles_are_lead_sentences(plan):
    assert [n.title for n in children(plan, "ch6.s2")] == [
        "以主要地表河流水质稳定达标为目标", "强化工业企业监督管理", "提升城乡污水处理能力", "持续提升农村人居环境",
        "精细管理治理面源污染", "强化入河排污口整治", "加强船舶污染防治监管",
    ]
    c2 = node(plan, "ch6.s2.c2")
    assert squash(c2.text).startswith("强化工业企业监督管理。")
    assert c2.path == ("第六章 强化“三水”统筹，稳固水生态环境成效", "第二节 强化水环境综合治理")
    assert [n.title for n in children(plan, "box5")][:2] == ["（一）水生态保护与修复工程", "（二）城镇水污染防治工程"]


def test_page_break_repair(plan):
    clause = node(plan, "ch1.s1.c2")
    assert clause.title == "压实生态环境保护责任，大环保工作格局基本形成"
    assert "严格落实“党政同责、一岗双责”" in squash(clause.text)
    assert squash(clause.text).endswith("全社会共建共治共享的大环保工作格局基本形成。")
    assert not any(squash(n.text).startswith("实“党政同责") for n in plan.nodes)
    assert "特编制《巴中市“十四五”生态环境保护规划（2021-2025年）》" in squash(node(plan, "foreword.c2").text)


def test_original_lines_are_kept_for_provenance(plan_txt, plan_pdf):
    """The repaired text is searched; the source lines behind it stay available."""
    txt = next(n for n in plan_txt.nodes if n.id == "ch1.s1.c2")
    pdf = next(n for n in plan_pdf.nodes if n.id == "ch1.s1.c2")
    assert "严格落\n实" in txt.original and "严格落实" in txt.text
    assert pdf.original.count("\n") >= 5 and "\n" not in pdf.text
    assert squash(pdf.original) == squash(pdf.text)
