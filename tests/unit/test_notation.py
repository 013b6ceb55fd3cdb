import pytest

from kb.text.notation import fold, search_form
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
