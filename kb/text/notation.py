"""How a plan writes quantities and pollutants, folded to one spelling for search.

Plans write the same thing many ways: PM_{2.5}, PM2.5, PM₂.₅, ＰＭ２.５ and 细颗粒物; O₃ and
臭氧; μg/m ³ and μg/m³; ％ and %.  :func:`search_form` folds them to one term so that the
text indexed and the question typed meet.  It is applied where text is cut into tokens and
to the query; the stored text keeps the plan's own spelling for display.

The word ↔ formula pairs are data (kb/lexicon/data/notation_terms.txt).
"""

from __future__ import annotations

import functools
import re
import unicodedata

from kb.lexicon import lexicon

__all__ = ["search_form"]

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
