"""Character repairs and the matching form of plan text (kb.text.normalize)."""

from __future__ import annotations

import pytest

from kb.ingest import clean
from kb.text.normalize import normalize, normalize_chars, squash, tidy


def test_kangxi_and_supplement_radicals_become_ideographs():
    assert normalize_chars("⼀⽣⾯⺠⻓⻔") == "一生面民长门"
    assert normalize_chars("⽣态环境⾼⽔平保护") == "生态环境高水平保护"
    assert normalize_chars("\uf900") == "豈", "CJK compatibility ideographs are unified too"


def test_plan_typography_is_left_alone():
    text = "目标：到2025年，PM2.5浓度（年均）≤30μg/m³；Ⅲ类水体比例≥90%！ＡＢ１２"
    assert normalize_chars(text) == text


def test_invisible_characters_and_wide_spaces():
    assert normalize_chars("生\u200b态\ufeff环\u00ad境") == "生态环境"
    assert normalize_chars("前\u3000言") == "前 言"
    assert normalize_chars("a\u00a0b") == "a b"


def test_tidy():
    assert tidy("生态 环境  保护") == "生态环境保护"
    assert tidy("“十四五” 时期") == "“十四五”时期"
    assert tidy("  PM2.5  and  O3 ") == "PM2.5 and O3"
    assert tidy("到 2025 年") == "到 2025 年", "a space next to a number is the plan's own"


def test_squash():
    assert squash(" 第一章\t环境 基础\n与形势 ") == "第一章环境基础与形势"


def test_normalize_drops_layout_spaces_but_keeps_latin_word_gaps():
    assert normalize("到 2026 年，污水处理率达 97 %\n以上") == "到2026年，污水处理率达97%以上"
    assert normalize("SNCR 脱硝改 SCR 工艺，LNG 60 万吨") == "SNCR脱硝改SCR工艺，LNG 60万吨"
    assert normalize("２０２５年达到９０％") == "2025年达到90%"


@pytest.mark.parametrize("text", ["第一章　总则", "ＰＭ２．５＜３５", "a  b\tc"])
def test_normalize_is_idempotent(text):
    assert normalize(normalize(text)) == normalize(text)


def test_clean_uses_the_same_repairs():
    """Ingest repairs characters with the text rules, not a copy of them."""
    assert clean.normalize_chars is normalize_chars and clean.tidy is tidy and clean.squash is squash
