"""The web app's handlers, called directly on a fake-encoder index of the Bazhong plan (no browser).

Each handler is a plain function of the KnowledgeBase and the form's values (one
module per tab under kb/interfaces/web/tabs), so what a user sees (the answer card,
the register, the locator, the quiz file) is checked here in milliseconds;
test_browser.py checks the wiring and test_views.py the renderers alone.
"""

from __future__ import annotations

import csv
import html
import os
import re
import runpy
import subprocess
import sys
from pathlib import Path

import gradio as gr
import pandas as pd
import pytest
from support.fakes import HashEncoder
from support.paths import ROOT

from kb.document import LEAF_KINDS
from kb.interfaces.web import app, views
from kb.interfaces.web.downloads import Downloads
from kb.interfaces.web.examples import curated, derived, examples_for
from kb.interfaces.web.tabs import chat, common, locate, outline, quiz, register
from kb.interfaces.web.tabs.chat import chat_turn
from kb.interfaces.web.tabs.common import ALL_CHAPTERS, ALL_DOCS
from kb.knowledge import KnowledgeBase
from kb.tools.register import HEADERS_ZH

OWNER_Q = "哪个部门负责环境应急联动？"
STRAW_Q = "农民烧秸秆怎么管？"


def assistant(history: list) -> str:
    assert history[-1]["role"] == "assistant"
    return history[-1]["content"]


# ------------------------------------------------------------------- the app


@pytest.fixture()
def downloads():
    """A download folder of the test's own, removed afterwards."""
    d = Downloads()
    yield d
    d.close()


def test_create_app_has_the_six_tabs_and_serves_sessions_concurrently(plan_kb):
    demo = app.create_app(plan_kb)
    assert isinstance(demo, gr.Blocks)
    tabs = [b.label for b in demo.blocks.values() if isinstance(b, gr.Tab)]
    assert tabs == ["问答", "大纲", "指标清单", "条款定位", "出题", "文档"]
    assert demo._queue.default_concurrency_limit > 1
    assert demo.analytics_enabled is False


def test_importing_the_web_package_neither_imports_gradio_nor_touches_the_environment():
    code = ("import os, sys; before = dict(os.environ); import kb.interfaces.web as w; "
            "assert callable(w.create_app) and callable(w.serve) and callable(w.open_or_build); "
            "assert 'gradio' not in sys.modules, 'gradio imported'; "
            "assert dict(os.environ) == before, 'environment changed'; "
            "assert not [m for m in sys.modules if m.startswith('kb.interfaces.cli')], 'the CLI imported'")
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr


def test_each_app_has_its_own_download_folder_removed_with_it(plan_kb):
    first, second = app.create_app(plan_kb), app.create_app(plan_kb)
    folders = [first.kb_downloads.folder, second.kb_downloads.folder]
    assert folders[0] != folders[1] and all(f.is_dir() for f in folders)
    assert [p.name for p in folders[0].rglob("*.xlsx")] == ["承诺清单.xlsx"]  # the register tab's first offer
    first.kb_downloads.close()
    assert not folders[0].exists() and folders[1].is_dir()


def test_a_download_folder_does_not_outlive_the_process(tmp_path):
    code = ("from kb.interfaces.web.downloads import Downloads; d = Downloads(); "
            "d.file('t.csv', ('k',), lambda p: p.write_text('x')); print(d.folder)")
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    folder = Path(result.stdout.strip())
    assert folder.name.startswith("kb-app-") and not folder.exists()


def test_downloads_keep_one_file_per_request_and_drop_the_oldest(downloads):
    writes = []

    def write(path: Path) -> None:
        writes.append(path)
        path.write_text(str(len(writes)))

    limited = Downloads(limit=2)
    try:
        a = limited.file("a.csv", ("a",), write)
        assert limited.file("a.csv", ("a",), write) == a and len(writes) == 1
        b = limited.file("b.csv", ("b",), write)
        limited.file("c.csv", ("c",), write)
        assert not Path(a).exists() and Path(b).exists() and len(limited) == 2
        assert sorted(p.name for p in limited.folder.rglob("*") if p.is_file()) == ["b.csv", "c.csv"]
    finally:
        limited.close()

    def fail(path: Path) -> None:
        path.write_text("half")
        raise OSError("disk full")

    with pytest.raises(OSError):
        downloads.file("x.csv", ("x",), fail)
    assert not [p for p in downloads.folder.rglob("*") if p.is_file()]  # nothing half-written is left


def test_the_stylesheet_is_package_data(plan_kb):
    css = app.stylesheet()
    assert ".answer-card" in css and "mark {" in css


def test_header_names_the_plan_and_counts(plan_kb):
    head = app.header_html(plan_kb)
    assert "《巴中市十四五生态环境保护规划》知识库" in head
    assert f"{len(plan_kb.targets())} 项量化承诺" in head


