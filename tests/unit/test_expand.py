from kb.query.expand import expand, thesaurus


def test_everyday_word_brings_the_plan_term():
    e = expand("村里的臭水沟谁来管？")
    assert "臭水沟" in e.words and "黑臭水体" in e.terms


def test_longest_word_wins_and_terms_already_asked_are_not_added():
    assert expand("臭水沟").words == ("臭水沟",)  # not also 臭水, which it covers
    assert "黑臭水体" not in expand("黑臭水体和臭水沟").terms


def test_no_thesaurus_word_means_no_expansion():
    assert not expand("第三章第二节")


def test_thesaurus_terms_are_in_search_form():
    assert "pm2.5" in thesaurus()["雾霾"]


def test_every_thesaurus_line_maps_a_word_to_other_terms():
    """A line is ``word = terms``; a word that maps only to itself adds nothing and is a slip."""
    from kb.lexicon import lexicon

    for line in lexicon("thesaurus"):
        word, sep, terms = line.partition("=")
        assert sep and word.strip() and terms.split(), line
        assert set(terms.split()) != {word.strip()}, line


def test_the_thesaurus_covers_the_topics_of_several_kinds_of_plan():
    """Not only the environment: river chiefs, parks, tax credit and public services too."""
    for question, term in (("河两边不许盖房子吧", "左右岸"), ("公园晚上开放吗", "延时开放"),
                           ("老赖会被怎么样", "联合惩戒"), ("养老院够不够", "养老机构"),
                           ("发黑发臭的水塘", "黑臭")):
        assert term in expand(question).terms, question


def test_no_thesaurus_word_is_listed_twice():
    """thesaurus() merges repeated words silently, so a second line would hide which terms are meant."""
    from collections import Counter

    from kb.lexicon import lexicon

    words = Counter(line.partition("=")[0].strip() for line in lexicon("thesaurus"))
    assert [w for w, n in words.items() if n > 1] == []


def test_the_third_pass_bridges_everyday_words_of_other_topics():
    """Entries read off the corpora's own terms: credit, finance, greening, the river-chief system."""
    for question, term in (("做生意不守信用会怎样", "失信"), ("小企业借钱难怎么办", "融资难融资贵"),
                           ("公园能不能少铺草皮", "草坪"), ("看到偷排污水找谁反映情况", "举报")):
        assert term in expand(question).terms, question


def test_the_fourth_pass_bridges_topics_beyond_the_two_corpora():
    """Waterlogging, waste sorting, light pollution: what other cities' plans treat in their own terms."""
    for question, term in (("一下大雨马路淹了怎么办", "内涝"), ("旧电池扔哪个桶", "有害垃圾"),
                           ("对面广告屏太亮晚上睡不着", "光污染"), ("河里留点水不让断流吗", "生态流量")):
        assert term in expand(question).terms, question
