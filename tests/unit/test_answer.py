"""Answer composition: sentence choice, owners from the cited clause, follow-ups, the general rule."""

from __future__ import annotations

from kb.document import Node
from kb.query.answer import best_sentences, compose, contextualize, general_rule
from kb.query.search import Hit
from kb.text.questions import asks_deadline, asks_owner


def words(text: str) -> list[str]:
    """A crude word splitter for tests: runs of two CJK characters."""
    return [text[i : i + 2] for i in range(0, len(text) - 1)]


def overlap_weigh(question: str):
    q = set(words(question))
    return lambda s: float(len(q & set(words(s))))


CLAUSE = Node(
    id="ch2.s1.c1", kind="clause", title="推进污水管网建设", parent="ch2.s1", doc="示范规划", page=3,
    text="推进污水管网建设。到2025年，新建城镇污水管网300公里。由市住房城乡建设局牵头，市生态环境局配合。"
         "加强汛期巡查。",
    path=("第二章 重点任务", "第一节 治理城镇污水"), chapter=2,
)
NO_OWNER = Node(
    id="ch2.s2.c1", kind="clause", title="加强秸秆禁烧管控", parent="ch2.s2", doc="示范规划", page=4,
    text="加强秸秆禁烧管控。建立网格化监管体系，确保秸秆综合利用率不低于92%。",
    path=("第二章 重点任务", "第二节 管控农业面源"), chapter=2,
)
RULE_SECTION = Node(id="ch9.s1", kind="section", title="第一节 加强组织领导", parent="ch9", doc="示范规划",
                    path=("第九章 保障措施",), chapter=9)
RULE = Node(id="ch9.s1.c1", kind="clause", title="各级政府要切实履行职责", parent="ch9.s1", doc="示范规划",
            text="各级政府要切实履行职责，确保规划落实。", path=("第九章 保障措施", "第一节 加强组织领导"), chapter=9)
NODES = [CLAUSE, NO_OWNER, RULE_SECTION, RULE]


def test_question_kinds():
    assert asks_owner("哪个部门负责污水管网？") and asks_owner("谁来牵头？")
    assert not asks_owner("污水管网建多少公里？")
    assert asks_deadline("什么时候完成？") and not asks_deadline("建多少公里？")


def test_best_sentences_pick_the_one_that_answers():
    picked = best_sentences(CLAUSE.text, overlap_weigh("污水管网要新建多少公里"))
    assert any("300公里" in s for s in picked)
    assert len(picked) <= 3


def test_owners_come_from_the_answering_sentences():
    q = "哪个部门牵头污水管网建设？"
    hits = [Hit(1, 1.0, CLAUSE)]
    a = compose(q, q, hits, True, ["污水管网", "牵头"], NODES, words, overlap_weigh(q))
    assert a.found
    assert any("住房城乡建设局" in o for o in a.owners)
    assert a.citations[0].node is CLAUSE
    assert "【" in a.answer


def test_no_owner_cites_the_general_rule():
    q = "秸秆综合利用率由谁负责？"
    a = compose(q, q, [Hit(1, 1.0, NO_OWNER)], True, ["秸秆", "综合利用率"], NODES, words, overlap_weigh(q))
    assert a.owners == ()
    assert a.general_rule is RULE
    assert "未写明责任主体" in a.note
    assert [t.value for t in a.targets] == ["92"]


def test_not_found_is_not_an_answer():
    q = "护照怎么办理？"
    a = compose(q, q, [Hit(1, 0.2, NO_OWNER)], False, ["护照"], NODES, words, overlap_weigh(q))
    assert not a.found and a.answer == "" and a.owners == () and a.source is None
    assert a.citations and "没有找到" in a.note
    d = a.to_dict()
    assert set(d) >= {"question", "answer", "owners", "targets", "deadlines", "citations"}


def test_general_rule_is_found_by_section_title():
    assert general_rule(NODES) is RULE
    assert general_rule([CLAUSE, NO_OWNER]) is None


def test_follow_up_folds_in_the_previous_question():
    assert contextualize("那到什么时候完成？", ["农民烧秸秆怎么管？"], words) == "农民烧秸秆怎么管？ 那到什么时候完成？"
    assert contextualize("城镇污水处理率要达到多少？", ["农民烧秸秆怎么管？"], words) == "城镇污水处理率要达到多少？"
    assert contextualize("那到什么时候完成？", [], words) == "那到什么时候完成？"


def _clause(doc: str, cid: str, text: str) -> Node:
    return Node(id=cid, kind="clause", title=text[:6], parent=None, doc=doc, text=text, chapter=1)