def test_examples_of_a_known_plan_are_its_curated_ones(plan_kb):
    examples = examples_for(plan_kb)
    assert examples == curated()["巴中市十四五生态环境保护规划"]
    assert examples.questions[0] == OWNER_Q and len(examples.questions) == 4
    for phrase in examples.phrases:  # verbatim: each is found exactly
        assert locate.locate_html(plan_kb, phrase).count("原文一致") >= 1


def test_examples_of_any_other_plan_come_from_its_own_text(plan_kb):
    examples = derived(plan_kb)
    assert len(examples.questions) == 4 and len(set(examples.questions)) == 4
    assert all(q.endswith("？") for q in examples.questions)
    metrics = {c.metric for c in plan_kb.targets()}
    assert any(q.removesuffix("要达到多少？").rstrip("0123456789年") in metrics for q in examples.questions)
    for phrase in examples.phrases:
        assert "原文一致" in locate.locate_html(plan_kb, phrase)


# ---------------------------------------------------------------------- chat


def test_chat_turn_shows_answer_card_with_owners_and_expandable_citations(plan_kb):
    history, asked, box = chat_turn(plan_kb, OWNER_Q, [], [])
    assert history[0] == {"role": "user", "content": OWNER_Q}
    card = assistant(history)
    assert 'class="answer-card"' in card and 'class="fact owners"' in card
    assert '<span class="chip">生态环境部门</span>' in card
    assert 'class="fact targets"' in card and 'class="fact deadlines"' in card
    assert card.count('<details class="citation">') == 5 and '<details class="citations">' in card  # folded
    assert "「提升应急响应能力」" in card and 'class="page">p.51' in card
    assert "<mark>" in card and "【" not in card  # query terms are marked, not bracketed
    assert "\n" not in card  # one line: the chatbot's Markdown must not break it apart
    assert box == "" and len(asked) == 1


def test_follow_up_passes_the_earlier_question_as_history(plan_kb, monkeypatch):
    seen = []
    ask = plan_kb.ask

    def spy(question, **kwargs):
        seen.append((question, tuple(kwargs["history"])))
        return ask(question, **kwargs)

    monkeypatch.setattr(plan_kb, "ask", spy)
    history, asked, _ = chat_turn(plan_kb, STRAW_Q, [], [])
    history, asked, _ = chat_turn(plan_kb, "那到什么时候完成？", history, asked)
    assert seen[0] == (STRAW_Q, ())
    assert seen[1][0] == "那到什么时候完成？" and "秸秆" in seen[1][1][-1]
    assert "秸秆" in asked[-1]  # what was searched: the follow-up with its topic, kept for the next turn
    expected = ask("那到什么时候完成？", history=list(seen[1][1]))
    assert assistant(history) == views.answer_html(expected, mark=plan_kb.mark, question="那到什么时候完成？",
                                                   searched=expected.searched)
    assert [m["role"] for m in history] == ["user", "assistant", "user", "assistant"]


def test_the_no_owner_note_appears_only_when_the_question_asks_who(plan_kb):
    history, _, _ = chat_turn(plan_kb, "谁负责秸秆焚烧管控？", [], [])
    card = assistant(history)
    assert "未写明" in card and "该条款未写明责任主体" in card
    assert 'class="citation general-rule"' in card and "加强组织领导" in card
    history, _, _ = chat_turn(plan_kb, STRAW_Q, [], [])  # the same clause, not asked who
    card = assistant(history)
    assert "未写明" in card and "该条款未写明责任主体" not in card and "general-rule" not in card
    assert "秸秆综合利用率 ≥92%（到2025年）" in card
    assert "依据：" not in card  # no line repeating citation [1]


def test_copy_gives_plain_text_with_the_citation(plan_kb):
    history, _, _ = chat_turn(plan_kb, OWNER_Q, [], [])
    card = assistant(history)
    copied = html.unescape(re.search(r'data-copy="([^"]*)"', card).group(1))
    assert "<" not in copied and "【" not in copied and "&" not in copied
    lines = copied.split("\n")
    assert lines[1].startswith("责任主体：") and "生态环境部门" in lines[1]
    assert lines[-1] == "出处：《巴中市十四五生态环境保护规划》第八章 强化风险防控，筑牢环境安全防线 › 第二节 完善应急管理体系 › 「提升应急响应能力」 p.51"
    record = views.read_turn(card)
    assert record["q"] == OWNER_Q and record["text"] == copied and record["cites"][0]["id"]


def test_a_conversation_is_kept_per_knowledge_base_and_restored(plan_kb):
    history, asked, _ = chat_turn(plan_kb, STRAW_Q, [], [])
    saved = chat.remember({"other": {"messages": [], "asked": ["x"]}}, "plan", history, asked)
    assert chat.restore(saved, "plan") == (history, asked) and chat.restore(saved, "other") == ([], ["x"])
    assert chat.restore(None, "plan") == ([], []) and chat.restore({"plan": "junk"}, "plan") == ([], [])
    # Gradio hands earlier messages back as lists of parts: kept (and exported) as their text
    parts = [{"role": m["role"], "content": [{"type": "text", "text": m["content"]}], "metadata": None}
             for m in history]
    assert chat.restore(chat.remember({}, "plan", parts, asked), "plan") == (history, asked)
    assert chat.conversation(parts) == chat.conversation(history) and len(chat.conversation(parts)) == 1
    long = [{"role": r, "content": "x"} for _ in range(100) for r in ("user", "assistant")]
    assert len(chat.remember({}, "plan", long, [])["plan"]["messages"]) == 2 * chat.KEEP_TURNS


