"""Question intents that change what search returns."""

from __future__ import annotations

import pytest

from kb.text.questions import locate_level


@pytest.mark.parametrize(("question", "level"), [
    ("“深入推进新城建设”是纲要的第几章？", "chapter"),
    ("船舶水污染防治规定在条例的哪一节？", "section"),
    ("崇明东滩的工程写在哪个专栏里？", "box"),
    ("哪个附表列出了重点任务？", "annex"),
    ("“加强诚信教育”在通知的哪一部分？", "top"),
    ("创新发展写在第几篇？", "part"),
    ("森林覆盖率要达到多少？", None),
    ("哪个部门负责河长制？", None),
])
def test_locate_level(question, level):
    assert locate_level(question) == level


def test_quoted_spans_of_every_quote_form():
    from kb.text.questions import quoted

    assert quoted("“深入推进新城建设”是纲要的第几章？") == ["深入推进新城建设"]
    assert quoted("「河长制」和《水污染防治法》有什么关系") == ["河长制", "水污染防治法"]
    assert quoted('"十五五"期间', least=4) == []
    assert quoted("没有引号的问题") == []


@pytest.mark.parametrize("question, kind", [
    ("这份通知由哪两个办公厅联合发布？", "通知"),
    ("本规划的期限是哪几年？", "规划"),
    ("该条例自何时起施行？", "条例"),
    ("这个方案由谁牵头？", "方案"),
    ("本市有多少公园？", None),  # 本市 is the city, not the document
    ("这份合同怎么签？", None),
])
def test_a_question_pointing_at_a_document(question, kind):
    from kb.text.questions import document_referred

    assert document_referred(question) == kind


@pytest.mark.parametrize("question, money", [
    ("健身房年卡多少钱？", True), ("拆了界碑要罚多少钱？", True), ("停车场的收费标准是什么？", True),
    ("森林覆盖率要达到多少？", False), ("养老金今年涨了多少？", False),
])
def test_a_question_asking_for_money(question, money):
    from kb.text.questions import asks_money

    assert asks_money(question) is money
