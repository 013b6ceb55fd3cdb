"""Sentences of plan text: the one splitter every rule and the index share.

Two readings of the same rule "a sentence ends at 。；！？":

* the **matching** reading (default) works on :func:`~kb.text.normalize.normalize`-d
  text: ASCII ;!? end sentences too, a run of terminators stays together and the
  closing quote or bracket after it belongs to the sentence (提出“力争全面达标。”),
  and pieces without a word character (a stray "。") are dropped.  Targets, owners,
  deadlines, answers and quiz excerpts use it;
* the **as-written** reading (``as_written=True``) keeps the text byte for byte:
  it cuts after every 。；！？ and at line breaks, strips each piece and drops empty
  ones.  The index embeds these pieces, so they must not change with the matching rules.
"""

from __future__ import annotations

import re

from kb.text.chars import HAN
from kb.text.normalize import normalize

__all__ = ["SENTENCE_ENDS", "sentences"]

#: Full-width sentence terminators of Chinese plans.
SENTENCE_ENDS = "。；！？"
_ASCII_ENDS = ";!?"
_CLOSERS = "”’」』）)"
_SENT_RE = re.compile(
    rf"[^{SENTENCE_ENDS}{_ASCII_ENDS}]+(?:[{SENTENCE_ENDS}{_ASCII_ENDS}]+[{_CLOSERS}]*|$)"
)
_WORD_RE = re.compile(f"[{HAN}0-9A-Za-z]")
_AS_WRITTEN_RE = re.compile(rf"(?<=[{SENTENCE_ENDS}\n])")


def sentences(text: str, *, as_written: bool = False) -> list[str]:
    """Split text into sentences (terminator and closing quotes kept with the sentence).

    By default the text is normalised first and pieces without a word are dropped;
    ``as_written=True`` splits the text as it stands (also at line breaks), see the module docstring.
    """
    if as_written:
        return [s.strip() for s in _AS_WRITTEN_RE.split(text) if s.strip()]
    out = []
    for m in _SENT_RE.finditer(normalize(text)):
        s = m.group(0).strip()
        if s and _WORD_RE.search(s):
            out.append(s)
    return out