def test_a_conversation_exports_as_docx_and_md(plan_kb, downloads):
    from docx import Document

    history, asked, _ = chat_turn(plan_kb, OWNER_Q, [], [])
    history, asked, _ = chat_turn(plan_kb, "", history, asked)  # a notice is not exported
    history, asked, _ = chat_turn(plan_kb, STRAW_Q, history, asked)
    button, note = chat.export_chat(plan_kb, downloads, history, "md")
    text = Path(button["value"]).read_text(encoding="utf-8")
    assert text.count("\n## ") == 2 and f"## 1. {OWNER_Q}" in text and "出处：《巴中市" in text
    assert "<div" not in text
    button, _ = chat.export_chat(plan_kb, downloads, history, "docx")
    paragraphs = [p.text for p in Document(button["value"]).paragraphs]
    assert f"2. {STRAW_Q}" in paragraphs and any(p.startswith("责任主体：") for p in paragraphs)
    button, note = chat.export_chat(plan_kb, downloads, [], "docx")
    assert button["visible"] is False and "还没有" in note


def test_thumbs_go_to_feedback_jsonl_beside_the_index(plan_kb, tmp_path):
    from kb.interfaces.web.feedback import read_feedback
    from kb.interfaces.web.shelf import Shelf
    from kb.interfaces.web.tabs.common import Wiring

    shelf = Shelf({"plan": tmp_path / "index"}, {"plan": plan_kb})
    wiring = Wiring(shelf, None, None)
    history, asked, _ = chat_turn(plan_kb, OWNER_Q, [], [])
    history, asked, _ = chat_turn(plan_kb, STRAW_Q, history, asked)
    assert chat.feedback(wiring, "plan", history, 1, None, True) == "up"
    assert chat.feedback(wiring, "plan", history, [3, None], None, False) == "down"
    assert chat.feedback(wiring, "plan", history, 0, None, True) is None  # the user's own message
    votes = list(read_feedback(tmp_path / "feedback.jsonl"))
    assert [v["vote"] for v in votes] == ["up", "down"] and votes[0]["question"] == OWNER_Q
    assert votes[1]["index"] == "plan" and votes[1]["citations"][0]["id"] and "秸秆" in votes[1]["answer"]


def test_indicator_row_is_shown_when_the_question_names_an_indicator(plan_kb):
    history, _, _ = chat_turn(plan_kb, "城镇污水处理率2025年要达到多少？", [], [])
    card = assistant(history)
    assert 'class="fact indicator"' in card and "<td>95.92</td>" in card and "<td>≥96</td>" in card


def test_example_card_in_the_empty_chat_asks_its_question(plan_kb):
    event = gr.SelectData(None, {"index": 0, "value": {"text": OWNER_Q}})
    history, asked, _ = chat.example_turn(plan_kb, [], [], ALL_DOCS, ALL_CHAPTERS, event)
    assert history[0]["content"] == OWNER_Q and "生态环境部门" in assistant(history)


def test_empty_question_gets_a_polite_prompt_and_no_turn(plan_kb):
    history, asked, box = chat_turn(plan_kb, "   ", [{"role": "user", "content": "x"}], ["x"])
    assert len(history) == 2 and "请先输入一个问题" in assistant(history)
    assert asked == ["x"] and box == ""


def test_too_long_question_is_refused_politely_and_kept_for_editing(plan_kb):
    question = "环境保护" * 200
    history, asked, box = chat_turn(plan_kb, question, [], [])
    assert "问题太长了（800 个字，最多 500 个字）" in assistant(history)
    assert asked == [] and box == question


def test_question_the_plan_does_not_cover_shows_nearest_clauses_only_as_references(plan_kb, monkeypatch):
    from kb.query.answer import NOT_FOUND_NOTE, Answer

    # The relevance gate is kb.query.search's business; here: what the app does once it has declined.
    monkeypatch.setattr(plan_kb, "ask", lambda q, **kw: Answer(
        q, "", citations=tuple(plan_kb.search(q)), found=False, note=NOT_FOUND_NOTE, searched=q))
    history, asked, _ = chat_turn(plan_kb, "今天股市行情如何", [], [])
    card = assistant(history)
    assert "answer-card not-found" in card and "规划中没有找到" in card
    assert "最接近的条款（仅供参考，不是答案）" in card and '<details class="citation">' in card
    assert "责任主体" not in card and "answer-text" not in card  # never dressed up as an answer


