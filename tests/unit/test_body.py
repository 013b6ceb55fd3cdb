"""A node's body: the text without the heading line it repeats (kb.text.body)."""

from __future__ import annotations

from kb.document import Node
from kb.text.body import body_text


def _item(title: str, text: str) -> Node:
    return Node(id="box1.i1", kind="item", title=title, parent="box1", doc="示范规划", text=text)


def test_a_heading_line_is_not_body():
    node = _item("（一）大气污染治理工程", "（一）大气污染治理工程\n到2025年，完成10台锅炉改造。\n新建站点3个。")
    assert body_text(node) == "到2025年，完成10台锅炉改造。\n新建站点3个。"


def test_a_title_taken_from_the_lead_words_keeps_the_whole_text():
    # the segmenter titles an item opened by a paragraph with its lead words: nothing is dropped
    text = "推进锅炉改造，完成10台改造。\n新建站点3个。"
    assert body_text(_item("推进锅炉改造", text)) == text
    assert body_text(_item("推进锅炉改造", "推进锅炉改造，完成10台改造。")) == "推进锅炉改造，完成10台改造。"


def test_a_heading_alone_is_its_own_body():
    assert body_text(_item("（二）建设监测站3个", "（二）建设监测站3个")) == "（二）建设监测站3个"


def test_other_nodes_read_whole_even_when_they_open_with_their_title():
    # a preamble's first line is often the document's own title: that is content
    preamble = Node(id="preamble", kind="preamble", title="某某条例", parent=None, doc="d",
                    text="某某条例\n2020年12月3日通过。")
    assert body_text(preamble) == preamble.text
    clause = Node(id="c1", kind="clause", title="加强巡查", parent=None, doc="d", text="加强巡查\n建立台账。")
    assert body_text(clause) == clause.text
