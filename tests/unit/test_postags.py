"""The compact part-of-speech table gives jieba.posseg's tags, and its cache is checked."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from support.paths import ROOT

from kb.text import postags
from kb.text.postags import TagTable


def test_lookups_follow_dict_semantics_last_entry_wins():
    table = TagTable.from_lines(["天气 100 n", "", "重污染 5 vn", "天气 3 v", "引导 50 v"])
    assert table.get("天气") == "v"  # listed twice: the later line wins, as in jieba's dict
    assert table.get("重污染") == "vn" and table["引导"] == "v"
    assert table.get("没有这个词", "x") == "x" and "没有这个词" not in table
    with pytest.raises(KeyError):
        table["没有这个词"]
    table["新词"] = "nz"  # jieba.posseg.add_word writes into the table
    assert table.get("新词") == "nz" and len(table) == 4


def test_every_word_of_jiebas_dictionary_gets_its_own_tag():
    import jieba

    path = Path(jieba.__file__).parent / jieba.DEFAULT_DICT_NAME
    lines = path.read_text(encoding="utf-8").splitlines()
    expected: dict[str, str] = {}
    for line in lines:
        if line.strip():
            word, _, tag = line.strip().split(" ")
            expected[word] = tag
    table = TagTable.from_lines(lines)
    assert len(table) == len(expected) > 300_000
    words = list(expected)
    keys = np.array([postags.digest(w) for w in words], dtype=np.uint64)
    at = np.searchsorted(table.keys, keys)
    assert np.array_equal(table.keys[at], keys)  # every word found, no two words share a key
    got = [table.tags[int(c)] for c in table.codes[at]]
    assert got == [expected[w] for w in words]


def test_cache_is_made_once_reloaded_and_remade_when_damaged(tmp_path, monkeypatch):
    dictionary = tmp_path / "dict.txt"
    dictionary.write_text("河长 10 n\n巡河 3 v\n", encoding="utf-8")
    home = tmp_path / "home"
    monkeypatch.setattr(postags, "_TABLES", {})
    first = postags.table_for(dictionary, home)
    [folder] = (home / "jieba").iterdir()
    assert first.get("巡河") == "v"
    monkeypatch.setattr(postags, "_TABLES", {})
    again = postags.table_for(dictionary, home)
    assert isinstance(again.keys, np.memmap) and again.get("河长") == "n"
    (folder / "keys.npy").write_bytes(b"not an array")
    with pytest.raises(ValueError, match="unreadable tag table"):
        TagTable.load(folder)
    monkeypatch.setattr(postags, "_TABLES", {})
    remade = postags.table_for(dictionary, home)
    assert remade.get("巡河") == "v" and TagTable.load(folder).get("河长") == "n"


def test_tagging_never_builds_jiebas_own_tag_dict(tmp_path):
    code = (
        "import sys, jieba\n"
        "from kb.text import tokenize, postags\n"
        "pairs = tokenize.pos_cut('明天天气怎么样')\n"
        "import jieba.posseg\n"
        "assert isinstance(jieba.posseg.dt.word_tag_tab, postags.TagTable), type(jieba.posseg.dt.word_tag_tab)\n"
        "assert pairs == [(w.word, w.flag) for w in jieba.posseg.lcut('明天天气怎么样')], pairs\n"
        "print(pairs)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT,
                          env={"KB_HOME": str(tmp_path), "PATH": "/usr/bin:/bin"})
    assert done.returncode == 0, done.stderr
    assert "天气" in done.stdout
