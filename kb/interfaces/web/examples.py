"""The examples on the first screen: questions to click and phrases to locate, fit to the loaded plans.

Hand-picked examples for known plans live in ``static/examples.json`` (data, not
code); any other plan gets examples drawn from its own register and clauses, so
the app never suggests asking one plan about another's counties.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib.resources import files

from kb.knowledge import KnowledgeBase
from kb.text.patterns import RE_MARKER, strip_heading_number

#: How many of each the first screen shows.
QUESTIONS = 4
PHRASES = 2
#: Longest derived question topic and located phrase, in characters.
TOPIC_CHARS = 16
PHRASE_CHARS = 40


@dataclass(frozen=True)
class Examples:
    """Questions for 问答 and verbatim phrases for 条款定位."""

    questions: tuple[str, ...]
    phrases: tuple[str, ...]

    def to_dict(self) -> dict:
        return {"questions": list(self.questions), "phrases": list(self.phrases)}


@cache
def curated() -> dict[str, Examples]:
    """The hand-picked examples of static/examples.json, by document name."""
    raw = json.loads(files(__package__).joinpath("static/examples.json").read_text(encoding="utf-8"))
    return {doc: Examples(tuple(v.get("questions", ())), tuple(v.get("phrases", ())))
            for doc, v in raw.items() if isinstance(v, dict)}


def _topic(title: str) -> str:
    """A heading as a topic: 第二章 / 一、 / （二） numbers dropped."""
    return RE_MARKER.sub("", strip_heading_number(title)).strip()


def _unique(items, limit: int) -> tuple[str, ...]:
    return tuple(dict.fromkeys(i for i in items if i))[:limit]


def derived(kb: KnowledgeBase) -> Examples:
    """Examples read off the plans themselves: who is responsible, how much by when, what a chapter asks."""
    owners, numbers, phrases = [], [], []
    for c in kb.targets():
        node = kb.source_node(c)
        title = _topic(node.title) if node is not None and node.kind != "row" else ""
        if c.owners and title and len(title) <= TOPIC_CHARS:
            owners.append(f"谁负责{title}？")
        if c.value.replace(".", "", 1).isdigit() and c.deadline and len(c.metric) <= TOPIC_CHARS:
            numbers.append(f"{c.metric}{c.deadline.removeprefix('到')}要达到多少？")
        if c.source == "clause" and c.value and len(c.text) <= PHRASE_CHARS:
            phrases.append(c.text.rstrip("。；;"))
    rules = (f"{_topic(c.title)}有哪些要求？" for c in kb.chapters() if _topic(c.title))
    picks = [q for pair in zip(owners, numbers, strict=False) for q in pair]
    questions = _unique([*picks, *owners, *numbers, *rules], QUESTIONS)
    return Examples(questions, _unique(phrases, PHRASES))


def examples_for(kb: KnowledgeBase) -> Examples:
    """The curated examples of the index's first known plan, or examples drawn from the index."""
    known = curated()
    for doc in kb.documents:
        if doc in known and known[doc].questions:
            return known[doc]
    return derived(kb)