def test_bare_place_names_are_read_with_the_names_their_own_document_defines():
    # plan A names its counties in full somewhere; plan B uses the same bare word for something else
    a_list = _clause("甲规划", "c1", "支持云溪县、石门县和白沙区建设生态示范县（区）。")
    a_bare = _clause("甲规划", "c2", "推进云溪5万千瓦风电项目建设。")
    b_bare = _clause("乙规划", "c1", "推进云溪5万千瓦风电项目建设。")
    nodes = [a_list, a_bare, b_bare]
    q = "风电项目在哪个县建设？"
    a = compose(q, q, [Hit(1, 1.0, a_bare)], True, ["风电项目"], nodes, words, overlap_weigh(q))
    assert a.owners == ("云溪县",)
    b = compose(q, q, [Hit(1, 1.0, b_bare)], True, ["风电项目"], nodes, words, overlap_weigh(q))
    assert b.owners == ()


def test_an_item_opened_by_a_paragraph_is_answered_from_its_whole_text():
    item = Node(id="box1.i1", kind="item", title="推进锅炉改造", parent="box1", doc="示范规划",
                text="推进锅炉改造，到2025年完成10台改造。\n新建监测站点3个。")
    q = "锅炉改造要完成多少台？"
    a = compose(q, q, [Hit(1, 1.0, item)], True, ["锅炉改造"], [item], words, overlap_weigh(q))
    assert [t.value for t in a.targets] == ["10"]


def test_a_hundred_follow_ups_keep_the_topic_and_stay_short():
    from kb.query.answer import contextualize
    from kb.query.search import MAX_QUERY_CHARS, clean_query
    from kb.text.tokenize import JiebaTokenizer

    words = JiebaTokenizer(bigrams=False).words
    history = ["农民烧秸秆怎么管？"]
    follow_ups = ["那到什么时候完成？", "这个由谁负责？", "还有呢？"]
    for turn in range(100):
        q = follow_ups[turn % len(follow_ups)]
        searched = contextualize(q, history, words)
        assert "秸秆" in searched, (turn, searched)
        assert len(clean_query(searched)) <= MAX_QUERY_CHARS
        assert len(searched) < 40
        history.append(q)


def test_a_new_topic_is_not_glued_to_the_old_one():
    from kb.query.answer import contextualize
    from kb.text.tokenize import JiebaTokenizer

    words = JiebaTokenizer(bigrams=False).words
    q = "城镇污水处理率要达到多少？"
    assert contextualize(q, ["农民烧秸秆怎么管？"], words) == q


def test_bare_places_of_the_answering_sentence_join_the_full_names_beside_them():
    teach = Node(id="ch1.c1", kind="clause", title="t", parent="ch1", doc="甲规划", chapter=1,
                 text="支持云溪县、石门县和白沙区建设生态示范县（区）。")
    box = Node(id="box1.i1", kind="item", title="良好水体保护", parent="box1", doc="甲规划", chapter=2,
               text="对云溪县红鱼水库，石门双桥水库，白沙区黄石水库等良好水体实施岸坡修整。")
    q = "哪些地方的水库要实施岸坡修整？"
    a = compose(q, q, [Hit(1, 1.0, box)], True, ["岸坡修整"], [teach, box], words, overlap_weigh(q))
    assert a.owners == ("云溪县", "白沙区", "石门县")


def test_the_rest_of_a_clause_counts_only_where_it_assigns():
    clause = Node(id="ch3.c1", kind="clause", title="t", parent="ch3", doc="乙规划", chapter=3,
                  text="加快推进云溪县、石门县污水管网建设。到2025年管网覆盖率达到90%。"
                       "由市住房城乡建设局牵头，市水务局配合。")
    q = "管网覆盖率目标由哪个部门负责？"
    a = compose(q, q, [Hit(1, 1.0, clause)], True, ["管网覆盖率"], [clause], words,
                lambda s: 2.0 if "覆盖率" in s else 0.0)
    assert a.owners == ("市住房城乡建设局", "市水务局")


NOTICE = Node(id="preamble", kind="preamble", title="关于加强某项建设的通知", parent=None, doc="某通知",
              text="关于加强某项建设的通知\n……\n甲部办公厅\n乙总局办公厅\n2019年8月20日",
              owners=(("甲部办公厅", "issuer"), ("乙总局办公厅", "issuer")))


