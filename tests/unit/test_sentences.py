"""The one sentence splitter (kb.text.sentences), in its matching and as-written readings."""

from __future__ import annotations

import re

import pytest

from kb.text.sentences import sentences


def test_sentences_split_on_full_stop_and_semicolon_keeping_quotes():
    text = "加强巡河管理。提出“力争全面达标。”随后推进；完善台账！\n\n"
    assert sentences(text) == ["加强巡河管理。", "提出“力争全面达标。”", "随后推进；", "完善台账！"]


def test_sentences_keep_unterminated_tail_and_drop_pure_punctuation():
    assert sentences("推进治理；；  。新建站点 3 个") == ["推进治理；；。", "新建站点3个"]


def test_sentences_split_on_ascii_terminators_too():
    assert sentences("监测 PM2.5; 发布预警! 完成") == ["监测PM2.5;", "发布预警!", "完成"]


def test_as_written_keeps_the_text_byte_for_byte():
    text = "第一句。”引文；  第二 行\n第三行！？ 末尾 "
    assert sentences(text, as_written=True) == ["第一句。", "”引文；", "第二 行", "第三行！", "？", "末尾"]


#: The splitter the index used inline before there was one (kb/index/store.py windows()).
_INDEX_SPLIT = re.compile(r"(?<=[。；！？\n])")


@pytest.mark.parametrize("text", [
    "推进治理；；  。新建站点 3 个",
    "加强巡河管理。提出“力争全面达标。”随后推进；完善台账！\n\n",
    "（一）标题\n  正文第一句。正文第二句；\n\n表：a\tb",
    "",
    "   ",
    "no terminator at all",
])
def test_as_written_matches_the_index_splitter(text):
    old = [s.strip() for s in _INDEX_SPLIT.split(text) if s.strip()]
    assert sentences(text, as_written=True) == old
