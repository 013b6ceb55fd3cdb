"""Owner notes and issuers: the bodies a plan's own notes, header and signature name."""

from __future__ import annotations

from kb.document import Node
from kb.ingest.parse import parse_file
from kb.text.notes import Owner, find_issuers, is_note, split_note, task_owners


def test_a_closing_note_gives_lead_and_support_owners():
    rest, owners = split_note("推进绿道建设。（牵头单位：市绿化局；配合单位：市水务局、各区政府）")
    assert rest == "推进绿道建设。"
    assert owners == (Owner("市绿化局", "lead"), Owner("市水务局", "support"), Owner("各区政府", "support"))


def test_issuers_from_the_signature_above_the_closing_date():
    lines = ["甲部办公厅 文件乙 总 局 办 公 厅", "关于加强某项建设的通知", "各省、自治区：", "现通知如下。",
             "甲部办公厅", "乙总局办公厅", "2019年8月20日"]
    assert find_issuers(lines) == (Owner("甲部办公厅", "issuer"), Owner("乙总局办公厅", "issuer"))


def test_issuers_from_front_matter_then_from_a_red_header():
    assert find_issuers(["标题: 关于某事的通知", "发布单位: 某市绿化和市容管理局", "正文。"]) == (
        Owner("某市绿化和市容管理局", "issuer"),)
    assert find_issuers(["某市人民政府办公室文件", "关于某事的通知", "正文。"]) == (Owner("某市人民政府办公室", "issuer"),)


def test_a_plan_without_header_or_signature_has_no_issuer():
    assert find_issuers(["某市“十四五”生态环境保护规划", "2021年12月", "前言"]) == ()
    # a date alone in the text is not a signature
    assert find_issuers(["会议纪要。", "2019年8月20日"]) == ()


def _clause(cid: str, parent: str, owners=()) -> Node:
    return Node(id=cid, kind="clause", title=cid, parent=parent, doc="某意见", text="推进某项工作。", owners=owners)


def test_one_note_after_the_last_paragraph_closes_the_whole_task():
    a, b = _clause("s1.c1", "s1"), _clause("s1.c2", "s1", (("市绿化局", "lead"),))
    assert task_owners([a, b]) == {("某意见", "s1.c1"): (("市绿化局", "lead"),)}


def test_paragraphs_with_notes_of_their_own_lend_none_to_the_others():
    kids = [_clause("s2.c1", "s2", (("甲局", "lead"),)), _clause("s2.c2", "s2"), _clause("s2.c3", "s2", (("乙局", "lead"),))]
    assert task_owners(kids) == {}
    # a note that does not close the heading's last paragraph closes only its own
    assert task_owners([_clause("s3.c1", "s3", (("甲局", "lead"),)), _clause("s3.c2", "s3")]) == {}


def test_a_bracket_of_assignments_is_a_note_too():
    rest, owners = split_note("推进绿道建设。（市绿化市容局牵头，市水务局、各区政府配合）")
    assert rest == "推进绿道建设。"
    assert owners == (Owner("市绿化市容局", "lead"), Owner("市水务局", "support"), Owner("各区政府", "support"))
    assert [o.name for o in split_note("推进建设。（市绿化局、市水务局按职责分工负责）")[1]] == ["市绿化局", "市水务局"]
    # brackets that assign nothing, or name no body, are text
    for text in ("推进绿道建设（2023年底前完成）。", "建立制度（市场主导、政府引导）。", "加强监管（企业负责）"):
        assert split_note(text) == (text, ())


def test_a_label_without_brackets_closes_a_paragraph_or_stands_alone():
    assert [o.name for o in split_note("推进绿道建设。责任单位：市绿化市容局、市水务局")[1]] == ["市绿化市容局", "市水务局"]
    assert is_note("责任单位：市绿化市容局、市水务局") and is_note("（市生态环境局负责）")
    assert split_note("明确责任单位：要求各地落实")[1] == ()  # a label inside a sentence is no note


def test_segmenter_attaches_the_new_note_forms(tmp_path):
    path = tmp_path / "plan.txt"
    path.write_text("\n".join(["一、主要任务", "（一）治理黑臭水体。全面排查整治。（市水务局牵头，各区政府配合）",
                               "（二）推进垃圾分类。完善分类体系。", "责任单位：市绿化市容局"]), encoding="utf-8")
    clauses = [n for n in parse_file(path).nodes if n.kind == "clause"]
    assert len(clauses) == 2
    assert clauses[0].owners == (("市水务局", "lead"), ("各区政府", "support"))
    assert clauses[1].owners == (("市绿化市容局", "lead"),)


def test_a_regulation_is_issued_by_the_congress_that_adopted_it():
    lines = ["某市河长制条例", "2020年12月3日某市第五届人民代表大会常务委员会第二十二次会议通过"]
    assert find_issuers(lines) == (Owner("某市人民代表大会常务委员会", "issuer"),)


def test_a_list_of_places_shares_the_head_noun_of_its_last_item():
    from kb.text.notes import parse_note

    names = [o.name for o in parse_note("责任部门：甲区、乙区、丙县政府，丁新片区管委会")]
    assert names == ["甲区政府", "乙区政府", "丙县政府", "丁新片区管委会"]
    assert [o.name for o in parse_note("责任单位：市水务局、各区政府")] == ["市水务局", "各区政府"]
