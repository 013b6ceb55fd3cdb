"""Marking matched terms (kb.text.marks)."""

from __future__ import annotations

from kb.text.marks import mark


def test_mark_longest_first_without_overlap():
    out = mark("城镇污水处理率达96%，污水管网延伸", ["污水", "城镇污水处理率", "96%", ""])
    assert out == "【城镇污水处理率】达【96%】，【污水】管网延伸"


def test_mark_without_terms_is_identity():
    assert mark("原文不变", []) == "原文不变"


def test_mark_is_the_same_whatever_the_order_of_equal_length_terms():
    text = "水质水量"
    assert mark(text, ["水质", "质水"]) == mark(text, ["质水", "水质"]) == "【水质】水量"
