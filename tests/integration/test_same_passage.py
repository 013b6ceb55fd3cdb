"""One passage held by two documents (a notice filed as PDF and as text) takes one place in the hits.

The copy is folded into the hit it repeats, as ``also``, so the list shows five different passages
and still says where else the text stands.  Different passages of one document are never folded.
"""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from support.fakes import HashEncoder, open_with_fake_encoder
from support.paths import DATA

from kb.interfaces.cli import cli
from kb.knowledge import KnowledgeBase
from kb.text.notation import edition_key

QUERY = "到2025年空气质量优良天数比率"


def second_edition(text: str) -> str:
    """The same plan as another extraction spells it: spaces around numbers, ASCII commas."""
    return text.replace("2025", " 2025 ").replace("，", ",")


@pytest.fixture(scope="module")
def index(tmp_path_factory):
    corpus = tmp_path_factory.mktemp("editions")
    plan = (DATA / "small_plan.txt").read_text(encoding="utf-8")
    (corpus / "small_plan.txt").write_text(plan, encoding="utf-8")
    (corpus / "small_plan_copy.txt").write_text(second_edition(plan), encoding="utf-8")
    (corpus / "mini_plan.txt").write_text((DATA / "mini_plan.txt").read_text(encoding="utf-8"), encoding="utf-8")
    folder = tmp_path_factory.mktemp("kb") / "index"
    KnowledgeBase.build(corpus, folder, encoder=HashEncoder(), progress=False)
    return folder


@pytest.fixture(scope="module")
def kb(index):
    return KnowledgeBase.open(index, encoder=HashEncoder())


def test_the_two_editions_are_one_key():
    line = "主要目标。到2025年，全县空气质量优良天数比率稳定在95%以上。"
    assert edition_key(line) == edition_key(second_edition(line))
    assert edition_key(line) != edition_key(line.replace("95%", "90%"))


def test_no_passage_is_listed_twice_and_the_copy_is_named(kb):
    hits = kb.search(QUERY, k=5)
    keys = [edition_key(h.node.text) for h in hits]
    assert len(hits) == 5 and len(set(keys)) == 5
    folded = [h for h in hits if h.also]
    assert folded, "the second edition's copies fold into the first's hits"
    for h in folded:
        assert all(o.doc != h.node.doc and edition_key(o.text) == edition_key(h.node.text) for o in h.also)
        assert h.to_dict()["also"] == [o.citation for o in h.also]


def test_without_folding_the_copies_would_fill_the_list(kb):
    """The fixture really holds duplicates: raw candidates repeat texts that the hits do not."""
    lex, den, _ = kb.searcher.scores(QUERY)
    top_ids = sorted(lex, key=lambda i: -lex[i])[:10]
    keys = [edition_key(kb.searcher.data.leaves[i].text) for i in top_ids]
    assert len(set(keys)) < len(keys)


def test_the_cli_shows_where_else_the_passage_stands(index, monkeypatch):
    open_with_fake_encoder(monkeypatch)
    as_json = CliRunner().invoke(cli, ["search", QUERY, "--json", "--index", str(index)])
    assert as_json.exit_code == 0, as_json.output
    out = json.loads(as_json.output)
    assert any(h["also"] for h in out["hits"])
    text = CliRunner().invoke(cli, ["search", QUERY, "--index", str(index)])
    assert "另见：small_plan" in text.output


def test_one_document_is_never_folded(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "small_plan.txt").write_text((DATA / "small_plan.txt").read_text(encoding="utf-8"), encoding="utf-8")
    KnowledgeBase.build(corpus, tmp_path / "index", encoder=HashEncoder(), progress=False)
    one = KnowledgeBase.open(tmp_path / "index", encoder=HashEncoder())
    assert all(not h.also for h in one.search(QUERY, k=5))
