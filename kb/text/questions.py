"""What a question asks for, read from its wording: a rule of Chinese questions, kept once.

Only intents that change what is returned live here: "where in the document" questions
(是第几章？ 在哪个专栏？ 哪一部分？) want the heading that holds the passage.
"""

from __future__ import annotations

import re

from kb.lexicon import lexicon

#: (level, cue) in the order they are tried: the more specific containers first.
_LEVEL_CUES: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (level, re.compile(cue))
    for level, cue in (
        ("box", r"(?:哪|那)(?:一|个)?个?专栏|什么专栏|专栏几"),
        ("annex", r"(?:哪|那)(?:一|个|张)?(?:附表|附件|附录)|(?:哪|那)(?:一|个)?张表"),
        ("part", r"第几篇|(?:哪|那)一?篇"),
        ("section", r"第几节|(?:哪|那)一?节"),
        ("chapter", r"第几章|(?:哪|那)一?章"),
        ("top", r"第几部分|(?:哪|那)(?:一|个)?部分"),
    )
)


def locate_level(question: str) -> str | None:
    """The level of heading a "where is it" question asks for, or None.

    ``chapter``, ``section``, ``part``, ``box``, ``annex``, or ``top`` for 哪一部分
    (the outermost heading, whatever the document calls its first level).
    """
    for level, cue in _LEVEL_CUES:
        if cue.search(question):
            return level
    return None


#: Quoted spans: Chinese double and corner quotes, ASCII double quotes, and book-title marks.
_QUOTED = re.compile(r"“([^“”]+)”|「([^「」]+)」|『([^『』]+)』|\"([^\"]+)\"|《([^《》]+)》")


def quoted(question: str, least: int = 2) -> list[str]:
    """The spans a question quotes (“深入推进新城建设”是第几章？ → 深入推进新城建设), at least ``least`` long."""
    out = []
    for m in _QUOTED.finditer(question):
        span = next(g for g in m.groups() if g is not None).strip()
        if len(span) >= least:
            out.append(span)
    return out


#: Words that make a question about who is responsible.
OWNER_CUES = tuple(lexicon("owner_cues"))
DEADLINE_CUES = tuple(lexicon("deadline_cues"))
#: Words that make a question ask who issued the document (发布, 印发 …).
ISSUER_CUES = tuple(lexicon("issuer_cues"))
#: Words that make a question ask for a number (多少, 目标, 达到 …).
NUMBER_CUES = tuple(lexicon("number_cues"))
#: Words that make a question ask what a term means (什么是, 什么意思, 含义 …).
DEFINITION_CUES = tuple(lexicon("definition_cues"))
#: Words that make a question ask what follows a breach (罚, 处分, 法律责任 …).
PENALTY_CUES = tuple(lexicon("penalty_cues"))
#: Words that make a question ask for an amount of money (多少钱, 罚多少, 收费标准 …).
MONEY_CUES = tuple(lexicon("money_cues"))
#: A pointing word and a kind of document: 这份通知, 本规划, 该条例 (kb/lexicon/data/document_kinds.txt).
_DOCUMENT_DEIXIS = re.compile("(?:这一?份|这一?个|这一?部|这一?项|这一?篇|本|该|此|上述)(" + lexicon("document_kinds").pattern() + ")")


def asks_owner(question: str) -> bool:
    return any(c in question for c in OWNER_CUES)


def asks_deadline(question: str) -> bool:
    return any(c in question for c in DEADLINE_CUES)


def asks_number(question: str) -> bool:
    return any(c in question for c in NUMBER_CUES)


def asks_penalty(question: str) -> bool:
    return any(c in question for c in PENALTY_CUES)


def asks_definition(question: str) -> bool:
    return any(c in question for c in DEFINITION_CUES)


def asks_money(question: str) -> bool:
    return any(c in question for c in MONEY_CUES)


def document_referred(question: str) -> str | None:
    """The kind of document a question points at (这份通知由谁发布？ → 通知), or None.

    Such a question is about a document the user holds, not about the world at large.
    """
    m = _DOCUMENT_DEIXIS.search(question)
    return m.group(1) if m else None
