"""kb eval uses the metric definitions of shared/eval/score.py."""

import pytest

from kb.tools.evaluate import is_hit, norm, score

QUESTIONS = [
    {"id": "a", "q": "q1", "gold": [["污水处理率", "96%"]], "owners": ["南江县"]},
    {"id": "b", "q": "q2", "gold": [["不存在"], ["秸秆“五化”"]]},
    {"id": "c", "q": "q3", "gold": [["找不到"]]},
]
RESULTS = {
    "q1": ["城镇 污水处理率达 96% 以上", "x"],
    "q2": ["无关", "无关", "推进秸秆五化利用"],
    "q3": ["无关"],
}


def test_norm_and_hits_ignore_whitespace_and_quotes():
    assert norm(" 秸秆“五化” ") == "秸秆五化"
    assert is_hit("推进秸秆 五化", [["秸秆“五化”"]])
    assert not is_hit("城镇污水处理率", [["污水处理率", "96%"]])  # every string of one alternative


def test_metrics():
    r = score(QUESTIONS, lambda q: RESULTS[q], lambda q: ["南江县、通江县"] if q == "q1" else [])
    assert r.n == 3
    assert r.hit1 == pytest.approx(1 / 3)
    assert r.hit5 == pytest.approx(2 / 3)
    assert r.mrr10 == pytest.approx((1 + 1 / 3) / 3)
    assert r.owner_recall == 1.0
    assert r.median_top1_len == len(norm("无关"))
    assert [m["id"] for m in r.misses] == ["b", "c"] and r.misses[0]["rank"] == 3
