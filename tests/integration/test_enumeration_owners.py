"""An enumeration's item is owned by the body its lead sentence assigns, not by a body the item names."""

from __future__ import annotations

import pytest
from support.fakes import fake_kb

RULES = """青山县河湖管理办法

第一章 总则

第一条 为了加强河湖管理保护，制定本办法。

第二章 职责

第二条 乡级河长履行下列主要职责：

（一）组织落实责任河流管理保护工作；

（二）巡查责任河流，每月不少于一次，协调解决本级有关部门和村级河长上报的问题；

（三）完成上级交办的事项。

第三条 违反本办法规定的，按照以下规定处罚：

（一）在河道内倾倒垃圾的，由县水务局责令改正，处五百元以上二千元以下罚款。

第四条 本办法自2024年1月1日起施行。
"""


@pytest.fixture(scope="module")
def kb(tmp_path_factory):
    return fake_kb(tmp_path_factory.mktemp("kb"), {"rivers.txt": RULES})


def test_an_item_inherits_the_body_its_lead_assigns(kb):
    answer = kb.ask("乡级河长多长时间至少巡查一次责任河流？")
    assert "每月不少于一次" in "".join(answer.source_sentences)
    assert answer.owners == ("乡级河长",)  # 本级有关部门 only reports problems


def test_a_body_the_item_itself_assigns_comes_before_the_lead(kb):
    answer = kb.ask("在河道内倾倒垃圾由哪个部门责令改正？")
    assert "县水务局" in answer.owners
