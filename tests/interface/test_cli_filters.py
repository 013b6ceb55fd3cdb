"""--doc means one thing in every verb that takes it; defaults are read when a command runs.

An index of three plans (the Bazhong plan, small_plan, mini_plan) built with the
fake encoder; search and ask get the fake encoder too (no model is loaded).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from types import SimpleNamespace

import pytest
from click.testing import CliRunner
from support.fakes import HashEncoder, open_with_fake_encoder
from support.paths import DATA, PLAN_NAME, PLAN_TXT

from kb.errors import KBError
from kb.index.manifest import DocumentRecord
from kb.interfaces.cli import cli, main
from kb.knowledge import KnowledgeBase

DOCS = {PLAN_NAME, "small_plan", "mini_plan"}


@pytest.fixture(scope="module")
def index(tmp_path_factory) -> Path:
    corpus = tmp_path_factory.mktemp("three")
    for f in (PLAN_TXT, DATA / "small_plan.txt", DATA / "mini_plan.txt"):
        shutil.copy(f, corpus / f.name)
    folder = tmp_path_factory.mktemp("kb") / "index"
    KnowledgeBase.build(corpus, folder, encoder=HashEncoder(), progress=False)
    return folder


@pytest.fixture(autouse=True)
def fake_encoder(monkeypatch):
    open_with_fake_encoder(monkeypatch)


def _cited(citation: str) -> str:
    return citation.split(" › ")[0]


#: verb → (arguments, the documents its JSON output comes from).
VERBS = {
    "search": (["search", "到2025年", "-k", "10"], lambda out: {h["doc"] for h in out["hits"]}),
    "ask": (["ask", "到2025年空气质量优良天数比率"], lambda out: {c["doc"] for c in out["citations"]}),
    "targets": (["targets"], lambda out: {_cited(r["citation"]) for r in out}),
    "locate": (["locate", "到2025年", "-n", "20"], lambda out: {m["doc"] for m in out}),
    "quiz": (["quiz", "-n", "3"], lambda out: {_cited(it["citation"]) for it in out}),
}


def run(index: Path, *args: str, env: dict | None = None):
    return CliRunner().invoke(cli, [*args, "--index", str(index)], env=env)


def docs_of(index: Path, verb: str, *extra: str) -> set[str]:
    args, docs = VERBS[verb]
    result = run(index, *args, "--json", *extra)
    assert result.exit_code == 0, result.output
    return docs(json.loads(result.stdout))


@pytest.mark.parametrize("verb", sorted(VERBS))
def test_a_unique_part_of_a_name_picks_that_document(index, verb):
    assert docs_of(index, verb, "--doc", "small") == {"small_plan"}
    assert docs_of(index, verb, "--doc", "巴中") == {PLAN_NAME}


@pytest.mark.parametrize("verb", sorted(VERBS))
def test_an_exact_name_picks_that_document(index, verb):
    assert docs_of(index, verb, "--doc", "mini_plan") == {"mini_plan"}


def test_without_doc_every_document_counts(index):
    assert docs_of(index, "targets") == DOCS
    assert docs_of(index, "locate") == DOCS


def _errors(index: Path, doc: str) -> dict[str, str]:
    out = {}
    for verb, (args, _) in VERBS.items():
        result = run(index, *args, "--doc", doc)
        assert result.exit_code == 1, (verb, result.output)
        assert "Traceback" not in result.output and result.stdout == ""
        out[verb] = result.stderr
    return out


def test_a_name_that_fits_nothing_is_the_same_error_everywhere(index):
    said = _errors(index, "成都")
    assert len(set(said.values())) == 1, said
    line = said["search"]
    assert line.startswith("kb: --doc: no document matches '成都'") and line.count("\n") == 1
    assert all(name in line for name in DOCS), "the error lists what the index has"


def test_a_part_of_several_names_is_the_same_error_everywhere(index):
    said = _errors(index, "plan")
    assert len(set(said.values())) == 1, said
    line = said["quiz"]
    assert "several documents" in line and "small_plan" in line and "mini_plan" in line
    assert PLAN_NAME not in line


def test_a_missing_chapter_is_an_error_in_every_verb_that_filters(index):
    for verb in ("search", "ask", "targets", "quiz"):
        args, _ = VERBS[verb]
        result = run(index, *args, "--doc", "small", "--chapter", "9")
        assert result.exit_code == 1, verb
        assert "no chapter 9 in small_plan" in result.stderr, verb


# -------------------------------------------------- KnowledgeBase.resolve_doc


def stub(*names: str) -> KnowledgeBase:
    """A KnowledgeBase whose index lists these documents (nothing else is read by resolve_doc)."""
    records = tuple(DocumentRecord(n, f"{n}.txt", "", "", "chapter", 0, 0) for n in names)
    return KnowledgeBase(SimpleNamespace(manifest=SimpleNamespace(documents=records)))


def test_resolve_doc_prefers_an_exact_name_over_a_longer_one():
    kb = stub("规划", "示范市规划", "巴中规划")
    assert kb.resolve_doc("规划") == "规划"
    assert kb.resolve_doc("示范") == "示范市规划"
    assert kb.resolve_doc(None) is None and kb.resolve_doc("  ") is None
    with pytest.raises(KBError, match="several"):
        stub("示范市规划", "巴中规划").resolve_doc("规划")


# ------------------------------------------------------------ environment


def test_kb_index_is_read_when_the_command_runs(index, monkeypatch):
    """The CLI is imported long before this; KB_INDEX set now still decides the index."""
    result = CliRunner().invoke(cli, ["targets", "--json", "--doc", "small"], env={"KB_INDEX": str(index)})
    assert result.exit_code == 0, result.output
    assert {_cited(r["citation"]) for r in json.loads(result.stdout)} == {"small_plan"}
    nowhere = CliRunner().invoke(cli, ["targets"], env={"KB_INDEX": str(index.parent / "nowhere")})
    assert nowhere.exit_code == 1 and "nowhere" in nowhere.stderr


def test_main_takes_an_argument_list(capsys):
    with pytest.raises(SystemExit) as done:
        main(["locate", "--help"])
    assert done.value.code == 0
    assert "--doc" in capsys.readouterr().out


@pytest.mark.parametrize("verb", ["build", "search", "ask", "eval", "targets", "locate", "quiz", "serve"])
def test_every_verb_that_reads_an_index_says_so_in_its_help(verb):
    result = CliRunner().invoke(cli, [verb, "--help"])
    assert result.exit_code == 0 and "--index" in result.output and "KB_INDEX" in result.output
