"""phrase_cover: how much of a question a clause repeats in runs, the plain-words signal of the ranking."""

import pytest

from kb.query.search import phrase_cover


def test_runs_found_in_order_cover_the_question():
    row = "指标名称：生态质量指数(新ei)(%)；2020年基准值：73.5；2025年目标：≥73.5"
    q = "生态质量指数的2025年目标是多少"
    # 生态质量指数 (6) and 2025年目标 (7) of 17 characters; 的 and 是多少 are not in the row
    assert phrase_cover(q, row) == pytest.approx(13 / 17)


def test_scattered_words_cover_little():
    q = "生态质量指数的目标"
    assert phrase_cover(q, "指数很高，质量一般，生态不错") == 0.0
    assert phrase_cover(q, "生态质量指数") > phrase_cover(q, "生态质量和指数")


def test_runs_shorter_than_the_least_do_not_count():
    assert phrase_cover("河长巡河", "河长和巡河") == 0.0
    assert phrase_cover("河长巡河", "河长和巡河", least=2) == 1.0


def test_empty_question_or_text():
    assert phrase_cover("", "anything") == 0.0
    assert phrase_cover("黑臭水体", "") == 0.0


def test_the_dense_query_drops_the_question_frame():
    from kb.query.search import question_content

    assert question_content("烧煤的锅炉会不会改成用天然气吗？".rstrip("？")) == "烧煤的锅炉改成用天然气"
    assert question_content("河长多长时间要巡一次河呢") == "河长多长时间要巡一次河"
    assert question_content("怎么样") == "怎么样"  # nothing but frame: the question stays as it is
    assert question_content("黑臭水体治理") == "黑臭水体治理"


def test_title_runs_are_taken_out_of_the_question():
    from kb.query.search import without_runs

    assert without_runs("重庆市河长制条例自何时起施行", "重庆市河长制条例") == "自何时起施行"
    assert without_runs("河长巡河", "河长制条例") == "河长巡河"  # 河长 alone is shorter than a run
