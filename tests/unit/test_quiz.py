"""The quiz builder on the real Bazhong plan, checked by an automatic checker of every rule.

The checker knows nothing of how items are built: it only reads each item's
question, options, answer, explanation and source text, and the plan itself.
"""

from __future__ import annotations

import re

import pytest
from support.paths import ROOT

from kb.document import Node
from kb.ingest.parse import parse_file
from kb.tools.quiz import BLANK, CHOICE_BLANK, JUDGE_OPTIONS, QuizItem, list_items, make_quiz

PLAN = ROOT / "corpus" / "巴中市十四五生态环境保护规划.txt"
DOC = "巴中市十四五生态环境保护规划"
COUNTY = re.compile(r"^[\u4e00-\u9fff]{2}[县区]$")
YEAR = re.compile(r"^(?:19|20)\d{2}年")
NUMBER = re.compile(r"\d+(?:\.\d+)?")
FALSE_RE = re.compile(r"规划原文是“(?P<true>[^”]+)”，不是“(?P<wrong>[^”]+)”")


@pytest.fixture(scope="module")
def nodes() -> list[Node]:
    return list(parse_file(PLAN).nodes)


@pytest.fixture(scope="module")
def quiz50(nodes) -> list[QuizItem]:
    return make_quiz(nodes, n=50, seed=0)


def ws(text: str) -> str:
    return re.sub(r"\s+", "", text)


def same_kind(a: str, b: str) -> bool:
    """Two values of the same family: numbers with one unit, years, counties, or list items alike in form."""
    if NUMBER.search(a) or NUMBER.search(b):
        if YEAR.match(a) or YEAR.match(b):
            return bool(YEAR.match(a) and YEAR.match(b))
        unit = lambda s: NUMBER.sub("", s).lstrip("<>≥≤")  # noqa: E731
        return bool(NUMBER.search(a) and NUMBER.search(b)) and unit(a) == unit(b)
    if COUNTY.match(a) or COUNTY.match(b):
        return bool(COUNTY.match(a) and COUNTY.match(b))
    return len(a) == len(b) and a[-1] == b[-1]


def meaningful(text: str) -> int:
    return len(re.findall(r"[\u4e00-\u9fffA-Za-z0-9]", text))


def check_item(item: QuizItem, plan_text: str, node: Node) -> list[str]:
    """Every rule one item must satisfy; returns the broken ones (empty = fine)."""
    errors: list[str] = []
    src = ws(item.source_text)
    q = ws(item.question)

    def fail(msg: str) -> None:
        errors.append(f"{item.id} ({item.type}): {msg} | {item.question}")

    if ws(item.answer) not in src and item.type != "judge":
        fail("answer not in source_text")
    if item.source_text not in item.explanation or item.citation not in item.explanation:
        fail("explanation does not quote the source sentence and citation")
    if item.citation != node.citation or item.source_id != node.id:
        fail("citation/source_id do not name the source node")
    if any("十三五" in t for t in node.path):
        fail("retrospective section")
    if item.type == "fill":
        if item.question.count(BLANK) != 1 or item.options:
            fail("a fill item has exactly one blank and no options")
        if ws(item.question.replace(BLANK, item.answer)) not in src:
            fail("filled question is not in the source")
        if meaningful(item.question) < 10:
            fail("not self-contained")
    elif item.type == "judge":
        if tuple(item.options) != JUDGE_OPTIONS or item.answer not in JUDGE_OPTIONS:
            fail("judge options/answer")
        if item.answer == "正确" and q not in src:
            fail("true statement not in source")
        if item.answer == "错误":
            m = FALSE_RE.search(item.explanation)
            if not m:
                fail("false statement does not say what was changed")
            else:
                true, wrong = m["true"], m["wrong"]
                if q in src or ws(q) in ws(plan_text):
                    fail("false statement is in the plan")
                if wrong not in item.question or ws(item.question.replace(wrong, true, 1)) not in src:
                    fail("false statement differs from the source in more than the tested fact")
                if not same_kind(true, wrong) or true == wrong:
                    fail(f"wrong value {wrong} is not of the kind of {true}")
    elif item.type == "choice":
        opts = list(item.options)
        if len(opts) != 4 or len(set(opts)) != 4 or opts.count(item.answer) != 1:
            fail(f"options {opts} must be 4 distinct with the answer once")
        if CHOICE_BLANK not in item.question:
            fail("no blank in the choice question")
        for o in opts:
            if o != item.answer and not same_kind(item.answer, o):
                fail(f"distractor {o} is not of the kind of {item.answer}")
        prefix = f"根据《{node.doc}》，"
        if item.question.startswith(prefix):  # a quoted excerpt, not a table stem
            body = item.question[len(prefix):].rstrip("。")
            if ws(body.replace(CHOICE_BLANK, item.answer)) not in src:
                fail("choice question with the answer is not the source")
            for o in opts:
                if o != item.answer and ws(body.replace(CHOICE_BLANK, o)) in ws(plan_text):
                    fail(f"distractor {o} makes a sentence of the plan (also correct)")
    else:
        fail("unknown type")
    return errors


