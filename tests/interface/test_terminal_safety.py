"""Escape sequences in a plan never reach the terminal: every verb, colour on or off, text or JSON.

A plan whose clauses carry an OSC title change, a screen clear, an OSC 8 link and
a C1 CSI is indexed with the fake encoder; each verb's output may hold kb's own
colours (when stdout is a terminal) and nothing else.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from support.fakes import HashEncoder, open_with_fake_encoder
from support.paths import DATA

from kb.interfaces.cli import cli, render
from kb.knowledge import KnowledgeBase

HOSTILE = {
    "加强秸秆禁烧管控": "加强秸秆\x1b]0;pwned\x07禁烧\x1b[2J管控\x9b31m",
    "城镇污水处理率达到96%": "城镇\x1b[31;1m污水处理率\x1b]8;;http://evil.example/\x1b\\达到96%",
}
#: Anything a terminal acts on, but the colour sequences kb writes itself.
RAW = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
OWN_COLOURS = re.compile(r"\x1b\[[0-9;]*m")


@pytest.fixture(scope="module")
def index(tmp_path_factory) -> Path:
    text = (DATA / "mini_plan.txt").read_text(encoding="utf-8")
    for plain, hostile in HOSTILE.items():
        text = text.replace(plain, hostile)
    corpus = tmp_path_factory.mktemp("hostile")
    (corpus / "plan\x1b[2J.txt").write_text(text, encoding="utf-8")
    folder = tmp_path_factory.mktemp("kb") / "index"
    KnowledgeBase.build(corpus, folder, encoder=HashEncoder(), progress=False)
    return folder


@pytest.fixture(autouse=True)
def fake_encoder(monkeypatch):
    open_with_fake_encoder(monkeypatch)


VERBS = [
    ["search", "秸秆禁烧"], ["search", "污水处理率", "-k", "3"], ["ask", "秸秆禁烧怎么管"],
    ["ask", "城镇污水处理率达到多少"], ["targets"], ["targets", "--format", "csv"], ["targets", "--format", "md"],
    ["locate", "加强秸秆"], ["quiz", "-n", "3"], ["quiz", "-n", "3", "--format", "md"], ["doctor"],
]


@pytest.mark.parametrize("colour", [False, True], ids=["pipe", "terminal"])
@pytest.mark.parametrize("args", VERBS, ids=lambda a: " ".join(a))
def test_no_escape_from_the_plan_reaches_the_terminal(index, args, colour, monkeypatch):
    monkeypatch.setattr(render, "_is_terminal", lambda: colour)
    result = CliRunner().invoke(cli, [*args, "--index", str(index)], color=colour)
    assert result.exit_code == 0, result.output
    out = OWN_COLOURS.sub("", result.stdout) if colour else result.stdout
    assert not RAW.findall(out.replace("\n", "").replace("\t", "")), repr(out[:500])
    if not colour:
        assert "\x1b" not in result.stdout


@pytest.mark.parametrize("args", [v for v in VERBS if "--format" not in v and v[0] != "doctor"],
                         ids=lambda a: " ".join(a))
def test_json_escapes_every_control_and_keeps_the_data(index, args):
    result = CliRunner().invoke(cli, [*args, "--index", str(index), "--json"])
    assert result.exit_code == 0, result.output
    assert not RAW.findall(result.stdout.replace("\n", ""))
    for line in result.stdout.splitlines():
        json.loads(line)  # still valid JSON


def test_the_json_keeps_the_text_as_the_plan_has_it(index):
    result = CliRunner().invoke(cli, ["search", "秸秆禁烧", "--index", str(index), "--json", "-k", "1"])
    [hit] = json.loads(result.stdout)["hits"]
    assert "\x9b31m" in hit["title"] and "\x1b]0;pwned\x07" in hit["title"], "JSON escapes, it does not drop"


def test_messages_on_stderr_are_made_harmless_too(index, tmp_path):
    corpus = tmp_path / "c"
    corpus.mkdir()
    (corpus / "bad\x1b]0;x\x07.doc").write_text("x", encoding="utf-8")
    (corpus / "plan.txt").write_text((DATA / "mini_plan.txt").read_text(encoding="utf-8"), encoding="utf-8")
    result = CliRunner().invoke(cli, ["outline", str(corpus)])
    assert "kb: skipped" in result.stderr and not RAW.findall(result.stderr.replace("\n", ""))
    result = CliRunner().invoke(cli, ["search", "污水", "--index", str(index), "--doc", "\x1b[2Jnothing"])
    assert result.exit_code == 1 and "no document matches" in result.stderr
    assert not RAW.findall(result.stderr.replace("\n", ""))
