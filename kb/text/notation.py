"""How a plan writes quantities and pollutants: one spelling for search, the proper one for display.

Plans write the same thing many ways: PM_{2.5}, PM2.5, PM₂.₅, ＰＭ２.５ and 细颗粒物; O₃ and
臭氧; μg/m ³ and μg/m³; ％ and %.  :func:`search_form` folds them to one term so that the
text indexed and the question typed meet.  It is applied where text is cut into tokens and
to the query; the stored text keeps the plan's own spelling.

:func:`display` is the other direction, for what a reader sees: PDF extraction and
LaTeX-minded typists leave three shapes behind, TeX braces (``PM_{2.5}``, ``m^{3}``),
a caret (``m^3``) and a sub- or superscript glyph detached by a space (``O ₃``,
``μg/m ³``), and each becomes the Unicode sub- and superscript characters, which
survive copying into Word and WeChat (HTML ``<sub>`` would not).  A script with a
character that has no Unicode form (``T_{avg}``: there is no subscript g) is left as
typed rather than half converted.

The word ↔ formula pairs are data (kb/lexicon/data/notation_terms.txt).
"""

from __future__ import annotations

import functools
import re
import unicodedata

from kb.lexicon import lexicon

__all__ = ["display", "fold", "search_form", "subscript", "superscript"]

#: A subscript in TeX-like notation, PM_{2.5} / NO_{x} / PM _{10}, or a bare underscore PM_2.5.
_SUBSCRIPT = re.compile(r"(?<=[A-Za-z])\s*_\s*(?:\{\s*([^{}]{1,6}?)\s*\}|([0-9.]+|x))")
#: "PM 2.5", "PM 10": a spaced particle size.
_SPACED_PM = re.compile(r"(?i)\bpm\s+(2\.5|10)\b")
#: A unit with spaces inside it: μg/m ³, mg / m3, g/m 2.
_SPACED_UNIT = re.compile(r"(?i)(μg|mg|ng|kg|g|m|t)\s*/\s*(m|km|l)\s*([23])?(?![0-9])")
#: Unit words written out, folded to the symbol the tables use.
_UNIT_WORDS = {"微克/立方米": "μg/m3", "毫克/立方米": "mg/m3", "微克每立方米": "μg/m3", "毫克每立方米": "mg/m3"}


@functools.cache
def _terms() -> tuple[tuple[re.Pattern[str], str], ...]:
    """(spelling → term) rules from the data file, longest spelling first."""
    pairs: list[tuple[str, str]] = []
    for line in lexicon("notation_terms"):
        term, *spellings = line.split()
        pairs += [(s, term) for s in spellings]
    pairs.sort(key=lambda p: -len(p[0]))
    return tuple((re.compile(re.escape(s)), t) for s, t in pairs)


def fold(text: str) -> str:
    """Width, case, subscripts and spaced units folded; words stay words (for the dense query)."""
    text = unicodedata.normalize("NFKC", text)  # ₂ → 2, ³ → 3, ＰＭ → PM, ％ → %, µ → μ
    text = _SUBSCRIPT.sub(lambda m: (m.group(1) or m.group(2)).replace(" ", ""), text)
    text = _SPACED_PM.sub(lambda m: "pm" + m.group(1), text)
    for word, unit in _UNIT_WORDS.items():
        text = text.replace(word, unit)
    text = _SPACED_UNIT.sub(lambda m: f"{m.group(1)}/{m.group(2)}{m.group(3) or ''}", text)
    return text.lower()


def search_form(text: str) -> str:
    """The form that is tokenised and matched: :func:`fold`, then each pollutant as its one term.

    >>> search_form("细颗粒物(PM _{2.5})浓度(μg/m ³)")
    'pm2.5(pm2.5)浓度(μg/m3)'
    """
    text = fold(text)
    for pattern, term in _terms():
        text = pattern.sub(term, text)
    return text


_NOT_WORD = re.compile(r"[\W_]+")


def edition_key(text: str) -> str:
    """What two editions of one passage share (a notice as PDF and as text): its search form
    without whitespace or punctuation, which extraction spells differently.

    >>> edition_key("到 2025 年，PM_{2.5} 浓度下降。") == edition_key("到2025年,PM2.5浓度下降")
    True
    """
    return _NOT_WORD.sub("", search_form(text))


# ------------------------------------------------------------------ display

_SUB = str.maketrans("0123456789+-=()aehijklmnoprstuvx", "₀₁₂₃₄₅₆₇₈₉₊₋₌₍₎ₐₑₕᵢⱼₖₗₘₙₒₚᵣₛₜᵤᵥₓ")
_SUP = str.maketrans("0123456789+-=()in", "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁼⁽⁾ⁱⁿ")
_SUB_CHARS = "₀₁₂₃₄₅₆₇₈₉₊₋₌₍₎ₐₑₕᵢⱼₖₗₘₙₒₚᵣₛₜᵤᵥₓ"
_SUP_CHARS = "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁼⁽⁾ⁱⁿ²³¹"

#: ``_{…}`` / ``^{…}`` (a space before the mark is the PDF's), or a bare ``^`` with digits.
_BRACED = re.compile(r"(?<=[A-Za-z0-9)）μ])\s?([_^])\{([^{}]{1,8})\}")
_CARET = re.compile(r"(?<=[A-Za-z0-9)）])\^(-?\d{1,2})(?![\d.])")
#: A sub/superscript glyph set off from the symbol it belongs to.
_DETACHED = re.compile(rf"(?<=[A-Za-z)）])[ \u00a0]+(?=[{_SUB_CHARS}{_SUP_CHARS}])")


def _script(text: str, table: dict[int, str], keep: str = ".") -> str | None:
    """``text`` in sub/superscript characters; ``keep`` characters stay as they are (PM₂.₅)."""
    out = "".join(c if c in keep else c.translate(table) for c in text)
    return out if all(c in keep or c != o for c, o in zip(text, out, strict=True)) else None


def subscript(text: str) -> str | None:
    """'2.5' → '₂.₅'; None when some character has no subscript form."""
    return _script(text, _SUB)


def superscript(text: str) -> str | None:
    """'3' → '³'; None when some character has no superscript form."""
    return _script(text, _SUP)


def display(text: str) -> str:
    """``text`` with TeX-style and detached sub/superscripts written as Unicode (PM₂.₅, μg/m³)."""
    if not text or not any(c in text for c in "_^ \u00a0"):
        return text

    def braced(m: re.Match) -> str:
        shown = (subscript if m.group(1) == "_" else superscript)(m.group(2).strip())
        return shown if shown is not None else m.group(0)

    text = _BRACED.sub(braced, text)
    text = _CARET.sub(lambda m: superscript(m.group(1)) or m.group(0), text)
    return _DETACHED.sub("", text)
