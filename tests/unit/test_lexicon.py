"""Vocabularies as data files (kb.lexicon)."""

from __future__ import annotations

import re

import pytest
from support.paths import ROOT

from kb.errors import KBError
from kb.lexicon import Lexicon, LexiconError, lexicon, names, parse


def test_parse_skips_comments_blanks_and_duplicates():
    lex = parse("demo", "# a comment\n\n生态环境\n  水利  # trailing note\n生态环境\n#\n交通\n")
    assert lex == Lexicon("demo", ("生态环境", "水利", "交通"))
    assert "水利" in lex and "农业" not in lex and len(lex) == 3
    assert list(lex) == ["生态环境", "水利", "交通"]


def test_pattern_prefers_the_longest_entry():
    lex = parse("demo", "生态环境\n生态环境监测\na+b\n")
    assert lex.longest_first() == ("生态环境监测", "生态环境", "a+b")
    assert re.match(lex.pattern(), "生态环境监测站").group(0) == "生态环境监测"
    assert re.fullmatch(lex.pattern(), "a+b"), "entries are escaped"


def test_shipped_vocabularies_load_once_and_are_not_empty():
    shipped = names()
    assert {"departments", "owner_lead_words", "stopwords", "owner_cues", "deadline_cues"} <= set(shipped)
    for name in shipped:
        lex = lexicon(name)
        assert len(lex) > 0, name
        assert all(e == e.strip() and "#" not in e for e in lex), name
        assert lexicon(name) is lex, "loaded once, then cached"
    assert lexicon("departments").to_dict()["name"] == "departments"


def test_an_unknown_vocabulary_is_one_clear_error():
    with pytest.raises(LexiconError) as err:
        lexicon("no_such_list")
    message = str(err.value)
    assert "no_such_list.txt" in message and "\n" not in message and "departments" in message
    assert isinstance(err.value, KBError)


def test_data_files_are_package_data():
    tomllib = pytest.importorskip("tomllib")
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert "data/*.txt" in config["tool"]["setuptools"]["package-data"]["kb.lexicon"]
