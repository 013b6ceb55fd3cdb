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
