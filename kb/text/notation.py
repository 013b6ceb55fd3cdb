"""Scientific notation as a reader expects it: PM₂.₅, O₃, μg/m³, not ``PM_{2.5}`` or ``μg/m ³``.

PDF extraction and LaTeX-minded typists leave three shapes behind: TeX braces
(``PM_{2.5}``, ``m^{3}``), a caret (``m^3``) and a sub- or superscript glyph
detached by a space (``O ₃``, ``μg/m ³``).  :func:`display` turns each into the
Unicode sub- and superscript characters, which survive copying into Word and
WeChat (HTML ``<sub>`` would not).  A script with a character that has no
Unicode form (``T_{avg}``: there is no subscript g) is left as typed rather than
half converted.  Only display text goes through
here: what is indexed and quoted stays as the plan has it.
"""

from __future__ import annotations

import re

__all__ = ["display", "subscript", "superscript"]

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
