"""The app's renderers alone: data in, escaped HTML out (no Gradio, no index)."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import dataclass

from support.paths import ROOT

from kb.document import Node
from kb.interfaces.web import views

EVIL = '<script>alert("x")</script>'


def clause(text: str = "推进污水管网建设。", **kw) -> Node:
    base = dict(id="ch2.s1.c1", kind="clause", title="推进污水管网建设", parent="ch2.s1", doc="某县规划",
                page=12, page_end=13, text=text, path=("第二章 改善水环境", "第一节 治理城镇污水"), chapter=2)
    return Node(**{**base, **kw})


@dataclass(frozen=True)
class Target:
    metric: str
    comparator: str
    value: str
    unit: str
    deadline: str | None = None
    baseline: str | None = None


@dataclass(frozen=True)
class Hit:
    rank: int
    node: Node
    matched: tuple[str, ...] = ()
    also: tuple[Node, ...] = ()


@dataclass(frozen=True)
class Answer:
    answer: str
    owners: tuple[str, ...] = ()
    targets: tuple[Target, ...] = ()
    deadlines: tuple[str, ...] = ()
    citations: tuple[Hit, ...] = ()
    found: bool = True
    note: str = ""
    general_rule: Node | None = None
    indicator: Node | None = None


@dataclass(frozen=True)
class Match:
    node: Node
    score: float
    exact: bool
    context: str


@dataclass(frozen=True)
class Item:
    type: str
    question: str
    options: tuple[str, ...]
    answer: str
    explanation: str
    citation: str


def brackets(text: str, terms) -> str:
    """A stand-in for KnowledgeBase.mark: each term in 【】."""
    for t in terms:
        text = text.replace(t, f"【{t}】")
    return text


# ------------------------------------------------------------------- marks


def test_marked_escapes_every_piece_and_marks_only_the_marked_ones():
    assert views.marked("<b>【污水】【处理】</b>\n下") == "&lt;b&gt;<mark>污水处理</mark>&lt;/b&gt;<br>下"
    assert views.marked(f"前【{EVIL}】后") == "前<mark>&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;</mark>后"
    assert views.marked("没有标记 & 符号") == "没有标记 &amp; 符号"
    assert views.marked("【甲】和【乙】") == "<mark>甲</mark>和<mark>乙</mark>"  # apart: two marks


def test_clause_text_is_marked_with_the_hits_terms_and_escaped():
    node = clause(f"加快污水管网建设，{EVIL}")
    html = views.citations_html([Hit(1, node, ("污水",))], "引用条款", mark=brackets)
    assert "<mark>污水</mark>管网" in html and "<script>" not in html and "&lt;script&gt;" in html
    assert "<mark>" not in views.citations_html([Hit(1, node, ("污水",))], "引用条款")  # no marker, no marks


def test_a_passage_held_by_two_documents_names_the_other_under_its_hit():
    node = clause("加快污水管网建设")
    html = views.citations_html([Hit(1, node, (), (node,))], "引用条款")
    assert html.count("另见：") == 1 and views.escape(views.display(node.citation)) in html.split("另见：")[1]
    assert "另见" not in views.citations_html([Hit(1, node)], "引用条款")


# ----------------------------------------------------------------- targets


def test_targets_read_as_every_interface_shows_them():
    assert views.target_line(Target("城镇污水收集处理率", "≥", "96", "%", "到2025年")) == "城镇污水收集处理率 ≥96%（到2025年）"
    assert views.target_line(Target("PM2.5浓度", "=", "27", "微克/立方米", None, "30")) == "PM2.5浓度 27微克/立方米（基准 30）"
    assert views.target_line(Target("空气质量", "", "完成省定目标", "%")) == "空气质量 完成省定目标"


def test_answer_card_escapes_owners_targets_and_the_answer():
    node = clause()
    a = Answer(f"【污水】{EVIL}", owners=("<b>住建局</b>",), targets=(Target("<i>率</i>", "≥", "96", "%"),),
               deadlines=("到2025年",), citations=(Hit(1, node, ("污水",)),))
    html = views.answer_html(a, mark=brackets)
    assert "<script>" not in html and "<b>住建局</b>" not in html and "<i>" not in html
    assert '<span class="chip">&lt;b&gt;住建局&lt;/b&gt;</span>' in html and "&lt;i&gt;率&lt;/i&gt; ≥96%" in html
    assert '<div class="answer-text"><mark>污水</mark>&lt;script&gt;' in html
    assert "依据：" not in html  # citation [1] is not repeated in the card …
    assert '<span class="cite-path">第二章 改善水环境 › 第一节 治理城镇污水 › 「推进污水管网建设」' in html  # … only below
    assert 'class="page">p.12–13' in html and "\n" not in html
    assert 'data-kb-node="ch2.s1.c1"' in html and ">看原文 p.12–13<" in html  # one click to the source
    copied = html.split('data-copy="')[1].split('"')[0]
    assert "&#10;出处：《某县规划》第二章 改善水环境 › 第一节 治理城镇污水 › 「推进污水管网建设」 p.12–13" in copied


def test_answer_without_owner_says_so_and_one_not_found_is_no_answer():
    node = clause()
    html = views.answer_html(Answer("推进。", citations=(Hit(1, node),)))
    assert f'<span class="none">{views.NO_OWNER}</span>' in html
    missing = views.answer_html(Answer("", citations=(Hit(1, node),), found=False, note="规划中没有找到。"))
    assert "answer-card not-found" in missing and "最接近的条款" in missing and "责任主体" not in missing


def test_indicator_row_drops_the_columns_that_mean_nothing_alone():
    row = clause(kind="row", columns=(("序号", "3"), ("类别", "水"), ("指标名称", "<率>"), ("2025年目标", "≥96")))
    html = views.indicator_table(row)
    assert "序号" not in html and "类别" not in html
    assert "<th>指标名称</th><th>2025年目标</th>" in html and "<td>&lt;率&gt;</td><td>≥96</td>" in html


# --------------------------------------------------------------- citations


def test_citations_drop_the_plan_name_and_the_page_for_one_plan_only():
    node = clause()
    assert views.cite_path(node) == "第二章 改善水环境 › 第一节 治理城镇污水 › 「推进污水管网建设」"
    assert views.cite_path(node, show_doc=True).startswith("某县规划 › 第二章")
    assert views.short_cite(node) == "第二章 › 第一节 › 「推进污水管网建设」 p.12–13"
    boxed = clause(path=("第三章 守护蓝天", "专栏二 大气工程"), page=None, page_end=None)
    assert views.short_cite(boxed, show_doc=True) == "某县规划 › 第三章 › 专栏二 › 「推进污水管网建设」"
    plain = clause(path=("总体要求",))
    assert views.short_cite(plain).startswith("总体要求 › ")  # no number: the heading stays


def test_clause_details_escapes_the_citation_in_its_attribute():
    node = clause(title='"><img src=x>', path=())
    html = views.clause_details(node, is_open=True)
    assert "<img" not in html and 'title="某县规划 › 「&quot;&gt;&lt;img src=x&gt;」 p.12–13"' in html
    assert html.startswith('<details class="citation" open>')


# ---------------------------------------------------------- outline, locate


def test_outline_context_opens_the_chosen_clause_among_its_siblings():
    first, second = clause(), clause(id="ch2.s1.c2", title="<整治>", text="整治黑臭水体。")
    html = views.outline_context(second, [first, second])
    assert html.count("<details") == 2 and '<details class="clause current" open><summary>2. &lt;整治&gt;' in html
    assert "当前条款：某县规划 › 第二章 改善水环境 › 第一节 治理城镇污水 › 「&lt;整治&gt;」" in html
    assert "请选择" in views.outline_context(None)


def test_locate_marks_the_match_and_says_how_close_it_is():
    node = clause()
    html = views.locate_html([Match(node, 100.0, True, "加快【污水管网】建设"), Match(node, 93.5, False, "x")])
    assert "找到 2 处" in html and "<mark>污水管网</mark>" in html
    assert "原文一致" in html and "相近（相似度 93.5）" in html
    assert "&lt;b&gt;" in views.locate_not_found("<b>火星</b>")


# -------------------------------------------------------------------- quiz


def test_quiz_preview_escapes_questions_options_and_answers():
    items = [Item("choice", "<q>？", ("<a>", "B"), "<a>", "因为<e>。", "某县规划 p.3"),
             Item("judge", "对吗？", ("正确", "错误"), "正确", "某县规划 p.3 说", "某县规划 p.3")]
    html = views.quiz_html(items, {"choice": "单项选择题"})
    assert "<q>" not in html and "<a>" not in html and "<e>" not in html
    assert "1. （单项选择题）&lt;q&gt;？" in html and "<li>&lt;a&gt;</li>" in html
    assert "2. （judge）" in html and html.count("<ol") == 1  # options listed for choice items only
    assert html.count("出处：") == 1  # the judge item's explanation already cites its source
    assert "少于所要的 10 题" in views.quiz_summary(8, 10) and "少于" not in views.quiz_summary(10, 10)


def test_header_names_one_plan_or_counts_several():
    assert "《<某县>规划》知识库" not in views.header_html(["<某县>规划"], 3, 40, 12)
    assert "《&lt;某县&gt;规划》知识库" in views.header_html(["<某县>规划"], 3, 40, 12)
    assert "2 份规划知识库" in views.header_html(["甲", "乙"], 3, 40, 12)


def test_views_import_neither_gradio_nor_the_library_behind_knowledge():
    code = ("import sys; import kb.interfaces.web.views; "
            "bad = [m for m in sys.modules if m == 'gradio' or m.startswith(('kb.query', 'kb.tools', 'kb.index'))]; "
            "assert not bad, bad")
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr


def test_notation_reads_properly_wherever_plan_text_is_shown():
    node = clause("细颗粒物(PM _{2.5})浓度(μg/m ³)下降，O ₃ 协同。")
    html = views.clause_details(node)
    assert "PM₂.₅" in html and "μg/m³" in html and "O₃" in html and "_{" not in html
    assert views.marked("【PM_{2.5}】") == "<mark>PM₂.₅</mark>"


def test_a_quote_that_differs_marks_the_characters_and_names_the_number():
    @dataclass(frozen=True)
    class Near:
        node: Node
        score: float
        exact: bool
        context: str
        segments: tuple = (("equal", "利用率不低于9", "利用率不低于9"), ("replace", "5", "2"), ("equal", "%", "%"))
        numbers: tuple = (("95%", "92%"),)

    html = views.locate_html([Near(clause(), 95.7, False, "【利用率不低于 92%】")])
    assert "相近（相似度 95.7）：1 处不同" in html and 'class="locate-hit has-number"' in html
    assert "数字不同：引文为 95%，原文为 92%" in html
    assert '<span class="diff-del">5</span>' in html and '<span class="diff-ins">2</span>' in html


def test_the_outline_tree_opens_down_to_its_target_and_marks_it():
    chapter = clause(id="ch2", kind="chapter", title="第二章 改善水环境", parent=None, text="", path=())
    section = clause(id="ch2.s1", kind="section", title="第一节 <治理>", parent="ch2", text="", path=("第二章 改善水环境",))
    first, second = clause(), clause(id="ch2.s1.c2", title="整治黑臭水体", text="整治黑臭水体。")
    html = views.outline_tree([chapter, section, first, second], target="ch2.s1.c2")
    assert html.count("<details") == 4 and html.count(" open>") == 3  # chapter, section, the clause
    assert 'class="tree-leaf kb-target"' in html and "第一节 &lt;治理&gt;" in html
    assert views.outline_tree([chapter, section, first, second]).count(" open>") == 0
    reader = views.document_view([chapter, section, first, second], chapter, "ch2.s1.c1", estimated=True)
    assert reader.index("<h3") < reader.index("<h4") < reader.index("kb-target") and views.ESTIMATED_PAGE in reader


def test_a_pdf_page_places_its_marks_in_fractions_of_the_page():
    html = views.page_view(clause(), 12, "data:image/jpeg;base64,AAAA", [(0.1, 0.25, 0.5, 0.02)], 40)
    assert "第 12 页（共 40 页）" in html and 'style="left:10.00%;top:25.00%;width:50.00%;height:2.00%"' in html
    assert "没有找到" in views.page_view(clause(), 12, "data:,", [], 40)