def test_chapter_filter_reaches_the_search(plan_kb, monkeypatch):
    seen = {}
    ask = plan_kb.ask

    def spy(question, **kwargs):
        seen.update(kwargs)
        return ask(question, **kwargs)

    monkeypatch.setattr(plan_kb, "ask", spy)
    history, _, _ = chat_turn(plan_kb, "秸秆焚烧", [], [], ALL_DOCS, "5")
    assert seen["chapter"] == 5 and seen["doc"] is None
    cited = assistant(history).split('<details class="citations">')[1]  # the card may cite the general rule too
    paths = re.findall(r'<span class="cite-path">([^<]*)</span>', cited)
    assert len(paths) == 5 and all(p.startswith("第五章") for p in paths)


def test_chapter_choices_come_from_the_index(plan_kb):
    choices = common.chapter_choices(plan_kb)
    assert choices[0] == (ALL_CHAPTERS, ALL_CHAPTERS)
    assert choices[1] == ("第一章 环境基础与形势", "1") and len(choices) == 1 + len(plan_kb.chapters())
    assert common.chapter_filter(ALL_CHAPTERS) is None and common.chapter_filter("12") == 12
    assert common.doc_filter(ALL_DOCS) is None


def test_marked_escapes_plan_text_and_marks_terms():
    assert views.marked("<b>【污水】【处理】</b>\n下") == "&lt;b&gt;<mark>污水处理</mark>&lt;/b&gt;<br>下"


# ------------------------------------------------------------------- outline


def test_the_outline_is_a_tree_of_the_whole_plan(plan_kb):
    html = outline.tree_html(plan_kb, None)
    chapters = plan_kb.chapters()
    assert html.count('class="tree-node kind-chapter') == len(chapters)
    assert html.count('<details class="tree-leaf') == sum(1 for n in plan_kb.nodes if n.kind in LEAF_KINDS and n.text)
    assert " open" not in html  # closed until opened
    assert html.count('class="kb-read"') == sum(1 for n in plan_kb.nodes if n.kind not in LEAF_KINDS)


def test_read_a_whole_chapter_in_the_reader(plan_kb):
    html = outline.reader_html(plan_kb, None, "ch5")
    clauses = [n for n in plan_kb.nodes if n.chapter == 5 and n.kind in LEAF_KINDS and n.text]
    assert html.count('class="doc-leaf') >= len(clauses) and "从源头上杜绝秸秆焚烧现象" in html
    assert "第三节 强化面源污染治理" in html and "第六章" not in html
    assert views.ESTIMATED_PAGE in html  # the .txt edition's pages are read off its contents page


def test_a_citation_opens_its_clause_in_the_outline(plan_kb):
    node = next(n for n in plan_kb.nodes if n.title == "加强农业面源污染控制")
    doc, tree, reader = outline.goto(plan_kb, node.doc, node.id)
    assert doc == node.doc
    target = re.search(r'<details class="tree-leaf kb-target" id="([^"]+)" open>', tree)
    assert target and target.group(1) == views.node_key(node)
    assert tree.count(" open>") == 1 + len(node.path)  # the clause and each heading above it
    assert f'class="doc-leaf kb-target" id="{views.node_key(node)}"' in reader and "第五章" in reader
    assert outline.parse_event('{"doc": "d", "node": "n", "t": 1}') == ("d", "n")
    assert outline.parse_event("nonsense") == (None, None)


def test_the_source_of_a_txt_citation_is_its_clause_in_the_text_with_estimated_pages(plan_kb):
    from kb.interfaces.web.source import source_panel

    node = next(n for n in plan_kb.nodes if n.title == "加强农业面源污染控制")
    html = source_panel(plan_kb, node.doc, node.id)
    assert "pdf-page" not in html and f'class="doc-leaf kb-target" id="{views.node_key(node)}"' in html
    assert views.ESTIMATED_PAGE in html and 'class="kb-outline"' in html
    assert "找不到" in source_panel(plan_kb, node.doc, "no-such-node")


def test_the_source_of_a_pdf_citation_is_its_page_with_the_lines_marked(pdf_kb):
    from kb.interfaces.web.source import source_panel

    node = next(n for n in pdf_kb.nodes if n.title == "加强农业面源污染控制")
    html = source_panel(pdf_kb, node.doc, node.id)
    assert f'<div class="pdf-page" data-page="{node.page}">' in html and 'src="data:image/jpeg;base64,' in html
    boxes = [tuple(map(float, m)) for m in re.findall(
        r'class="pdf-mark" style="left:([\d.]+)%;top:([\d.]+)%;width:([\d.]+)%;height:([\d.]+)%', html)]
    assert len(boxes) == len(node.original.strip().split("\n"))  # one box per printed line
    tops = [b[1] for b in boxes]
    assert tops == sorted(tops) and all(0 < t < 100 for t in tops) and views.ESTIMATED_PAGE not in html


# ------------------------------------------------------------------ register
# ------------------------------------------------------------------ register


