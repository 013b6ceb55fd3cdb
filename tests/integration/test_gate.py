"""The answer gate end to end on the fixture plans (fake encoder): decline what they do not say."""

from __future__ import annotations

import shutil

import pytest
from support.fakes import HashEncoder
from support.paths import DATA

from kb.knowledge import KnowledgeBase


@pytest.fixture(scope="module")
def kb(tmp_path_factory: pytest.TempPathFactory) -> KnowledgeBase:
    root = tmp_path_factory.mktemp("gate")
    corpus = root / "corpus"
    corpus.mkdir()
    for name in ("mini_plan.txt", "small_plan.txt"):
        shutil.copy(DATA / name, corpus / name)
    KnowledgeBase.build(corpus, root / "index", encoder=HashEncoder(), progress=False)
    return KnowledgeBase.open(root / "index", encoder=HashEncoder())


@pytest.mark.parametrize("question", ["明天天气怎么样？", "怎么申请公租房？", "高考分数线是多少？"])
def test_an_everyday_question_is_declined_with_the_nearest_clauses(kb: KnowledgeBase, question: str):
    answer = kb.ask(question)
    assert not answer.found
    assert answer.citations  # still shown, as references


@pytest.mark.parametrize("question", ["烧秸秆管不管？", "污水处理率要达到多少？"])
def test_an_in_scope_question_is_answered(kb: KnowledgeBase, question: str):
    assert kb.ask(question).found


def test_weather_matches_only_inside_heavy_pollution_weather(kb: KnowledgeBase):
    q = "明天天气怎么样？"
    ev = kb.evidence(q, kb.search(q))
    assert ev.coverage > 0 and ev.bound > 0  # 天气 is in the plan, but only as 重污染天气
