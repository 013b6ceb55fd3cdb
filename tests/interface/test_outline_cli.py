"""`kb outline` as a user runs it, on both editions of the Bazhong plan."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from support.paths import DATA, EDITIONS, PLAN_NAME, PLAN_PDF, PLAN_TXT, ROOT

KB = Path(sys.executable).with_name("kb")

CHAPTERS = [
    "第一章 环境基础与形势",
    "第二章 指导思想、基本原则与主要目标",
    "第三章 推动绿色低碳转型，培育绿色生产生活方式",
    "第四章 积极应对气候变化，推动碳达峰行动",
    "第五章 深化协同控制，持续改善环境空气质量",
    "第六章 强化“三水”统筹，稳固水生态环境成效",
    "第七章 扎实推进净土减废行动，保障土壤环境安全",
    "第八章 强化风险防控，筑牢环境安全防线",
    "第九章 加强生态保护修复，推进山水林田湖草系统治理",
    "第十章 全域推进生态文明示范创建，大力推动生态价值转化",
    "第十一章 深化改革创新，推进环境治理体系现代化",
    "第十二章 保障措施",
]
#: Sections per chapter, as the plan prints them.
SECTIONS = {1: 3, 2: 3, 3: 4, 4: 4, 5: 4, 6: 6, 7: 4, 8: 4, 9: 3, 10: 4, 11: 6, 12: 6}
#: Box number → (title, chapter it sits in).
BOXES = {
    1: ("专栏一 “十四五”生态环境保护规划主要指标", 2),
    2: ("专栏二 低碳绿色重点项目", 3),
    3: ("专栏三 应对气候变化重点项目", 4),
    4: ("专栏四 大气污染防治重点项目", 5),
    5: ("专栏五 水污染防治及水生态环境治理和保护重点项目", 6),
    6: ("专栏六 土壤及固体废物污染防治重点项目", 7),
    7: ("专栏七 环境风险防范重点项目", 8),
    8: ("专栏八 生态保护与修复重点项目", 9),
    9: ("专栏九 生态价值转化重点项目", 10),
    10: ("专栏十 能力建设重点项目", 11),
}
EXPECTED_COUNTS = {"chapter": 12, "section": 51, "box": 10, "row": 25, "clause": 155, "item": 31,
                   "foreword": 1, "preamble": 1}


@pytest.fixture(scope="module", params=sorted(EDITIONS))
def outline(request, run_kb) -> list[dict]:
    """`kb outline EDITION --json`, parsed."""
    result = run_kb("outline", EDITIONS[request.param], "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def by_id(nodes: list[dict]) -> dict[str, dict]:
    return {n["id"]: n for n in nodes}


# ----------------------------------------------------------------- counts


def test_counts(outline):
    counts = Counter(n["kind"] for n in outline)
    assert dict(counts) == EXPECTED_COUNTS


def test_chapter_titles_whole_and_in_order(outline):
    chapters = [n for n in outline if n["kind"] == "chapter"]
    assert [n["title"] for n in chapters] == CHAPTERS
    assert [n["id"] for n in chapters] == [f"ch{i}" for i in range(1, 13)]


def test_sections_per_chapter(outline):
    per_chapter = Counter(n["parent"] for n in outline if n["kind"] == "section")
    assert per_chapter == Counter({f"ch{c}": k for c, k in SECTIONS.items()})
    ids = [n["id"] for n in outline if n["kind"] == "section"]
    assert ids == [f"ch{c}.s{s}" for c, k in SECTIONS.items() for s in range(1, k + 1)]


def test_named_titles(outline):
    nodes = by_id(outline)
    assert nodes["ch10"]["title"] == "第十章 全域推进生态文明示范创建，大力推动生态价值转化"
    assert nodes["ch6"]["title"] == "第六章 强化“三水”统筹，稳固水生态环境成效"
    assert nodes["ch6.s2"]["title"] == "第二节 强化水环境综合治理"
    assert nodes["ch6.s2"]["parent"] == "ch6"
    assert nodes["box5"]["title"] == "专栏五 水污染防治及水生态环境治理和保护重点项目"
    assert nodes["box5"]["parent"] == "ch6"
    # The body's own wording wins over the table of contents (which says 防控).
    assert nodes["ch5.s2"]["title"] == "第二节 严格移动源污染防治"


def test_boxes_titles_and_parents(outline):
    boxes = [n for n in outline if n["kind"] == "box"]
    assert [(n["id"], n["title"], n["parent"]) for n in boxes] == [
        (f"box{k}", title, f"ch{ch}") for k, (title, ch) in BOXES.items()
    ]


def test_rows_are_the_indicator_table(outline):
    rows = [n for n in outline if n["kind"] == "row"]
    assert [n["id"] for n in rows] == [f"box1.r{k}" for k in range(1, 26)]
    assert {n["parent"] for n in rows} == {"box1"}
    assert by_id(outline)["box1.r23"]["title"] == "城镇污水处理率(%)"


# ------------------------------------------------------------- integrity


def test_no_table_of_contents_among_nodes(outline):
    for n in outline:
        assert "...." not in n["title"] and "…………" not in n["title"], n
        assert not re.search(r"\.{2,}\s*\d+$", n["title"]), n
    titles = [n["title"] for n in outline if n["kind"] in ("chapter", "section", "box")]
    chapter_titles = [t for t in titles if t.startswith("第") and "章" in t[:5]]
    assert len(chapter_titles) == len(set(chapter_titles)) == 12


def test_every_parent_exists_and_comes_first(outline):
    seen: set[str] = set()
    for n in outline:
        assert n["parent"] is None or n["parent"] in seen, n
        seen.add(n["id"])
    assert len(seen) == len(outline), "ids are unique"


def test_parent_kinds(outline):
    kinds = {n["id"]: n["kind"] for n in outline}
    allowed = {
        "chapter": {None}, "foreword": {None}, "preamble": {None},
        "section": {"chapter"}, "box": {"chapter"},
        "clause": {"chapter", "section", "foreword"}, "item": {"box"}, "row": {"box"},
    }
    for n in outline:
        assert kinds.get(n["parent"]) in allowed[n["kind"]], n


def test_json_node_shape(outline):
    for n in outline:
        assert set(n) == {"id", "kind", "title", "parent", "doc", "page"}
        assert isinstance(n["id"], str) and n["id"]
        assert isinstance(n["title"], str) and n["title"].strip()
        assert n["parent"] is None or isinstance(n["parent"], str)
        assert n["doc"] == PLAN_NAME
        assert n["page"] is None or (isinstance(n["page"], int) and 1 <= n["page"] <= 80)


def test_pdf_nodes_all_have_pages(run_kb):
    nodes = json.loads(run_kb("outline", PLAN_PDF, "--json").stdout)
    assert all(isinstance(n["page"], int) for n in nodes)
    pages = [n["page"] for n in nodes]
    assert pages == sorted(pages), "pages never go backwards in reading order"
    assert by_id(nodes)["ch1"]["page"] == 5


# ------------------------------------------------------------ human output


def test_human_tree_is_indented_with_counts(run_kb):
    result = run_kb("outline", PLAN_TXT)
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    header = lines[0]
    assert header.startswith(PLAN_NAME)
    assert "txt" in header and "chapter numbering" in header
    for phrase in ("12 chapters", "51 sections", "155 clauses", "10 boxes", "31 items", "25 rows"):
        assert phrase in header
    indent = {line.strip(): len(line) - len(line.lstrip()) for line in lines[1:]}
    chapter = next(k for k in indent if k.startswith("第六章"))
    section = next(k for k in indent if k.startswith("第二节 强化水环境综合治理"))
    box = next(k for k in indent if k.startswith("专栏五"))
    clause = next(k for k in indent if k.startswith("c2 「强化工业企业监督管理」"))
    assert indent[chapter] < indent[section] == indent[box] < indent[clause]
    assert chapter.endswith("p.35"), "the txt edition takes its pages from its table of contents"


def test_human_depth_chapter(run_kb):
    result = run_kb("outline", PLAN_TXT, "--depth", "chapter")
    assert result.exit_code == 0
    body = result.stdout.splitlines()[1:]
    assert sum(line.strip().startswith("第") and "章" in line for line in body) == 12
    assert not any("第一节" in line for line in body)
    assert not any("「强化工业企业监督管理」" in line for line in body)


# ------------------------------------------------------------------ errors


def test_missing_path_is_one_clear_line(run_kb, tmp_path):
    result = run_kb("outline", tmp_path / "nope.txt")
    assert result.exit_code == 1
    assert "nope.txt" in result.stderr and "no such file" in result.stderr
    assert "Traceback" not in result.output


def test_bad_file_is_skipped_and_good_one_outlined(run_kb, tmp_path):
    (tmp_path / "empty.txt").write_bytes(b"")
    result = run_kb("outline", tmp_path / "empty.txt", DATA / "small_plan.txt", "--json")
    assert result.exit_code == 0
    assert "skipped" in result.stderr and "empty.txt" in result.stderr and "empty" in result.stderr
    assert {n["doc"] for n in json.loads(result.stdout)} == {"small_plan"}


# --------------------------------------------------------- the real script


def test_help_works():
    for args in (["--help"], ["outline", "--help"]):
        proc = subprocess.run([str(KB), *args], capture_output=True, text=True, timeout=60)
        assert proc.returncode == 0, proc.stderr
        assert "outline" in proc.stdout
    assert "--json" in proc.stdout and "--depth" in proc.stdout


def test_console_script_outline_json():
    """The installed `kb` script, end to end, on the text edition (fast to parse)."""
    proc = subprocess.run([str(KB), "outline", str(PLAN_TXT), "--json"], capture_output=True, text=True,
                          timeout=120, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr
    nodes = json.loads(proc.stdout)
    counts = Counter(n["kind"] for n in nodes)
    assert (counts["chapter"], counts["section"], counts["box"], counts["row"]) == (12, 51, 10, 25)