def test_register_table_has_every_commitment_with_chinese_headers(plan_kb):
    frame, summary = register.register_view(plan_kb, ALL_DOCS, ALL_CHAPTERS, "")
    assert len(frame) == len(plan_kb.targets())
    assert list(frame.columns) == [HEADERS_ZH[k] for k in register.TABLE_KEYS]
    assert set(frame["来源"]) == {"指标表", "条款"}
    assert frame.columns[0] == "出处" and "编号" not in frame.columns  # citations, not internal ids
    assert not frame["出处"].str.startswith("巴中市").any()  # one plan: its name is not repeated in every cell
    row = frame[frame["出处"] == "第二章 › 专栏一 › 「城镇污水处理率(%)」 p.19"].iloc[0]
    assert row["指标/事项"] == "城镇污水处理率" and row["页码"] == 19
    pm = frame[frame["指标/事项"].str.contains("细颗粒物")].iloc[0]
    assert "PM₂.₅" in pm["指标/事项"] and "_{" not in " ".join(map(str, frame["指标/事项"]))
    assert summary.startswith(f"共 {len(frame)} 项承诺")


def test_register_sorts_by_the_column_picked(plan_kb):
    frame, _ = register.register_view(plan_kb, ALL_DOCS, ALL_CHAPTERS, "", "page", "desc")
    pages = [p for p in frame["页码"] if p is not pd.NA]
    assert pages == sorted(pages, reverse=True) and pages[0] > pages[-1]
    frame, _ = register.register_view(plan_kb, ALL_DOCS, ALL_CHAPTERS, "", "value", "asc")
    values = [register.number(v) for v in frame["目标值"] if register.number(v) is not None]
    assert values == sorted(values)
    assert [label for label, _ in register.SORTS][0] == "规划顺序"


def test_register_filters_by_chapter_and_text(plan_kb):
    frame, _ = register.register_view(plan_kb, ALL_DOCS, "6", "")
    assert len(frame) == len(plan_kb.targets(chapter=6)) > 0
    frame, _ = register.register_view(plan_kb, ALL_DOCS, ALL_CHAPTERS, "污水 2025")
    assert 0 < len(frame) < len(plan_kb.targets())
    assert all("污水" in " ".join(map(str, row)) for row in frame.itertuples())


def test_register_downloads_open_in_excel(plan_kb, downloads):
    from openpyxl import load_workbook

    xlsx = Path(register.register_export(plan_kb, downloads, ALL_DOCS, ALL_CHAPTERS, "", "xlsx"))
    sheet = load_workbook(xlsx).active
    assert sheet.max_row == len(plan_kb.targets()) + 1 and sheet["A1"].value == "出处" and sheet["B1"].value == "指标/事项"
    assert sheet.auto_filter.ref == f"A1:{sheet.cell(1, sheet.max_column).column_letter}{sheet.max_row}"
    assert sheet.freeze_panes == "A2"
    source = [c.value for c in sheet[1]].index("来源")
    assert {r[source].value for r in sheet.iter_rows(min_row=2)} == {"指标表", "条款"}
    path = Path(register.register_export(plan_kb, downloads, ALL_DOCS, "6", "", "csv"))
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")  # BOM: Excel reads it as UTF-8
    rows = list(csv.reader(path.read_text(encoding="utf-8-sig").splitlines()))
    assert len(rows) == len(plan_kb.targets(chapter=6)) + 1


def test_a_download_is_written_once_per_distinct_request(plan_kb, downloads):
    first = register.register_export(plan_kb, downloads, ALL_DOCS, "6", "污水", "csv")
    assert register.register_export(plan_kb, downloads, ALL_DOCS, "6", " 污水 ", "csv") == first
    assert register.register_export(plan_kb, downloads, ALL_DOCS, "7", "污水", "csv") != first
    assert not [p for p in Path(first).parent.iterdir() if p.name.startswith(".")]  # no half-written leftovers


@pytest.fixture(scope="module")
def three_plans(tmp_path_factory):
    """Three small plans in one index; two of them share node ids such as ch1.s1.c1."""
    from support.paths import DATA

    from kb.knowledge import KnowledgeBase

    folder = tmp_path_factory.mktemp("three-plans") / "index"
    files = [DATA / "small_plan.txt", DATA / "mini_plan.txt", DATA / "hanzi_opinion.txt"]
    KnowledgeBase.build(files, folder, encoder=HashEncoder(), progress=False)
    return KnowledgeBase.open(folder, encoder=HashEncoder())


def test_register_cites_the_node_of_each_row_in_its_own_plan(three_plans):
    rows, commitments, _ = register.register_entries(three_plans)
    assert [r["node_id"] for r in rows] == [c.node_id for c in commitments]
    shared = {c.node_id for c in commitments if c.doc == "small_plan"} & {
        c.node_id for c in commitments if c.doc == "mini_plan"}
    assert shared  # the same id in two plans: the id alone cannot find the node
    frame, _ = register.register_view(three_plans, ALL_DOCS, ALL_CHAPTERS, "")
    for cite, c in zip(frame["出处"], commitments, strict=True):
        node = three_plans.node(c.node_id, c.doc)
        assert cite.startswith(f"{c.doc} › ") and f"「{node.title}」" in cite


