"""The compact word table cuts exactly as jieba's own dict, and its cache is checked."""

from __future__ import annotations

import subprocess
import sys

import pytest
from support.paths import ROOT

from kb.text import tokenize, wordfreq
from kb.text.wordfreq import FreqTable


def test_lookups_and_writes_follow_jiebas_dict():
    table = FreqTable.from_items([("河长", 10), ("河", 0), ("巡河", 3)], total=13)
    assert table["河长"] == 10 and table.get("河") == 0 and "河" in table
    assert table.get("没有", 5) == 5 and "没有" not in table
    with pytest.raises(KeyError):
        table["没有"]
    child = table.child()
    child["河长制"] = 7  # add_word writes here, and only here
    assert child.get("河长制") == 7 and "河长制" not in table and len(child) == 4 and len(table) == 3
    assert sorted(child) == ["巡河", "河", "河长", "河长制"]


def test_every_entry_of_jiebas_table_is_kept():
    freq, total = tokenize._full_locked()
    table = FreqTable.from_items(freq.items(), total)
    assert len(table) == len(freq) > 400_000 and table.total == total
    assert all(table[w] == f for w, f in freq.items())


def test_the_compact_tokenizer_cuts_as_the_dict_one():
    text = (ROOT / "tests" / "data" / "small_plan.txt").read_text(encoding="utf-8")
    text += (ROOT / "tests" / "data" / "article_rules.txt").read_text(encoding="utf-8")
    words = ["超低排放改造", "六个百分之百", "饮用水水源保护区"]
    full = tokenize.JiebaTokenizer(words)
    compact = tokenize.JiebaTokenizer(words, compact=True)
    assert isinstance(compact._jieba.FREQ, FreqTable) and isinstance(full._jieba.FREQ, dict)
    assert compact(text) == full(text) and compact.words(text) == full.words(text)
    assert "超低排放改造" in compact.words(text)
    # one tokenizer's words stay its own
    assert "六个百分之百" not in tokenize.JiebaTokenizer(compact=True)._jieba.FREQ


def test_cache_is_made_once_reloaded_and_remade_when_damaged(tmp_path, monkeypatch):
    dictionary = tmp_path / "dict.txt"
    dictionary.write_text("河长 10 n\n", encoding="utf-8")
    home = tmp_path / "home"
    made: list[int] = []

    def full():
        made.append(1)
        return {"河长": 10, "河": 0}, 10

    monkeypatch.setattr(wordfreq, "_TABLES", {})
    assert wordfreq.table_for(dictionary, home, full)["河长"] == 10 and made == [1]
    [folder] = (home / "jieba").iterdir()
    monkeypatch.setattr(wordfreq, "_TABLES", {})
    again = wordfreq.table_for(dictionary, home, full)
    assert again.get("河") == 0 and again.total == 10 and made == [1]  # read from the cache
    (folder / "freq.marisa").write_bytes(b"not a trie")
    with pytest.raises(ValueError, match="unreadable word table"):
        FreqTable.load(folder)
    monkeypatch.setattr(wordfreq, "_TABLES", {})
    assert wordfreq.table_for(dictionary, home, full)["河长"] == 10 and made == [1, 1]
    assert FreqTable.load(folder).get("河长") == 10


def test_a_loaded_index_never_builds_jiebas_dict(tmp_path):
    from support.fakes import HashEncoder

    from kb.knowledge import KnowledgeBase

    index = tmp_path / "index"
    KnowledgeBase.build(ROOT / "tests" / "data" / "small_plan.txt", index, encoder=HashEncoder(), progress=False)
    code = (
        "import sys\n"
        f"sys.path.insert(0, {str(ROOT / 'tests')!r})\n"
        "from support.fakes import HashEncoder\n"
        "from kb.knowledge import KnowledgeBase\n"
        "from kb.text import tokenize\n"
        f"kb = KnowledgeBase.open({str(index)!r}, encoder=HashEncoder())\n"
        "a = kb.ask('空气质量优良天数比率要达到多少？')\n"
        "assert a.found and '95' in a.answer, a.answer\n"
        "print(sorted(tokenize._BASES))\n"
    )
    env = {"KB_HOME": str(tmp_path / "home"), "PATH": "/usr/bin:/bin"}
    for _ in range(2):  # the first process may make the table from the dict; the second only maps it
        done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, env=env)
        assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "['compact']"
