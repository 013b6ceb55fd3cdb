"""Owner notes: the bodies a plan assigns to a task, in the note that closes it.

实施方案 and 意见 end a task with a note such as ``（责任单位：市绿化市容局、市水务局，
各区政府）``, ``（牵头单位：…；配合单位：…）`` or ``（责任部门：…）``.  The note is the
plan's own assignment, so it outranks any name found elsewhere in the text: the
segmenter attaches it to the clause it closes, and answers and the register read
the owners from there.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from kb.document import Node
from kb.text.patterns import RE_SIGNATURE_DATE, is_signature_line

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


#: The same note without brackets, closing a paragraph after its last sentence or standing alone.
_BARE_LABEL_NOTE = re.compile(rf"(?:^|(?<=[。；;\n]))\s*((?:{_LABEL})\s*[:：][^。（）()\n]*)[。；;]?\s*$")
#: A closing bracket that assigns in words: （市生态环境局牵头，市水务局、各区政府配合）.
_BRACKET_END = re.compile(r"[（(]([^（）()]{2,160})[）)]\s*[。；;]?\s*$")
_ROLE_PART = re.compile(r"^由?(?P<names>.+?)(?P<role>按职责分工负责|分工负责|共同负责|牵头负责|牵头|负责|配合|参与|协助|协同)$")
_SUPPORT_ROLES = ("配合", "参与", "协助", "协同")
#: How the name of a body ends (市水务局, 各区政府, 临港新片区管委会, 各街镇 …).
_BODY_END = re.compile(r"(?:局|委|办|厅|部|部门|政府|管委会|委员会|中心|单位|公司|集团|院|会|署|站|街道|街镇|乡镇|镇|区|县|市)$")


def _role_note(inner: str) -> tuple[Owner, ...]:
    """Owners of a bracket that is nothing but assignments (A、B牵头，C配合), else ()."""
    out: list[Owner] = []
    for part in re.split(r"[，,；;]", inner):
        m = _ROLE_PART.match(part.strip())
        if not m:
            return ()
        role = "support" if m.group("role") in _SUPPORT_ROLES else "lead"
        names = [x.strip() for x in re.split(r"[、／/]", m.group("names"))]
        if not all(2 <= len(n) <= 20 and _BODY_END.search(n) for n in names):
            return ()
        out += [Owner(n, role) for n in names if all(o.name != n for o in out)]
    return tuple(out)


def split_note(text: str) -> tuple[str, tuple[Owner, ...]]:
    """(the text without its closing owner note, the owners the note assigns).

    A note is labelled (（责任单位：…）, or 责任单位：… closing the paragraph without brackets)
    or a bracket of assignments only (（A牵头，B、C配合）).  Text without a note comes back
    unchanged with no owners.
    """
    for rx in (_NOTE, _BARE_LABEL_NOTE):
        m = rx.search(text)
        if m:
            owners = parse_note(m.group(1))
            if owners:
                return text[: m.start()].rstrip(), owners
    m = _BRACKET_END.search(text)
    if m:
        owners = _role_note(m.group(1))
        if owners:
            return text[: m.start()].rstrip(), owners
    return text, ()


def parse_note(note: str) -> tuple[Owner, ...]:
    """The owners in the inside of a note: ``牵头单位：A、B；配合单位：C``."""
    parts = list(_PART.finditer(note))
    out: list[Owner] = []
    seen: set[str] = set()
    for k, m in enumerate(parts):
        role = ROLE_OF_LABEL[m.group(1)]
        end = parts[k + 1].start() if k + 1 < len(parts) else len(note)
        for group in _GROUP_SPLIT.split(note[m.end():end]):
            for raw in _shared_head(group.split("、")):
                name = _TAIL.sub("", raw.strip(" 。.：:"))
                if len(name) >= 2 and name not in seen:
                    seen.add(name)
                    out.append(Owner(name, role))
    return tuple(out)


_GROUP_SPLIT = re.compile(r"[，,；;／/]|\s+")
_PLACE_HEAD = re.compile(r"^(.+?[区县市镇])((?:人民)?政府|管委会)$")


def _shared_head(items: list[str]) -> list[str]:
    """嘉定区、青浦区、奉贤区政府: the head noun of the last item belongs to every place before it."""
    m = _PLACE_HEAD.match(items[-1].strip()) if len(items) > 1 else None
    if m and all(re.fullmatch(r".{1,8}[区县市镇]", x.strip()) for x in items[:-1]):
        return [x.strip() + m.group(2) for x in items[:-1]] + [items[-1]]
    return items


def is_note(text: str) -> bool:
    """True for a paragraph that is nothing but an owner note."""
    rest, owners = split_note(text.strip())
    return bool(owners) and not rest.strip()


# ---------------------------------------------------------------- issuers

#: Front-matter fields that name the issuing body (发布单位: 上海市绿化和市容管理局).
_ISSUER_FIELD = re.compile(r"^\s*(?:发布单位|发文单位|发文机关|发布机关|发布机构|制定机关|issuer)\s*[:：]\s*(.+?)\s*$")
#: A red-header line: 国家发展改革委办公厅文件 / 某市人民政府文件.
_HEADER_LINE = re.compile(r"^(.{2,40}?)\s*文件$")
_ADOPTED = re.compile(r"(?:日|^)(?P<where>[^\d，。；《》]{2,12}?)第[一二三四五六七八九十百]+届"
                      r"(?P<body>人民代表大会(?:常务委员会)?)第[一二三四五六七八九十百]+次会议(?:审议)?(?:通过|批准)")


def find_issuers(lines: list[str]) -> tuple[Owner, ...]:
    """The bodies that issue a notice or opinion, from its own header and signature.

    The signature (the issuer lines right above the date that closes a notice: 国家发展
    改革委办公厅 / 税务总局办公厅 / 2019年8月20日) is the most reliable; then a front-matter
    发布单位 field; then a red-header line ending in 文件.  Role ``issuer``: who put the text
    out, not who carries out its tasks.
    """
    squashed = [re.sub(r"\s+", "", x) for x in lines]
    names: list[str] = []
    for i, t in enumerate(squashed):
        if not RE_SIGNATURE_DATE.match(t):
            continue
        j = i
        while j > 0 and is_signature_line(squashed[j - 1]) and not RE_SIGNATURE_DATE.match(squashed[j - 1]):
            j -= 1
        names += squashed[j:i]
    if not names:
        names = [m.group(1).strip() for x in lines if (m := _ISSUER_FIELD.match(x))]
        names = [n for x in names for n in _SPLIT.split(x) if len(n) >= 2 and n not in ("-", "—")]
    if not names:
        names = [m.group(1) for t in squashed if (m := _HEADER_LINE.match(t))]
    if not names:
        # A regulation is issued by the congress that adopted it (X市第五届人民代表大会常务委员会
        # 第二十二次会议通过 → X市人民代表大会常务委员会); the first adoption line counts.
        m = next((m for t in squashed if (m := _ADOPTED.search(t))), None)
        names = [m.group("where") + m.group("body")] if m else []
    return tuple(Owner(n, "issuer") for n in dict.fromkeys(names))


# ------------------------------------------------------- a note that closes a task


def task_owners(nodes: Sequence[Node]) -> dict[tuple[str, str], tuple[tuple[str, str], ...]]:
    """(doc, id) → the owners a clause takes from the one note that closes its whole heading.

    A task may run over several paragraphs with a single （责任部门：…） after the last one
    (3．推进公园绿地全面开放共享 / paragraph / paragraph（责任部门：…）): the note assigns the
    whole task.  Only then: when the heading holds exactly one note and it closes the heading's
    last paragraph.  Where paragraphs carry notes of their own (1.…（A） 2.… 3.…（B）), a
    paragraph without one is left without owners rather than given a neighbour's.
    """
    by_parent: dict[tuple[str, str | None], list[Node]] = {}
    for n in nodes:
        if n.kind in ("clause", "item"):
            by_parent.setdefault((n.doc, n.parent), []).append(n)
    out: dict[tuple[str, str], tuple[tuple[str, str], ...]] = {}
    for kids in by_parent.values():
        noted = [n for n in kids if n.owners]
        if len(kids) > 1 and len(noted) == 1 and noted[0] is kids[-1]:
            for n in kids[:-1]:
                out[(n.doc, n.id)] = noted[0].owners
    return out
