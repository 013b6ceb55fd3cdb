"""How a commitment and a marked passage read, for every interface alike.

The CLI, the app and the exports show a target the same way ("城镇污水收集处理率
≥96%（到2025年）") and mark matched terms the same way (【term】), so each rule
lives here once.  Terminal colours are the CLI's business: :func:`ansi_marks`
turns the marks into escapes at the very end.
"""

from __future__ import annotations

import re

#: Comparators that say nothing beyond the value itself.
_SILENT = ("", "=")
_NUMBER = re.compile(r"\d+(?:\.\d+)?")
_MARKED = re.compile(r"【([^【】]*)】")
#: C0/C1 controls and escape sequences that must never reach a terminal from document text.
_CONTROL = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b[@-_]|[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def quantity(comparator: str, value: str, unit: str) -> str:
    """"≥96%", "<27.0微克/立方米"; wording such as 完成省定目标 stands as written, without a unit."""
    value = str(value or "")
    if not value:
        return "—"
    if not _NUMBER.fullmatch(value):
        return value
    shown = "" if comparator in _SILENT else comparator
    return f"{shown}{value}{unit or ''}"


def target_text(metric: str, comparator: str, value: str, unit: str, deadline: str | None = None,
                baseline: str | None = None) -> str:
    """One line for one commitment: metric, quantity and, when known, the deadline and the baseline."""
    text = f"{metric} {quantity(comparator, value, unit)}".strip()
    extras = [e for e in (deadline, f"基准 {baseline}" if baseline else "") if e]
    return text + (f"（{'，'.join(extras)}）" if extras else "")


def marked_spans(text: str) -> list[tuple[str, bool]]:
    """Split 【term】-marked text into (piece, is_marked) pairs, for renderers of any kind."""
    out: list[tuple[str, bool]] = []
    pos = 0
    for m in _MARKED.finditer(text):
        if m.start() > pos:
            out.append((text[pos:m.start()], False))
        out.append((m.group(1), True))
        pos = m.end()
    if pos < len(text):
        out.append((text[pos:], False))
    return out


def strip_controls(text: str) -> str:
    """Document text as safe terminal output: escape sequences and control characters removed."""
    return _CONTROL.sub("", text)


def ansi_marks(text: str, color: bool) -> str:
    """【term】 as bold red on a terminal; the marks stay as they are for files and pipes."""
    text = strip_controls(text)
    if not color:
        return text
    return "".join(f"\x1b[1;31m{p}\x1b[0m" if hit else p for p, hit in marked_spans(text))
