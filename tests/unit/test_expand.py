from kb.query.expand import expand, thesaurus


def test_everyday_word_brings_the_plan_term():
    e = expand("村里的臭水沟谁来管？")
    assert "臭水沟" in e.words and "黑臭水体" in e.terms


def test_longest_word_wins_and_terms_already_asked_are_not_added():
    e = expand("黑臭水体和臭水沟")
    assert "黑臭水体" not in e.terms
    assert "臭水" not in e.words  # covered by the longer 臭水沟


def test_no_thesaurus_word_means_no_expansion():
    assert not expand("第三章第二节")


def test_thesaurus_terms_are_in_search_form():
    assert "pm2.5" in thesaurus()["雾霾"]
