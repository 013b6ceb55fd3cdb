"""One spelling for plan text: character repairs, layout whitespace and full-width forms.

Two levels, used at two moments:

* **Repair** (at ingest, :func:`normalize_chars`, :func:`tidy`): undo extraction
  damage — Kangxi/supplement radical code points, zero-width marks, odd spaces,
  spaces between CJK characters — without touching the plan's own typography
  (full-width ，（）： stay as written).  This is what nodes store.
* **Normalise** (before matching, :func:`normalize`): full-width digits and
  comparison signs become ASCII and layout whitespace is dropped (the PDF text has
  "到 2025 年" and page breaks inside words), except a single space between two
  Latin words/numbers.  Sentences, targets and spans refer to this form.

:func:`squash` (no whitespace at all) is the form used to compare editions and
match headings.
"""

from __future__ import annotations

import re
import unicodedata

from kb.text.chars import CJK

__all__ = ["normalize", "normalize_chars", "squash", "tidy"]

# ------------------------------------------------------------ repairs

#: CJK Radicals Supplement forms that NFKC leaves alone, mapped to the ideograph they stand for,
#: plus Kangxi radicals whose NFKC target is a traditional form unused in simplified text.
_RADICAL_FIXES = dict(
    zip(
        "⺠⻅⻆⻉⻋⻓⻔⻘⻙⻚⻛⻜⻝⻠⻢⻣⻤⻥⻦⻧⻨⻩⻪⻬⻮⻰⻳⺟⻄⼾",
        "民见角贝车长门青韦页风飞食饣马骨鬼鱼鸟卤麦黄黾齐齿龙龟母西户",
        strict=True,
    )
)
_ZERO_WIDTH = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"), None)
#: Kangxi Radicals and CJK Compatibility Ideographs: NFKC maps them to the ideograph.
_RADICAL_BLOCKS = ((0x2F00, 0x2FDF), (0xF900, 0xFAFF))
_ODD_SPACES = frozenset("\u00a0\u2002\u2003\u2009\u3000")


def normalize_chars(text: str) -> str:
    """Map radical code points to the ideographs they stand for; drop zero-width marks.

    This is NFKC restricted to the radical blocks: full-width punctuation (，（）：)
    is the plan's own typography and stays as written.
    """
    out = []
    for ch in text.translate(_ZERO_WIDTH):
        o = ord(ch)
        if ch in _RADICAL_FIXES:
            out.append(_RADICAL_FIXES[ch])
        elif any(a <= o <= b for a, b in _RADICAL_BLOCKS):
            out.append(unicodedata.normalize("NFKC", ch))
        elif ch in _ODD_SPACES:
            out.append(" ")
        else:
            out.append(ch)
    return "".join(out)


_SPACE_BETWEEN_CJK = re.compile(rf"(?<=[{CJK}])\s+(?=[{CJK}])")
_BLANKS = re.compile(r"[ \t\f\v]+")


def tidy(text: str) -> str:
    """Collapse layout whitespace: none between two CJK characters, one space elsewhere."""
    text = _BLANKS.sub(" ", text)
    text = _SPACE_BETWEEN_CJK.sub("", text)
    return text.strip()


_WS_RE = re.compile(r"\s+")


def squash(text: str) -> str:
    """Whitespace-free form, used to compare editions and match quotations."""
    return _WS_RE.sub("", text)


# ------------------------------------------------------------ matching form

_FULLWIDTH = str.maketrans("０１２３４５６７８９％．＜＞＝", "0123456789%.<>=")


def normalize(text: str) -> str:
    """Drop layout whitespace (PDF line breaks, '到 2025 年') so patterns see one spelling."""
    text = text.translate(_FULLWIDTH)

    def _join(m: re.Match[str]) -> str:
        a = text[m.start() - 1] if m.start() else ""
        b = text[m.end()] if m.end() < len(text) else ""
        keep = a.isascii() and a.isalnum() and b.isascii() and b.isalnum()
        return " " if keep else ""

    return _WS_RE.sub(_join, text).strip()
