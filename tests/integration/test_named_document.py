"""A question that quotes a document's title is searched for what it asks, within that document."""

from __future__ import annotations

import shutil

import pytest
from support.fakes import HashEncoder
from support.paths import ROOT

from kb.knowledge import KnowledgeBase

TITLE = "青山县饮用水水源保护管理办法"


@pytest.fixture(scope="module")
def rules_kb(tmp_path_factory):
    corpus = tmp_path_factory.mktemp("rules-corpus")
    shutil.copy(ROOT / "tests" / "data" / "article_rules.txt", corpus / "article_rules.txt")
    shutil.copy(ROOT / "tests" / "data" / "small_plan.txt", corpus / "small_plan.txt")
    folder = tmp_path_factory.mktemp("rules-kb") / "index"
    KnowledgeBase.build(corpus, folder, encoder=HashEncoder(), progress=False)
    return KnowledgeBase.open(folder, encoder=HashEncoder())


def test_the_title_is_taken_out_and_its_document_kept(rules_kb):
    rest, doc = rules_kb.searcher.without_title(f"{TITLE}自何时起施行")
    assert rest == "自何时起施行" and doc == "article_rules"
    # little more than the title: searched as it is
    assert rules_kb.searcher.without_title(f"{TITLE}是什么") == (f"{TITLE}是什么", None)
    assert rules_kb.searcher.without_title("饮用水水源保护区禁止什么")[1] is None


def test_the_clause_that_answers_outranks_the_title(rules_kb):
    [top, *_] = rules_kb.search(f"{TITLE}自何时起施行？", k=3)
    assert "起施行" in top.node.text and top.node.kind != "preamble"


def test_a_quoted_span_found_word_for_word_is_answered(rules_kb):
    quoted = rules_kb.ask("“保护优先、预防为主、综合治理”是哪一条的原则？")
    assert quoted.found and "第三条" in quoted.answer
    ev = rules_kb.evidence("“保护优先、预防为主、综合治理”是哪一条的原则", rules_kb.search("“保护优先、预防为主、综合治理”是哪一条的原则"))
    assert ev.quoted == 1.0
    other = rules_kb.search("“航天飞机发射窗口”是什么意思")
    assert rules_kb.evidence("“航天飞机发射窗口”是什么意思", other).quoted == 0.0
