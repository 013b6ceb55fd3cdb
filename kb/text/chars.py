"""Character classes of Chinese plan text, each defined once.

Regexes elsewhere build on these strings (``rf"[{HAN}]"``) instead of spelling
out code-point ranges again.
"""

from __future__ import annotations

#: CJK Unified Ideographs, the characters of words.
HAN = "\u4e00-\u9fff"
#: Ideographs including Extension A (rare characters in names).
HAN_EXT = "\u3400-\u9fff"
#: Everything that counts as CJK text for spacing rules: ideographs, CJK punctuation,
#: compatibility ideographs and full-width forms, plus the plan's quote and list marks.
CJK = "\u3000-\u303f\u3400-\u9fff\uf900-\ufaff\uff00-\uffef“”‘’《》、，。；：！？（）"
#: Opening and closing brackets, full- or half-width.
LP = "[（(]"
RP = "[）)]"
