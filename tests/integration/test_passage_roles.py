"""Passages that share their words but play different roles: a rule and the penalty article citing it,
a glossary entry and the passage that uses its term.  Which one answers depends on what is asked."""

from __future__ import annotations

import pytest
from support.fakes import fake_kb

from kb.query.search import rule_before_penalty
from kb.text.patterns import article_number, breached_articles, defined_term
from kb.text.questions import asks_definition, asks_penalty

#: A penalty article that repeats its rule's words, and more of them.
RULES = """青山县河道保护办法

第一章 总则

第一条 为了保护河道，制定本办法。

第二章 保护

第二条 在河道管理范围内禁止下列行为：
（一）倾倒垃圾、渣土；
（二）运输剧毒物品的车辆在堤顶通行。

第三章 法律责任

第三条 违反本办法第二条规定，在河道管理范围内倾倒垃圾、渣土的，处一千元以上五千元以下的罚款；运输剧毒物品的车辆在河道堤顶通行的，由公安机关处罚；运输剧毒物品的车辆造成河道污染的，依法赔偿。
"""


#: A plan whose glossary entry repeats the words of a question about the measure that uses its term.
PLAN = """青山县住房发展规划

第一章 城市更新

推进旧区改造。稳妥推进旧区改造和城中村改造，推广房票安置方式，保障被征收人合法权益。

附件 名词解释

1.房票安置。指由房屋征收部门出具给被征收人用于购置商品住房的结算凭证，被征收人凭房票安置购房。

2.城中村。指城市建成区内仍保留农村形态的村庄。
"""


@pytest.fixture(scope="module")
def rules_kb(tmp_path_factory):
    return fake_kb(tmp_path_factory.mktemp("rules_kb"), {"river_rules.txt": RULES, "housing_plan.txt": PLAN})


def test_a_question_about_what_is_allowed_gets_the_rule(rules_kb):
    hits = rules_kb.search("运输剧毒物品的车辆能不能在河道堤顶通行？", k=3)
    assert article_number(hits[0].node.title) == 2
    assert [h.rank for h in hits] == list(range(1, len(hits) + 1))


def test_a_question_about_the_penalty_gets_the_penalty(rules_kb):
    [top, *_] = rules_kb.search("运输剧毒物品的车辆在河道堤顶通行，会被怎么处罚？", k=3)
    assert article_number(top.node.title) == 3


def test_the_penalty_comes_first_without_the_rule(rules_kb):
    # the ranking itself puts the penalty first: the rule above is what moved it
    searcher = rules_kb.searcher
    hits = searcher.search("运输剧毒物品的车辆能不能在河道堤顶通行？", k=3)
    raw = sorted(hits, key=lambda h: -h.score)
    assert article_number(raw[0].node.title) == 3
    assert rule_before_penalty(raw)[0].node is hits[0].node


def test_a_question_about_a_measure_gets_the_passage_that_takes_it(rules_kb):
    q = "征收以后会不会给被征收人发房票安置？"
    hits = rules_kb.search(q, k=3)
    assert "推广房票安置方式" in hits[0].node.text
    # the ranking itself put the glossary entry first
    assert defined_term(sorted(hits, key=lambda h: -h.score)[0].node.text) == "房票安置"


def test_a_question_about_what_a_term_means_gets_the_glossary(rules_kb):
    [top, *_] = rules_kb.search("房票安置是什么意思？", k=3)
    assert defined_term(top.node.text) == "房票安置"


def test_glossary_entries_are_read_from_their_wording():
    assert defined_term("19.房票安置。指由房屋征收部门出具的结算凭证。") == "房票安置"
    assert defined_term("5.“三所联动”。指强化派出所、司法所、律师事务所三方联动") == "三所联动"
    assert defined_term("第三条本条例所称河长制，是指按行政区域设立总河长") == "河长制"
    assert defined_term("（一）东江流域是指从广东省龙川县合河坝至出海口") == "东江流域"
    # 指 inside a word, or no separator: no entry
    assert defined_term("强化监管，指导企业落实主体责任。") is None
    assert defined_term("坚持生态优先。指标体系逐步完善。") is None
    assert defined_term("全市域指数稳中向好。") is None
    assert asks_definition("房票是什么意思") and asks_definition("河长制是怎么回事？")
    assert not asks_definition("会不会发房票？")
    assert asks_definition("“三所联动”是哪三所？")


def test_citations_and_cues():
    assert breached_articles("第六十五条违反本条例第四十三条第一款规定，处罚；违反本条例第四十三条第二款、违反本办法第7条") == [43, 7]
    assert breached_articles("依照本条例第四十三条的规定划定") == []
    assert article_number("第四十三条 在饮用水水源保护区内禁止下列行为") == 43
    assert article_number("第三节 船舶") is None
    assert asks_penalty("拆了界碑要罚多少钱？") and asks_penalty("违反了会有什么后果")
    assert not asks_penalty("运剧毒物品的车能不能开过去？") and not asks_penalty("把界碑挪走算不算违法？")