def test_who_issued_this_notice_is_answered_from_its_header_even_when_little_else_matches():
    q = "这份通知由哪两个办公厅联合发布？"
    other = Hit(1, 0.3, NO_OWNER)
    a = compose(q, q, [other, Hit(2, 0.2, NOTICE)], False, ["通知"], [*NODES, NOTICE], words, overlap_weigh(q))
    assert a.found and a.source is NOTICE
    assert a.owners == ("甲部办公厅", "乙总局办公厅")
    # Another question whose best passage is the preamble does not credit its issuers.
    q2 = "这项建设的主要内容是什么？"
    b = compose(q2, q2, [Hit(1, 1.0, NOTICE)], True, ["建设"], [NOTICE], words, overlap_weigh(q2))
    assert b.owners == ()
    # Nor does a declined question that is not about the document itself.
    c = compose("哪个部门负责发布天气预报？", "x", [Hit(1, 0.2, NOTICE)], False, [], [NOTICE], words, overlap_weigh("x"))
    assert not c.found and c.owners == ()


def test_a_headers_addressees_and_cited_documents_are_not_owners():
    pre = Node(id="preamble", kind="preamble", title="某市人民政府办公厅关于某事的实施意见", parent=None, doc="某意见",
               text="某市人民政府办公厅关于某事的实施意见\n各区人民政府，市政府各委、办、局：\n"
                    "为贯彻落实《国务院办公厅关于某事的指导意见》，现提出以下实施意见。\n某市人民政府办公厅\n2022年12月28日",
               owners=(("某市人民政府办公厅", "issuer"),))
    q = "这份实施意见是为贯彻哪个文件而制定的？"
    a = compose(q, q, [Hit(1, 1.0, pre)], True, ["贯彻"], [pre], words, overlap_weigh(q))
    assert a.owners == ()
    q2 = "这份意见是哪个单位发布的？"
    b = compose(q2, q2, [Hit(1, 1.0, pre)], True, ["发布"], [pre], words, overlap_weigh(q2))
    assert b.owners == ("某市人民政府办公厅",)


def test_a_task_whose_note_closes_its_last_paragraph_owns_the_first_one_too():
    first = Node(id="s3.c1", kind="clause", title="推进开放共享", parent="s3", doc="某意见",
                 text="逐步推动公园绿地全面免费开放。")
    last = Node(id="s3.c2", kind="clause", title="附属绿地", parent="s3", doc="某意见",
                text="引导附属绿地分时段开放。（责任部门：市绿化局、市规划局）",
                owners=(("市绿化局", "lead"), ("市规划局", "lead")))
    q = "公园免费开放由哪个部门负责？"
    a = compose(q, q, [Hit(1, 1.0, first)], True, ["免费开放"], [first, last], words, overlap_weigh(q))
    assert a.owners == ("市绿化局", "市规划局") and a.source is first


def test_a_question_on_the_tasks_of_this_document_is_not_about_its_issuer():
    q = "这份通知的某项建设由哪个部门负责？"
    hits = [Hit(1, 1.0, CLAUSE), Hit(2, 0.9, NOTICE)]
    a = compose(q, q, hits, True, ["建设"], [*NODES, NOTICE], words, overlap_weigh(q))
    assert a.source is CLAUSE and "甲部办公厅" not in a.owners


def test_a_sentence_that_gives_different_work_to_different_bodies_answers_with_the_asked_ones():
    teach = Node(id="ch1.c1", kind="clause", title="t", parent="ch1", doc="甲规划", chapter=1,
                 text="支持云溪县、石门县和白沙区建设生态示范县（区）。")
    clause = Node(id="ch7.c1", kind="clause", title="t", parent="ch7", doc="甲规划", chapter=7,
                  text="中心城区（白沙区）实施垃圾分类试点，云溪县、石门县分别实施收转运设施建设项目。")
    q = "哪些县要实施收转运设施建设项目？"
    a = compose(q, q, [Hit(1, 1.0, clause)], True, ["收转运"], [teach, clause], words, overlap_weigh(q))
    assert a.owners == ("云溪县", "石门县")
    # an object list opened by 对 runs over commas to the clause that carries its verb
    box = Node(id="box1.i2", kind="item", title="t", parent="box1", doc="甲规划", chapter=2,
               text="良好水体保护项目：对云溪县红鱼水库，石门县双桥水库，白沙区黄石水库等良好水体实施岸坡修整。")
    q2 = "哪些地方的良好水体要实施岸坡修整？"
    b = compose(q2, q2, [Hit(1, 1.0, box)], True, ["岸坡修整"], [teach, box], words, overlap_weigh(q2))
    assert b.owners == ("云溪县", "石门县", "白沙区")
