"""A question about what a regulation forbids is answered by the rule, not by the penalty article citing it."""

from __future__ import annotations

import pytest
from support.fakes import HashEncoder

from kb.knowledge import KnowledgeBase
from kb.query.search import rule_before_penalty
from kb.text.patterns import article_number, breached_articles
from kb.text.questions import asks_penalty

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


@pytest.fixture(scope="module")
def rules_kb(tmp_path_factory):
    corpus = tmp_path_factory.mktemp("penalty-corpus")
    (corpus / "river_rules.txt").write_text(RULES, encoding="utf-8")
    folder = tmp_path_factory.mktemp("penalty") / "index"
    KnowledgeBase.build(corpus, folder, encoder=HashEncoder(), progress=False)
    return KnowledgeBase.open(folder, encoder=HashEncoder())


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


def test_citations_and_cues():
    assert breached_articles("第六十五条违反本条例第四十三条第一款规定，处罚；违反本条例第四十三条第二款、违反本办法第7条") == [43, 7]
    assert breached_articles("依照本条例第四十三条的规定划定") == []
    assert article_number("第四十三条 在饮用水水源保护区内禁止下列行为") == 43
    assert article_number("第三节 船舶") is None
    assert asks_penalty("拆了界碑要罚多少钱？") and asks_penalty("违反了会有什么后果")
    assert not asks_penalty("运剧毒物品的车能不能开过去？")
