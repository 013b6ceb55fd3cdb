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


# 明天天气怎么样 is declined by the real model (tests/integration/test_quality.py): what makes it an
# everyday question is its meaning (kb.query.everyday), which character hashes cannot carry.
@pytest.mark.parametrize("question", ["怎么申请公租房？", "高考分数线是多少？"])
def test_an_everyday_question_is_declined_with_the_nearest_clauses(kb: KnowledgeBase, question: str):
    answer = kb.ask(question)
    assert not answer.found
    assert answer.citations  # still shown, as references


# Colloquial wording (烧秸秆管不管) needs the real model's token states: tests/integration/test_quality.py.
@pytest.mark.parametrize("question", ["秸秆露天焚烧怎么管控？", "污水处理率要达到多少？"])
def test_an_in_scope_question_is_answered(kb: KnowledgeBase, question: str):
    assert kb.ask(question).found


def test_weather_matches_only_inside_heavy_pollution_weather(kb: KnowledgeBase):
    q = "明天天气怎么样？"
    ev = kb.evidence(q, kb.search(q))
    assert ev.coverage > 0 and ev.bound > 0  # 天气 is in the plan, but only as 重污染天气


def test_ask_encodes_the_question_once_and_scores_it_once(kb: KnowledgeBase, monkeypatch: pytest.MonkeyPatch):
    """The gate reads the ranking's own query vector and score maps (the last query's, remembered)."""
    lexical = kb.data.lexical
    calls: list[object] = []
    real = lexical.scores
    monkeypatch.setattr(lexical, "scores", lambda q: calls.append(q) or real(q))
    q = "城镇污水处理率要达到多少？"  # 要 … 多少: the frame is taken out, the content embedded
    kb.search("一个别的问题")
    kb.searcher.encoder.calls.clear()
    calls.clear()
    kb.search(q)
    searched = len(calls)
    assert kb.searcher.encoder.calls == [1] and searched >= 1
    kb.searcher.encoder.calls.clear()
    calls.clear()
    kb.searcher.encoder.token_calls.clear()
    kb.ask("污水处理率有哪些要求？")
    assert kb.searcher.encoder.calls == [1]  # not a second encode of the whole question
    assert kb.searcher.encoder.token_calls == [1, 1]  # the gate's token states: the question, the top hit
    assert len(calls) == searched  # evidence() did not score the query again


def test_the_gate_cosines_are_the_rankings(kb: KnowledgeBase):
    q = "污水处理率要达到多少"
    hits = kb.search(q)
    _, dense, _ = kb.searcher.scores(q)
    assert hits and all(h.dense == dense.get(kb.data.leaves.index(h.node), 0.0) for h in hits)


def test_maxsim_matches_the_question_to_the_top_hit_token_by_token(kb: KnowledgeBase):
    from kb.query.search import MAXSIM_CHARS, Hit

    leaves = kb.data.leaves
    straw = next(n for n in leaves if "秸秆" in n.text)
    other = next(n for n in leaves if "秸秆" not in n.text and "污水" not in n.text)
    q = "秸秆焚烧怎么管"
    on_topic = kb.searcher.maxsim(q, [Hit(1, 0.0, straw), Hit(2, 0.0, other)])
    off_topic = kb.searcher.maxsim(q, [Hit(1, 0.0, other), Hit(2, 0.0, straw)])
    assert 0.0 < off_topic < on_topic <= 1.0  # only the top hit counts
    assert kb.searcher.maxsim(q, []) == 0.0
    # a node with no windows of its own (a heading) is read in its opening MAXSIM_CHARS
    from dataclasses import replace

    heading = replace(straw, id="heading-without-windows", text="无关内容" * MAXSIM_CHARS + straw.text)
    assert kb.searcher.maxsim(q, [Hit(1, 0.0, heading)]) < on_topic
    assert kb.searcher.maxsim(q, [Hit(1, 0.0, replace(heading, text=straw.text))]) > off_topic


def test_the_hit_is_read_in_its_window_nearest_the_question(kb: KnowledgeBase):
    leaves = kb.data.leaves
    node = max(leaves, key=lambda n: len(n.text))  # a clause of several windows
    windows = [kb.data.chunks[i].text for i in kb.searcher._windows_of[leaves.index(node)]]
    assert len(set(windows)) > 1
    for window in windows[:3]:
        assert kb.searcher._nearest_window(window, node) == window  # a window is nearest itself
