import pytest

from kb.text.notation import display, fold, search_form, subscript, superscript
from kb.text.tokenize import JiebaTokenizer


@pytest.mark.parametrize("spelling", ["PM_{2.5}", "PM _{2.5}", "PM2.5", "PM₂.₅", "ＰＭ２．５", "pm 2.5", "细颗粒物"])
def test_every_spelling_of_pm25_is_one_term(spelling):
    assert search_form(spelling) == "pm2.5"


@pytest.mark.parametrize(("spelling", "term"), [
    ("O₃", "o3"), ("O_{3}", "o3"), ("臭氧", "o3"), ("SO₂", "so2"), ("二氧化硫", "so2"),
    ("NOₓ", "nox"), ("NO_{x}", "nox"), ("氮氧化物", "nox"), ("CO₂", "co2"), ("二氧化碳", "co2"),
    ("PM₁₀", "pm10"),
])
def test_pollutants_fold_to_their_formula(spelling, term):
    assert search_form(spelling) == term


@pytest.mark.parametrize("unit", ["μg/m³", "μg/m ³", "µg/m3", "μg / m 3", "微克/立方米"])
def test_units_fold_without_spaces(unit):
    assert search_form(unit) == "μg/m3"


def test_percent_signs_fold_and_per_mille_stays_distinct():
    assert search_form("10％") == search_form("10%") == "10%"
    assert search_form("3‰") == "3‰"


def test_fold_keeps_words_for_the_dense_query():
    assert fold("细颗粒物(PM _{2.5})") == "细颗粒物(pm2.5)"


def test_indicator_row_and_question_share_the_pollutant_token():
    tok = JiebaTokenizer(bigrams=False)
    row = tok("地级及以上城市细颗粒物(PM _{2.5})浓度(μg/m ³)")
    assert "pm2.5" in row
    assert "pm2.5" in tok("巴中市PM2.5目标是多少？")
    assert "o3" in tok("臭氧（O₃）污染") and "o3" in tok("O3怎么治理")


# ------------------------------------------------------------------ display


@pytest.mark.parametrize(("typed", "shown"), [
    ("PM_{2.5}", "PM₂.₅"),
    ("细颗粒物(PM _{2.5})浓度(μg/m ³)", "细颗粒物(PM₂.₅)浓度(μg/m³)"),  # the PDF's detached marks
    ("PM_{2.5} 和 O ₃ 协同", "PM₂.₅ 和 O₃ 协同"),
    ("PM ₁₀ 在线监测", "PM₁₀ 在线监测"),
    ("CO_{2}排放", "CO₂排放"),
    ("NO_{x}", "NOₓ"),
    ("m^3", "m³"),
    ("km^{2}", "km²"),
    ("10^4", "10⁴"),
    ("T_{max}", "Tₘₐₓ"),
])
def test_tex_and_detached_scripts_become_unicode(typed, shown):
    assert display(typed) == shown


@pytest.mark.parametrize("text", [
    "到 2025 年，比例达到 96% 以上",  # spaces around numbers are the plan's, not notation
    "A 1 级", "第_{章}", "T_{avg}", "", "没有符号",
])
def test_everything_else_stays_as_typed(text):
    assert display(text) == text


def test_a_script_without_a_unicode_form_is_none():
    assert subscript("2.5") == "₂.₅" and superscript("-3") == "⁻³"
    assert subscript("q") is None and superscript("x") is None
