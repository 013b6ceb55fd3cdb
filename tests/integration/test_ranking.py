"""Ranking on the real plan's text (with the fake encoder, so BM25, notation and phrase cover carry it)."""

from __future__ import annotations

import shutil

import pytest
from support.fakes import HashEncoder
from support.paths import ROOT

from kb.knowledge import KnowledgeBase
from kb.text.notation import search_form

PLAN = ROOT / "corpus" / "巴中市十四五生态环境保护规划.txt"


@pytest.fixture(scope="module")
def kb(tmp_path_factory) -> KnowledgeBase:
    if not PLAN.exists():
        pytest.skip(f"{PLAN} is not here")
    root = tmp_path_factory.mktemp("ranking")
    (root / "corpus").mkdir()
    shutil.copy(PLAN, root / "corpus" / PLAN.name)
    KnowledgeBase.build(root / "corpus", root / "index", encoder=HashEncoder(), progress=False)
    return KnowledgeBase.open(root / "index", encoder=HashEncoder())


def indicator_rank(kb: KnowledgeBase, question: str, term: str) -> int | None:
    """Rank of the first indicator row naming ``term`` (in search form) among the top five."""
    hits = kb.search(question, k=5)
    return next((h.rank for h in hits if "指标名称" in h.node.text and term in search_form(h.node.text)), None)


@pytest.mark.parametrize("question", ["巴中市PM2.5目标是多少？", "PM₂.₅浓度要降到多少", "细颗粒物浓度目标是多少",
                                      "ＰＭ２．５的目标"])
def test_every_spelling_of_pm25_finds_the_indicator_row(kb: KnowledgeBase, question: str):
    rank = indicator_rank(kb, question, "pm2.5")
    assert rank is not None and rank <= 3, f"{question}: indicator row at {rank}"


def test_a_question_in_the_rows_words_gets_the_row_first(kb: KnowledgeBase):
    assert indicator_rank(kb, "生态质量指数的2025年目标是多少？", "生态质量指数") == 1


def test_a_quoted_clause_comes_first(kb: KnowledgeBase):
    """Asking with a clause's own words (its middle, not its heading) finds that clause."""
    leaves = [n for n in kb.searcher.data.leaves if len(n.text) >= 60 and n.kind == "clause"]
    sample = leaves[:: max(1, len(leaves) // 15)][:15]
    assert len(sample) >= 10
    misses = []
    for n in sample:
        phrase = n.text[20:40]
        top = kb.search(f"{phrase}是怎么规定的", k=1)[0]
        if top.node.id != n.id:
            misses.append(phrase)
    assert len(misses) <= 1, misses