def test_a_plan_without_pages_still_gets_its_table_and_app(three_plans):
    frame, _ = register.register_view(three_plans, ALL_DOCS, ALL_CHAPTERS, "")
    assert frame["页码"].isna().any() and not frame["页码"].dropna().empty
    assert isinstance(app.create_app(three_plans), gr.Blocks)


def test_chart_shows_baseline_and_target_as_a_share_of_the_target(plan_kb):
    items = register.indicator_chart_items(plan_kb)
    sewage = next(it for it in items if it["metric"] == "城镇污水处理率")
    assert (sewage["baseline"], sewage["target"]) == (95.92, 96.0)
    assert (sewage["baseline_label"], sewage["target_label"]) == ("2020年基准值", "2025年目标")
    assert "地级及以上城市空气质量优良天数比率" not in {it["metric"] for it in items}  # 完成省考核目标: no number
    assert register.chart_title(items) == "2020年基准值与2025年目标（以目标为 100%）"
    html = views.indicator_chart(items)
    assert html.count('class="chart-row"') == len(items)
    assert "基准为目标的 100%" in html and "95.92%" in html  # 95.92 of 96: the share, then the value and unit
    zero = views.indicator_chart([{**sewage, "baseline": 0.0}])
    assert 'class="bar base" style="width:0.0%"' in zero and ">0%<" in zero  # a zero is drawn, not a gap
    assert "μg/m³" in views.indicator_chart([{**sewage, "unit": "μg/m ³"}])


# -------------------------------------------------------------------- locate


def test_locate_marks_the_phrase_in_its_clause(plan_kb):
    html = locate.locate_html(plan_kb, "从源头上杜绝秸秆焚烧现象")
    assert "找到 1 处" in html and "「加强农业面源污染控制」" in html and "p.33" in html
    assert "<mark>从源头上杜绝秸秆焚烧现象</mark>" in html and "原文一致" in html


def test_locate_says_not_found_and_asks_for_input(plan_kb):
    assert "未找到「火星基地建设规划」" in locate.locate_html(plan_kb, "火星基地建设规划")
    assert "请粘贴" in locate.locate_html(plan_kb, "  ")
    assert "太长" in locate.locate_html(plan_kb, "环境" * 1500)


# ---------------------------------------------------------------------- quiz


def test_quiz_preview_and_word_file(plan_kb, downloads):
    from docx import Document

    html, path = quiz.quiz_make(plan_kb, downloads, ALL_DOCS, "6", 5, ["choice", "fill", "judge"], 0, "docx")
    assert html.count('class="quiz-item"') == 5 and "答案：" in html
    text = "\n".join(p.text for p in Document(path).paragraphs)
    assert "《巴中市十四五生态环境保护规划》知识测验（第6章）" in text and "答案与解析" in text
    assert "姓名：" in text and "班级：" in text and "得分：" in text and "分）" in text


def test_quiz_xlsx_has_one_row_per_question(plan_kb, downloads):
    from openpyxl import load_workbook

    html, path = quiz.quiz_make(plan_kb, downloads, ALL_DOCS, ALL_CHAPTERS, 8, ["fill"], 3, "xlsx")
    sheet = load_workbook(path).active
    assert sheet.max_row == 9 and {c.value for c in sheet["B"][1:]} == {"填空题"}
    assert html.count('class="quiz-item"') == 8
    _, path = quiz.quiz_make(plan_kb, downloads, ALL_DOCS, ALL_CHAPTERS, 4, ["choice"], 3, "xlsx")
    sheet = load_workbook(path).active
    head = [c.value for c in sheet[1]]
    assert head[3:8] == ["选项A", "选项B", "选项C", "选项D", "答案"]
    assert all(r[7].value in "ABCD" and all(r[i].value for i in range(3, 7)) for r in sheet.iter_rows(min_row=2))


def test_the_quiz_download_follows_the_format_at_once(plan_kb, downloads):
    args = (ALL_DOCS, ALL_CHAPTERS, 5, ["choice", "judge"], 0)
    assert quiz.quiz_file(plan_kb, downloads, False, *args, "xlsx")["visible"] is False  # nothing made yet
    _, first = quiz.quiz_download(plan_kb, downloads, *args, "docx")
    switched = quiz.quiz_file(plan_kb, downloads, True, *args, "xlsx")
    assert first["value"].endswith("测验.docx") and switched["value"].endswith("测验.xlsx")
    assert "Excel" in switched["label"]


def test_quiz_without_types_asks_for_one(plan_kb, downloads):
    html, path = quiz.quiz_make(plan_kb, downloads, ALL_DOCS, ALL_CHAPTERS, 5, [], 0, "docx")
    assert path is None and "至少选择一种题型" in html
    preview, button = quiz.quiz_download(plan_kb, downloads, ALL_DOCS, ALL_CHAPTERS, 5, [], 0, "docx")
    assert button["visible"] is False


