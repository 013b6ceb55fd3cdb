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
