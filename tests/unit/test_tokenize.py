"""Tokenisation for BM25: normalisation, question words, the corpus dictionary."""

from kb.text.tokenize import JiebaTokenizer, corpus_terms, normalize_query


def test_normalize_query_folds_width_and_case():
    assert normalize_query("ＰＭ２．５浓度") == "pm2.5浓度"
    assert normalize_query("  VOCs ") == "vocs"


def test_question_words_are_not_search_terms():
    tok = JiebaTokenizer()
    words = tok.words("哪些部门负责环境应急联动？怎么管？")
    assert "哪些" not in words and "怎么" not in words and "？" not in words
    assert "应急" in words and "联动" in words


def test_bigrams_and_unigrams_stay_inside_content_runs():
    tok = JiebaTokenizer()
    tokens = tok("农民烧秸秆怎么管")
    assert "#秸秆" in tokens and "@秆" in tokens
    assert "#怎么" not in tokens and "@么" not in tokens  # stopwords break runs
    assert "#秆管" not in tokens


def test_user_words_are_kept_whole():
    plain = JiebaTokenizer()
    custom = JiebaTokenizer(["手傍岩断面"])
    assert "手傍岩断面" in custom.words("国控断面手傍岩断面水质")
    assert "手傍岩断面" not in plain.words("国控断面手傍岩断面水质")


def test_corpus_terms_take_names_on_word_boundaries():
    terms = corpus_terms(["支持南江县建设生态经济强县，推动巴州、平昌等县（区）建设“绿色工厂”，见《巴中市扬尘污染防治条例》。"],
                         ["第三节 推进清洁能源发展"])
    assert "南江县" in terms and "绿色工厂" in terms and "巴中市扬尘污染防治条例" in terms
    assert "推进清洁能源发展" in terms
    assert "态经济强县" not in terms and "支持南江县" not in terms and "平昌等县" not in terms


def test_cuts_are_remembered_but_every_caller_gets_its_own_list():
    tok = JiebaTokenizer(["城镇污水处理率"])
    text = "城镇污水处理率2025年要达到多少？"
    first, words = tok(text), tok.words(text)
    assert first == tok._cut_tokens(text) and words == tok._cut_words(text)
    first.append("changed")
    words.clear()
    assert tok(text) == tok._cut_tokens(text) and "changed" not in tok(text) and tok.words(text)
    assert tok._tokens.cache_info().hits >= 2
    other = JiebaTokenizer()  # another word table: its own cuts
    assert "城镇污水处理率" in tok.words(text) and "城镇污水处理率" not in other.words(text)


def test_pos_cut_tags_as_jieba_posseg_does_without_a_second_dictionary():
    import jieba.posseg

    from kb.text import tokenize

    for text in ("重污染天气", "明天天气怎么样", "辰山植物园", "引导农民", "巴州区人民政府"):
        assert tokenize.pos_cut(text) == [(w.word, w.flag) for w in jieba.posseg.lcut(text)]
    assert any(tokenize._TAGGER.tokenizer is base for base in tokenize._BASES.values())