# ------------------------------------------------------------------- serving


def test_open_or_build_builds_a_missing_index_once(tmp_path):
    said: list[str] = []
    corpus = ROOT / "tests" / "data" / "small_plan.txt"
    kb = app.open_or_build(tmp_path / "index", corpus, encoder=HashEncoder(), echo=said.append)
    assert "building it from" in said[0] and kb.documents
    said.clear()
    app.open_or_build(tmp_path / "index", corpus, encoder=HashEncoder(), echo=said.append)
    assert said == []


@pytest.fixture()
def fake_serving(plan_kb, monkeypatch):
    """Serve without a model or a server: record what would be launched, and with which safeguards."""
    launched = {}
    opened = {}
    monkeypatch.setattr(app, "open_or_build", lambda index, corpus, model=None, echo=print, **kw:
                        opened.update(kw) or plan_kb)
    monkeypatch.setattr(app, "quiet_model_loading", lambda: None)
    monkeypatch.setattr(app, "create_app", lambda kb, *args, **kwargs: launched.update(app=kwargs) or "demo")
    monkeypatch.setattr(app, "launch", lambda demo, host, port, **kw: launched.update(
        demo=demo, host=host, port=port, kw=kw, temp=os.environ.get("GRADIO_TEMP_DIR")))
    monkeypatch.setattr(app, "wait_until_stopped", lambda demo: None)
    monkeypatch.setattr(app, "expire_sessions", lambda demo, hours: launched.update(session_hours=hours))
    monkeypatch.delenv("KB_USERS", raising=False)
    launched["opened"] = opened
    return launched


def test_app_py_serves_on_loopback_by_default(fake_serving, monkeypatch):
    """The repo's app.py is `kb serve`: same options, loopback unless told otherwise."""
    monkeypatch.setattr(sys, "argv", ["app.py", "--index", "nowhere"])
    with pytest.raises(SystemExit) as done:
        runpy.run_path(str(ROOT / "app.py"), run_name="__main__")
    assert done.value.code == 0
    assert {k: fake_serving[k] for k in ("demo", "host", "port")} == {"demo": "demo", "host": "127.0.0.1", "port": 7860}
    kw = fake_serving["kw"]
    assert kw["auth"] is None and kw["max_file_size"] == 50 * 1024 * 1024
    assert fake_serving["opened"] == {"verify": True}, "the app checks every index file's checksum at start"
    [private] = kw["allowed_paths"]
    assert fake_serving["temp"].startswith(private), "Gradio's uploads go to the server's own folder"
    assert not Path(private).exists(), "and the folder is gone once the server stops"
    assert os.environ.get("GRADIO_TEMP_DIR") != fake_serving["temp"]


def test_kb_serve_refuses_0_0_0_0_without_logins(fake_serving, run_kb):
    result = run_kb("serve", "--index", "nowhere", "--port", "7999", "--host", "0.0.0.0")
    assert result.exit_code == 1 and "demo" not in fake_serving
    assert result.output.startswith("kb: refusing to serve on 0.0.0.0 without logins")
    assert result.output.count("\n") == 1 and "--insecure-no-login" in result.output


@pytest.mark.parametrize("host", ["0.0.0.0", "192.168.1.20", "::", "kb.example.org"])
def test_only_loopback_goes_without_logins(host):
    from kb.errors import KBError
    from kb.interfaces.web.security import exposure, is_loopback

    assert all(is_loopback(h) for h in ("127.0.0.1", "127.1.2.3", "::1", "localhost", "[::1]"))
    assert not is_loopback(host)
    with pytest.raises(KBError, match=f"refusing to serve on {re.escape(host)} without logins"):
        exposure(host, logins=False, insecure_no_login=False)
    assert exposure(host, logins=True, insecure_no_login=False) is None
    assert "warning" in exposure(host, logins=False, insecure_no_login=True)


def test_kb_serve_takes_the_same_options(fake_serving, run_kb):
    result = run_kb("serve", "--index", "nowhere", "--port", "7999", "--host", "0.0.0.0", "--insecure-no-login")
    assert result.exit_code == 0, result.output
    assert {k: fake_serving[k] for k in ("demo", "host", "port")} == {"demo": "demo", "host": "0.0.0.0", "port": 7999}
    assert "serving on http://0.0.0.0:7999" in result.output
    assert "kb: warning: serving on 0.0.0.0 with no login" in result.output