def check_quiz(items: list[QuizItem], nodes: list[Node]) -> list[str]:
    by_id = {n.id: n for n in nodes}
    plan_text = "\n".join(n.text for n in nodes if n.text)
    errors = [e for it in items for e in check_item(it, plan_text, by_id[it.source_id])]
    if len({it.id for it in items}) != len(items):
        errors.append("duplicate ids")
    if len({ws(it.question) for it in items}) != len(items):
        errors.append("duplicate questions")
    return errors


# ---------------------------------------------------------------- the checker


def test_fifty_items_pass_every_rule(quiz50, nodes):
    assert len(quiz50) == 50
    assert check_quiz(quiz50, nodes) == []


@pytest.mark.parametrize("seed", [1, 2, 7])
def test_other_seeds_pass_every_rule(nodes, seed):
    items = make_quiz(nodes, n=50, seed=seed)
    assert len(items) == 50
    assert check_quiz(items, nodes) == []


def test_types_are_balanced_and_grouped(quiz50):
    types = [it.type for it in quiz50]
    assert (types.count("choice"), types.count("fill"), types.count("judge")) == (17, 17, 16)
    assert types == sorted(types, key=("choice", "fill", "judge").index)
    assert [it.id for it in quiz50] == [f"q{i}" for i in range(1, 51)]
    judged = [it.answer for it in quiz50 if it.type == "judge"]
    assert judged.count("正确") >= 5 and judged.count("错误") >= 5


def test_facts_come_from_every_source(quiz50, nodes):
    by_id = {n.id: n for n in nodes}
    kinds = {by_id[it.source_id].kind for it in quiz50}
    assert {"row", "clause", "item"} <= kinds
    answers = {it.answer for it in quiz50 if it.type != "judge"}
    assert any(a.endswith("%") for a in answers)
    assert any(COUNTY.match(a) for a in answers) or any("县" in it.question for it in quiz50)


def test_same_seed_same_quiz_other_seed_other_quiz(nodes, quiz50):
    assert make_quiz(nodes, n=50, seed=0) == quiz50
    other = make_quiz(nodes, n=50, seed=1)
    assert [it.question for it in other] != [it.question for it in quiz50]


def test_chapter_filter(nodes):
    items = make_quiz(nodes, n=15, chapter=6, seed=3)
    assert items and all(it.citation.split(" › ")[1].startswith("第六章") for it in items)
    by_id = {n.id: n for n in nodes}
    assert {by_id[it.source_id].chapter for it in items} == {6}
    assert check_quiz(items, nodes) == []


def test_type_filter_and_unknown_type(nodes):
    fills = make_quiz(nodes, n=10, types=("fill",), seed=5)
    assert len(fills) == 10 and {it.type for it in fills} == {"fill"}
    with pytest.raises(ValueError):
        make_quiz(nodes, n=5, types=("essay",))


def test_asking_for_more_than_the_chapter_has(nodes):
    items = make_quiz(nodes, n=200, chapter=11, seed=0)
    assert 0 < len(items) < 200
    assert check_quiz(items, nodes) == []


# ---------------------------------------------------------- known questions


def test_value_question_is_self_contained(nodes):
    items = make_quiz(nodes, n=200, types=("fill",), seed=0)
    straw = [it for it in items if it.answer == "92%"]
    assert straw, "the straw-utilisation target should be asked"
    assert any("到2025年" in it.question and "秸秆综合利用率" in it.question for it in straw)
    sewage = next(it for it in items if it.answer == "96%" and "污水" in it.question)
    assert sewage.question == "到2025年，城镇污水收集处理率达＿＿＿以上。"


def test_indicator_rows_make_choice_questions(nodes):
    items = make_quiz(nodes, n=200, types=("choice",), seed=0)
    rows = [it for it in items if it.source_id.startswith("box1.r")]
    assert len(rows) >= 10
    sewage = [it for it in rows if "城镇污水处理率" in it.question]
    for it in sewage:
        assert it.answer in ("≥96", "95.92")
        assert "2025年目标" in it.question or "2020年基准值" in it.question


def test_list_items_are_bounded():
    s = "大力推动秸秆肥料化、饲料化、燃料化、基料化、原料化“五化”综合利用。"
    [(start, end, spans)] = list_items(s)
    assert [s[a:b] for a, b in spans] == ["饲料化", "燃料化", "基料化", "原料化"]
    s2 = "大力发展节能环保、数字信息、新能源、生物医药、新材料、生态旅游等新兴产业。"
    assert [s2[a:b] for a, b in list_items(s2)[0][2]][-1] == "生态旅游"
    assert list_items("推进城市公园、森林公园和城镇绿廊建设") == []  # two items only


def test_to_dict_keys(quiz50):
    d = quiz50[0].to_dict()
    assert list(d) == ["id", "type", "question", "options", "answer", "explanation", "citation", "source_id",
                       "source_text"]
    assert isinstance(d["options"], list)
