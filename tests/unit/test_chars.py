"""Character classes (kb.text.chars) and the rule that each text rule is defined once."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import kb
from kb.text.chars import CJK, HAN, HAN_EXT, LP, RP

KB = Path(kb.__file__).parent
#: The layers whose text rules must come from kb/text (interfaces are another engineer's).
RULE_LAYERS = ("text", "ingest", "query", "tools")


def test_han_is_the_unified_ideographs():
    han = re.compile(f"^[{HAN}]+$")
    assert han.match("一生态环境龥")
    assert not han.match("㐀") and not han.match("Ａ") and not han.match("，")
    assert re.match(f"^[{HAN_EXT}]+$", "㐀一龥")


def test_cjk_covers_ideographs_and_the_plans_punctuation():
    cjk = re.compile(f"^[{CJK}]+$")
    assert cjk.match("《规划》“十四五”，。；：！？（）、　豈ＡＢ")
    assert not cjk.match("a") and not cjk.match("1") and not cjk.match(" ")


def test_brackets_take_both_widths():
    assert re.fullmatch(f"{LP}区{RP}", "（区）") and re.fullmatch(f"{LP}区{RP}", "(区)")


def _sources() -> list[Path]:
    return sorted(p for layer in RULE_LAYERS for p in (KB / layer).rglob("*.py"))


@pytest.mark.parametrize(("spelled", "home"), [
    (r"\u4e00-\u9fff", "text/chars.py"),
    (r"\u3400-\u9fff", "text/chars.py"),
    ("(?:19|20)", "text/dates.py"),
])
def test_each_rule_is_spelled_out_once(spelled, home):
    """The CJK range and the year pattern live in one module; the others import them."""
    where = [p.relative_to(KB).as_posix() for p in _sources() if spelled in p.read_text(encoding="utf-8")]
    assert where == [home]
