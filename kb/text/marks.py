"""Marking matched terms in a passage: 【term】, the one mark every interface renders."""

from __future__ import annotations

import re
from collections.abc import Iterable

__all__ = ["mark"]


def mark(text: str, terms: Iterable[str]) -> str:
    """Wrap each occurrence of ``terms`` in 【】 for display; longest term first, no overlaps."""
    taken: list[tuple[int, int]] = []
    for term in sorted({t for t in terms if t}, key=lambda t: (-len(t), t)):
        for m in re.finditer(re.escape(term), text):
            a, b = m.span()
            if all(b <= x or a >= y for x, y in taken):
                taken.append((a, b))
    out, pos = [], 0
    for a, b in sorted(taken):
        out += [text[pos:a], "【", text[a:b], "】"]
        pos = b
    out.append(text[pos:])
    return "".join(out)
