import pytest

from kb.query.fusion import minmax, rrf, top, weighted


def test_rrf_rewards_agreement():
    fused = rrf([["a", "b", "c"], ["b", "a", "d"]], k=60)
    assert fused["a"] == pytest.approx(1 / 61 + 1 / 62)
    assert fused["b"] == fused["a"]
    assert fused["a"] > fused["c"] and fused["a"] > fused["d"]
    assert fused["c"] == pytest.approx(1 / 63)


def test_rrf_weights_shift_the_order():
    fused = rrf([["x", "y"], ["y", "x"]], k=1, weights=[2.0, 1.0])
    assert top(fused, 2)[0][0] == "x"
    with pytest.raises(ValueError):
        rrf([["x"]], weights=[1.0, 2.0])


def test_minmax_and_weighted():
    assert minmax({"a": 2.0, "b": 4.0}) == {"a": 0.0, "b": 1.0}
    assert minmax({"a": 3.0, "b": 3.0}) == {"a": 1.0, "b": 1.0}
    assert minmax({}) == {}
    fused = weighted([{"a": 10.0, "b": 0.0}, {"a": 0.1, "b": 0.9, "c": 0.5}], [0.5, 0.5])
    assert fused["a"] == pytest.approx(0.5)
    assert fused["b"] == pytest.approx(0.5)
    assert fused["c"] == pytest.approx(0.25)


def test_top_is_stable_on_ties():
    assert top({"b": 1.0, "a": 1.0, "c": 0.5}, 2) == [("a", 1.0), ("b", 1.0)]
