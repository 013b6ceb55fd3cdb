"""How scientific notation reads on screen: PM₂.₅ and μg/m³, never PM_{2.5} or μg/m ³."""

from __future__ import annotations

import pytest

from kb.text.notation import display, subscript, superscript


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