def test_kb_serve_with_users_requires_logins(fake_serving, run_kb, tmp_path, monkeypatch):
    from kb.auth import UserStore
    from kb.interfaces.web.security import Logins

    monkeypatch.setenv("KB_HOME", str(tmp_path / "home"))
    users = tmp_path / "users.json"
    missing = run_kb("serve", "--index", "nowhere", "--host", "0.0.0.0", "--users", users)
    assert missing.exit_code == 1 and "no such users file" in missing.output
    UserStore(users).add("alice", "correct horse", "reader")
    result = run_kb("serve", "--index", "nowhere", "--host", "0.0.0.0", "--users", users, "--max-file-mb", "5",
                    "--session-hours", "2")
    assert result.exit_code == 0, result.output
    kw = fake_serving["kw"]
    assert isinstance(kw["auth"], Logins) and kw["auth"]("alice", "correct horse") and not kw["auth"]("alice", "x")
    assert kw["max_file_size"] == 5 * 1024 * 1024
    assert fake_serving["app"]["logins"] is kw["auth"] and fake_serving["session_hours"] == 2
    assert "logins required (1 user(s)" in result.output and str(tmp_path / "home" / "audit.jsonl") in result.output


def test_kb_serve_reports_a_missing_corpus_in_one_line(tmp_path, run_kb, monkeypatch):
    from kb.knowledge import KnowledgeBase

    build = KnowledgeBase.build.__func__
    monkeypatch.setattr(KnowledgeBase, "build", classmethod(
        lambda cls, *a, **kw: build(cls, *a, **{**kw, "encoder": HashEncoder()})))
    result = run_kb("serve", "--index", tmp_path / "index", "--corpus", tmp_path / "nothing")
    assert result.exit_code == 1
    assert result.output.startswith("kb: ") and "Traceback" not in result.output


def test_kb_serve_index_root_offers_every_index_under_it(fake_serving, run_kb, tmp_path, monkeypatch):
    from support.paths import DATA

    from kb.interfaces.web.shelf import Shelf
    from kb.knowledge import KnowledgeBase

    for name, plan in (("甲", "small_plan.txt"), ("乙", "mini_plan.txt")):
        KnowledgeBase.build([DATA / plan], tmp_path / "root" / name, encoder=HashEncoder(), progress=False)
    given = {}
    monkeypatch.setattr(app, "warm_up", lambda kb, question: None)
    monkeypatch.setattr(app, "create_app", lambda shelf, *a, **kw: given.update(shelf=shelf) or "demo")
    result = run_kb("serve", "--index-root", tmp_path / "root")
    assert result.exit_code == 0, result.output
    assert isinstance(given["shelf"], Shelf) and sorted(given["shelf"].names) == ["乙", "甲"]
    assert "2 knowledge base(s)" in result.output
    result = run_kb("serve", "--index-root", tmp_path / "nothing-here")
    assert result.exit_code == 1 and result.output.startswith("kb: ") and "Traceback" not in result.output


@pytest.mark.skipif(not (ROOT.parent / "shared" / "corpus-dev").is_dir(), reason="../shared/corpus-dev is not here")
def test_the_app_starts_and_answers_on_the_development_corpus(tmp_path):
    """Seven other documents (regulations, 意见 with owner notes, a PDF), none with a contents page."""
    from kb.interfaces.web.tabs.register import indicator_chart_items, register_entries

    folder = tmp_path / "index"
    KnowledgeBase.build(ROOT.parent / "shared" / "corpus-dev", folder, encoder=HashEncoder(), progress=False)
    kb = KnowledgeBase.open(folder, encoder=HashEncoder())
    assert len(kb.documents) >= 7
    demo = app.create_app(kb)
    assert demo is not None
    history, asked, _ = chat_turn(kb, "科学编制国土绿化规划由哪些单位负责？", [], [])
    card = history[-1]["content"]
    assert "市绿化市容局" in card and asked
    rows, commitments, headers = register_entries(kb)
    assert rows and len(rows) == len(commitments)
    assert indicator_chart_items(kb)


def test_downloads_older_than_their_time_are_removed(downloads):
    now = [0.0]
    timed = Downloads(max_age=60, clock=lambda: now[0])
    try:
        first = timed.file("a.csv", ("a",), lambda p: p.write_text("1"))
        now[0] = 61
        timed.file("b.csv", ("b",), lambda p: p.write_text("2"))
        assert not Path(first).exists() and len(timed) == 1, "one file per request, and not for long"
        again = timed.file("a.csv", ("a",), lambda p: p.write_text("3"))
        assert Path(again).read_text() == "3"
    finally:
        timed.close()


def test_the_app_refuses_to_start_on_a_damaged_index(tmp_path, run_kb):
    import numpy as np

    from kb.index import generations

    corpus = ROOT / "tests" / "data" / "small_plan.txt"
    index = tmp_path / "index"
    app.open_or_build(index, corpus, encoder=HashEncoder(), echo=lambda m: None)
    vectors = generations.current(index) / "vectors.npy"
    real = np.load(vectors)
    np.save(vectors, np.roll(real, 1, axis=0))  # same shape, same size, other vectors
    app.open_or_build(index, corpus, encoder=HashEncoder(), echo=lambda m: None)  # a plain open checks sizes only
    result = run_kb("serve", "--index", index, "--corpus", corpus)
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert result.output.startswith(f"kb: {index}/vectors.npy: damaged: its bytes changed after the build")
