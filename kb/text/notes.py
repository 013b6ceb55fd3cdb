"""Owner notes: the bodies a plan assigns to a task, in the note that closes it.

实施方案 and 意见 end a task with a note such as ``（责任单位：市绿化市容局、市水务局，
各区政府）``, ``（牵头单位：…；配合单位：…）`` or ``（责任部门：…）``.  The note is the
plan's own assignment, so it outranks any name found elsewhere in the text: the
segmenter attaches it to the clause it closes, and answers and the register read
the owners from there.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

#: Labels of an owner note and the role each gives: "lead" bodies answer for the task,
#: "support" bodies help.  A plain 责任单位 list is "lead".
ROLE_OF_LABEL = {
    "牵头单位": "lead",
    "牵头部门": "lead",
    "责任单位": "lead",
    "责任部门": "lead",
    "主责单位": "lead",
    "主责部门": "lead",
    "主要部门": "lead",
    "主办单位": "lead",
    "负责单位": "lead",
    "实施单位": "lead",
    "配合单位": "support",
    "配合部门": "support",
    "协办单位": "support",
    "参与单位": "support",
}
_LABEL = "|".join(sorted(ROLE_OF_LABEL, key=len, reverse=True))
#: A whole note in brackets, at the end of a paragraph (or standing alone).
_NOTE = re.compile(rf"[（(]\s*((?:{_LABEL})\s*[:：][^（）()]*(?:[（(][^（）()]*[）)][^（）()]*)*)[）)]\s*[。；;]?\s*$")
_PART = re.compile(rf"({_LABEL})\s*[:：]")
_SPLIT = re.compile(r"[、，,；;／/]|\s+")
#: Words that qualify a list rather than name a body (…等, 按职责分工负责).
_TAIL = re.compile(r"(?:等(?:单位|部门)?|按职责分工负责|分工负责|负责|参与|配合)$")


@dataclass(frozen=True)
class Owner:
    """One body a note assigns, with its role (lead or support)."""

    name: str
    role: str = "lead"

    def to_dict(self) -> dict:
        return {"name": self.name, "role": self.role}


def split_note(text: str) -> tuple[str, tuple[Owner, ...]]:
    """(the text without its closing owner note, the owners the note assigns).

    Text without a note comes back unchanged with no owners.
    """
    m = _NOTE.search(text)
    if not m:
        return text, ()
    owners = parse_note(m.group(1))
    if not owners:
        return text, ()
    return text[: m.start()].rstrip(), owners


def parse_note(note: str) -> tuple[Owner, ...]:
    """The owners in the inside of a note: ``牵头单位：A、B；配合单位：C``."""
    parts = list(_PART.finditer(note))
    out: list[Owner] = []
    seen: set[str] = set()
    for k, m in enumerate(parts):
        role = ROLE_OF_LABEL[m.group(1)]
        end = parts[k + 1].start() if k + 1 < len(parts) else len(note)
        for raw in _SPLIT.split(note[m.end():end]):
            name = _TAIL.sub("", raw.strip(" 。.：:"))
            if len(name) >= 2 and name not in seen:
                seen.add(name)
                out.append(Owner(name, role))
    return tuple(out)


def is_note(text: str) -> bool:
    """True for a paragraph that is nothing but an owner note."""
    rest, owners = split_note(text.strip())
    return bool(owners) and not rest.strip()
