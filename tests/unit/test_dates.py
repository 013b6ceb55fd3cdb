"""Years, deadlines, baselines and retrospective sentences (kb.text.dates)."""

from __future__ import annotations

import pytest

from kb.text.dates import (
    YEAR_PHRASE_RE,
    date_phrases,
    find_baseline_dates,
    find_deadlines,
    is_retrospective,
    retrospective_heading,
    year_of,
)

# ---------------------------------------------------------------------------
# years
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "year"), [
    ("2025年目标", "2025"),
    ("基准值（2020年）", "2020"),
    ("1998年以来", "1998"),
    ("2025目标", None),
    ("3025年", None),
    ("第12年", None),
])
def test_year_of_reads_a_year_written_with_nian(text, year):
    assert year_of(text) == year


def test_year_phrase_keeps_month_and_end_of_period():
    found = [m.group(0) for m in YEAR_PHRASE_RE.finditer("到2023年底，2024年6月末前，2025年完成")]
    assert found == ["2023年底", "2024年6月末", "2025年"]


# ---------------------------------------------------------------------------
# deadlines
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("力争到 2027 年底基本完成改造", ["到2027年底"]),
        ("2024年6月底前完成排查；2026 年前全面建成", ["2024年6月底前", "2026年前"]),
        ("“十四五”期间新增造林，“十四五”末森林覆盖率稳定", ["“十四五”期间", "“十四五”末"]),
        ("规划期内当年综合利用率保持稳定", ["规划期内"]),
        ("到2025年建成，到2025年验收", ["到2025年"]),
        ("“十三五”期间完成造林，2019年全市达标，规划期自2021年至2025年", []),
    ],
)
def test_find_deadlines(text, expected):
    assert find_deadlines(text) == expected


def test_baseline_dates_are_not_deadlines():
    text = "截至 2020 年底，全市已建成站点 30 个。"
    assert find_deadlines(text) == []
    assert find_baseline_dates(text) == ["截至2020年底"]


def test_date_phrases_say_where_and_which_way():
    s = "截至2020年底建成3座，“十三五”期间新增，到2025年达到5座"
    phrases = date_phrases(s)
    assert [(d.text, d.kind) for d in phrases] == [
        ("截至2020年底", "baseline"), ("“十三五”期间", "past"), ("到2025年", "forward")
    ]
    assert all(s[d.start: d.end] == d.text for d in phrases)
    assert phrases[-1].to_dict() == {"start": s.index("到2025年"), "end": len(s) - 4, "text": "到2025年",
                                     "kind": "forward"}


# ---------------------------------------------------------------------------
# retrospective sentences and headings
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "sentence",
    [
        "截至 2020 年底，全市建成污水处理厂 9 座。",
        "“十三五”期间，森林覆盖率达到 62%。",
        "2020年，全市优良天数比率达到 95.1%。",
        "全市已累计建成充电桩 500 个。",
        "先后建成监测站 4 个。",
    ],
)
def test_retrospective(sentence):
    assert is_retrospective(sentence)


@pytest.mark.parametrize(
    "sentence",
    [
        "2023年底前完成 30 个入河排污口整治。",
        "较 2020 年下降 8%。",
        "对已有的集中式处理设施进行提标改造。",
        "在“十三五”基础上，到2025年森林覆盖率达到65%。",
        "执行《2019年城乡建设导则》。",
    ],
)
def test_not_retrospective(sentence):
    assert not is_retrospective(sentence)


def test_retrospective_headings_name_an_earlier_period_or_a_review():
    assert retrospective_heading("第一章 发展基础", "第一节 “十三五”成效显著")
    assert retrospective_heading("回顾与展望")
    assert not retrospective_heading("第二章 “十四五”目标", "")
    assert not retrospective_heading()
