"""The relevance gate's features on small synthetic corpora (kb.query.relevance)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from kb.index.lexical import LexicalBackend
from kb.query.relevance import FEATURES, Evidence, Gate, content_words, model
from kb.text.tokenize import JiebaTokenizer

CORPUS = [
    "启动重污染天气应急响应，落实重污染天气应急减排措施。",
    "完善重污染天气预警体系，减少重污染天气天数。",
    "推进城市绿化建设，新增公园绿化面积，实施立体绿化工程。",
    "加强道路绿化养护，提升社区绿化品质。",
    "推进污水管网建设，城镇污水处理厂全部达到一级A标准。",
    "实施雨污分流改造，消除污水直排口。",
]


@pytest.fixture(scope="module")
def gate() -> Gate:
    tokenizer = JiebaTokenizer()
    data = SimpleNamespace(
        lexical=LexicalBackend.build(CORPUS, tokenizer),
        tokenizer=tokenizer,
        leaves=[SimpleNamespace(text=t) for t in CORPUS],
    )
    return Gate(data, thesaurus={"臭水沟": ("黑臭水体",)})


def test_a_word_found_only_inside_a_longer_term_is_bound(gate: Gate):
    hit = CORPUS[0]
    assert gate.boundness("天气", hit, "明天天气怎么样") > 0.7  # always 重污染天气 in this corpus
    assert gate.boundness("绿化", CORPUS[2], "绿化怎么搞") < 0.5  # used with many neighbours


def test_the_longer_term_in_the_question_itself_is_not_against_it(gate: Gate):
    assert gate.boundness("天气", CORPUS[0], "重污染天气怎么应对") == 0.0


def test_bound_weighs_the_bound_words_by_idf(gate: Gate):
    words = content_words(["明天", "天气"])
    only_bound = gate.bound(words, CORPUS[0], "明天天气")
    assert 0.0 < only_bound < 1.0  # 明天 is not in the hit at all: it is missing, not bound
    assert gate.bound(words, CORPUS[4], "明天天气") == 0.0


def test_key_concept_is_the_rarest_word_and_must_be_in_the_hit(gate: Gate):
    words = content_words(["申请", "公租房"])
    assert gate.key_word(words) == "公租房"  # unknown to the corpus: rarer than any word it uses
    assert gate.key(words, "申请公租房的条件") == 1.0
    assert gate.key(words, "申请材料齐全的，予以办理") == 0.0


def test_key_concept_inside_a_longer_term_counts_less(gate: Gate):
    free = gate.key(["污水"], "污水直排口")
    bound = gate.key(["天气"], "重污染天气应急")
    assert bound < free


def test_coverage_gives_part_credit_to_thesaurus_terms(gate: Gate):
    words = ["臭水沟", "治理"]
    plain = gate.coverage(words, "治理工作")
    bridged = gate.coverage(words, "治理黑臭水体")
    assert 0.0 < plain < bridged < 1.0


def test_lexical_is_the_share_of_the_query_the_best_passage_explains(gate: Gate):
    q = "雨污分流改造"
    scores = gate.data.lexical.scores(q)
    full = gate.lexical(q, float(scores.max()))
    partial = gate.lexical(q, float(gate.data.lexical.scores("改造").max()))
    assert 0.0 < partial < full


def test_agree_is_the_share_of_the_lexical_top_list_dense_also_ranks_top():
    lex = {1: 9.0, 2: 8.0, 3: 7.0, 4: 6.0, 5: 5.0}
    assert Gate.agree(lex, {1: 0.9, 2: 0.8, 3: 0.7, 4: 0.6, 5: 0.5}, top=5) == 1.0
    assert Gate.agree(lex, {6: 0.9, 7: 0.8, 1: 0.7, 8: 0.6, 9: 0.5}, top=5) == pytest.approx(0.2)
    assert Gate.agree(lex, {1: 0.9, 2: 0.8}, top=10) == pytest.approx(0.2)  # short lists agree on less
    assert Gate.agree(lex, {}) == 0.0


def test_evidence_from_a_query(gate: Gate):
    ev = gate.evidence("明天天气怎么样", [CORPUS[0]], 3.0, {0: 1.0}, {0: 0.9})
    assert ev.bound > 0 and ev.key == 0.0 and 0 < ev.coverage < 1
    assert set(ev.to_dict()) >= set(FEATURES) | {"score", "relevant", "known"}


def test_the_model_reads_only_known_features_and_a_bound_match_counts_against():
    m = model()
    assert set(m.weights) <= set(FEATURES)
    base = dict(z=4.0, coverage=0.5, known=1.0, key=0.5, bound=0.0, lexical=0.3, agree=0.4)
    # a key word found only inside a longer term (天气 in 重污染天气) counts against, through ``key``
    assert Evidence(**{**base, "key": base["key"] * (1 - 0.8)}).score < Evidence(**base).score
    assert Evidence(**{**base, "first": 1.0}).score > Evidence(**base).score
    assert Evidence(**{**base, "maxsim": 0.9}).score > Evidence(**{**base, "maxsim": 0.8}).score
    # nearer the everyday questions than the corpus counts against; nearer the corpus, for
    assert Evidence(**{**base, "everyday": 0.92}).score < Evidence(**{**base, "everyday": 0.85}).score
    assert Evidence(**{**base, "cosine": 0.92}).score > Evidence(**{**base, "cosine": 0.85}).score


def test_a_query_with_no_word_the_corpus_knows_is_never_relevant():
    ev = Evidence(z=6.0, coverage=1.0, known=0.0, key=1.0, lexical=1.0, agree=1.0, maxsim=0.95, cosine=0.93,
                  everyday=0.85)
    assert ev.score > 0 and not ev.relevant


def test_a_name_or_a_word_the_question_narrows_itself_is_not_held_against_it():
    from kb.query.relevance import generic_words

    assert "天气" in generic_words("明天天气怎么样", ["明天", "天气"])
    assert "植物园" not in generic_words("城市植物园怎么建", ["城市", "植物园"])  # the question's own compound


def test_first_asks_whether_each_retrievers_best_is_in_the_others_top():
    lex = {1: 9.0, 2: 8.0, 3: 7.0}
    assert Gate.first(lex, {1: 0.9, 5: 0.8}) == 1.0  # both pick passage 1
    assert Gate.first(lex, {5: 0.9, 1: 0.8}) == 0.5  # lexical best is dense's second; dense best unseen
    assert Gate.first(lex, {5: 0.9, 6: 0.8}) == 0.0
    assert Gate.first(lex, {5: 0.9, 6: 0.8, 7: 0.7, 8: 0.6, 9: 0.5, 1: 0.4}) == 0.0  # sixth is not top five
    assert Gate.first({}, {1: 0.9}) == 0.0


def test_the_question_frame_is_not_taken_for_a_rare_word_the_corpus_lacks(gate: Gate):
    from kb.query.search import question_content

    assert question_content("雨污分流是怎么回事").rstrip("是") == "雨污分流"
    assert question_content("污水处理有哪些措施") == "污水处理措施"
    framed = Gate(gate.data, gate.thesaurus, question_content)
    q = "雨污分流是怎么回事"
    plain = gate.evidence(q, [CORPUS[5]], 3.0, {5: 1.0}, {5: 0.9})
    content = framed.evidence(q, [CORPUS[5]], 3.0, {5: 1.0}, {5: 0.9})
    assert plain.known < 1.0 and plain.coverage < 1.0  # 回事: unknown, rarest of all, missing
    assert content.known == 1.0 and content.coverage == 1.0
    assert content.lexical > plain.lexical  # the frame no longer counts in the query's own score


def test_evidence_takes_the_best_lexical_score_it_is_given(gate: Gate):
    q = "雨污分流改造"
    best = float(gate.data.lexical.scores(q).max())
    computed = gate.evidence(q, [CORPUS[5]], 3.0, {5: best}, {5: 0.9})
    given = gate.evidence(q, [CORPUS[5]], 3.0, {5: best}, {5: 0.9}, best_lexical=best)
    assert given.lexical == computed.lexical > 0
    assert gate.evidence(q, [CORPUS[5]], 3.0, {5: best}, {5: 0.9}, best_lexical=best / 2).lexical < given.lexical


def test_a_word_written_in_the_corpus_is_known_though_jieba_cut_it_otherwise(gate: Gate):
    """雨污分 is no token of the corpus (jieba cut 雨污分流 otherwise) but is written in it: a question
    whose cut keeps such a word whole must still count it as known, or the gate vetoes it outright."""
    assert "雨污分" not in gate.vocabulary and gate.known("雨污分")
    assert not gate.known("公积金")
    assert gate.known("污水")


def test_a_hit_sharing_nothing_of_the_question_never_answers_it():
    from kb.query.relevance import COVERAGE_FLOOR

    strong = dict(z=6.0, coverage=0.5, known=1.0, key=1.0, lexical=0.8, agree=1.0, first=1.0, maxsim=0.95,
                  cosine=0.93, everyday=0.85)
    assert Evidence(**strong).relevant
    bare = Evidence(**{**strong, "coverage": COVERAGE_FLOOR / 10})  # 巴中市有多少人口: only the city's name
    assert bare.score > 0 and not bare.relevant
    assert Evidence(**{**strong, "coverage": 0.0, "quoted": 1.0}).relevant  # a quoted span still answers


def test_a_question_pointing_at_the_document_is_answered_and_a_price_no_hit_states_is_not(gate: Gate):
    strong = dict(z=6.0, coverage=0.5, known=1.0, key=1.0, lexical=0.8, agree=1.0, first=1.0, maxsim=0.95,
                  cosine=0.93, everyday=0.85)
    assert Evidence(**strong).ruled is None  # the model decides
    weak = {**strong, "maxsim": 0.5, "agree": 0.0, "lexical": 0.0, "everyday": 0.95}
    assert not Evidence(**weak).relevant
    assert Evidence(**weak, document=1.0).relevant  # 这份通知由哪两个办公厅联合发布？
    assert not Evidence(**strong, unpriced=1.0).relevant  # 健身房年卡多少钱？ against a clause on fitness
    assert Evidence(**strong, unpriced=1.0, quoted=1.0).relevant


def test_the_gate_reads_prices_and_pointed_at_documents_from_the_hits(gate: Gate):
    q = "污水处理费一吨多少钱？"
    no_price = gate.evidence(q, [CORPUS[0]], 3.0, {0: 1.0}, {0: 0.9})
    priced = gate.evidence(q, [CORPUS[0] + "污水处理费每吨1.2元。"], 3.0, {0: 1.0}, {0: 0.9})
    assert no_price.unpriced == 1.0 and priced.unpriced == 0.0
    # a kind of document this corpus never names is not one the user holds
    assert gate.evidence("本规划的期限是哪几年？", [CORPUS[0]], 3.0, {0: 1.0}, {0: 0.9}).document == 0.0
    texts = [*CORPUS, "本规划期限为2021—2025年。"]
    tokenizer = JiebaTokenizer()
    data = SimpleNamespace(lexical=LexicalBackend.build(texts, tokenizer), tokenizer=tokenizer,
                           leaves=[SimpleNamespace(text=t) for t in texts])
    planned = Gate(data)
    assert planned.evidence("本规划的期限是哪几年？", [CORPUS[0]], 3.0, {0: 1.0}, {0: 0.9}).document == 1.0
    assert planned.evidence("这份合同怎么签？", [CORPUS[0]], 3.0, {0: 1.0}, {0: 0.9}).document == 0.0
