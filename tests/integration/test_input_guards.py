"""What kb agrees to read, as a careless operator or a hostile shared drive tests it.

A FIFO never hangs a build and a device never fills memory: neither is opened.
Links are followed only inside the corpus; broken links, loops, folders named
like documents and files over the size limit are each reported by name.  A 10 MB
line is split into passages of a sane length, and ``ask`` answers in sentences.
"""

from __future__ import annotations

import os
import shutil
import signal
from pathlib import Path

import pytest
from support.fakes import HashEncoder
from support.paths import DATA

from kb.errors import IngestError, KBError
from kb.index.chunks import leaves_of
from kb.ingest import guard
from kb.ingest.clean import normalize_chars, squash
from kb.ingest.parse import parse_file, parse_paths
from kb.knowledge import KnowledgeBase

PLAN = (DATA / "mini_plan.txt").read_text(encoding="utf-8")


@pytest.fixture()
def no_hang():
    """Fail, rather than hang, if something blocks on a pipe."""
    def fail(*_):
        raise TimeoutError("blocked reading a file kb should never have opened")

    old = signal.signal(signal.SIGALRM, fail)
    signal.alarm(60)
    yield
    signal.alarm(0)
    signal.signal(signal.SIGALRM, old)


@pytest.fixture()
def corpus(tmp_path: Path) -> Path:
    folder = tmp_path / "corpus"
    folder.mkdir()
    (folder / "plan.txt").write_text(PLAN, encoding="utf-8")
    return folder


def reasons(errors) -> dict[str, str]:
    return {e.path.name: e.problem for e in errors}


def test_a_fifo_is_refused_by_name_and_never_opened(corpus, tmp_path, no_hang):
    os.mkfifo(corpus / "pipe.txt")
    os.mkfifo(tmp_path / "alone.txt")
    docs, errors = parse_paths([corpus, tmp_path / "alone.txt"])
    assert [d.name for d in docs] == ["plan"]
    why = reasons(errors)
    assert why["pipe.txt"].startswith("a named pipe (FIFO), not a regular file")
    assert why["alone.txt"].startswith("a named pipe (FIFO)")
    with pytest.raises(IngestError, match="named pipe"):
        parse_file(corpus / "pipe.txt")  # even a loader called directly never opens it


def test_a_device_is_refused_without_reading_it(no_hang):
    docs, errors = parse_paths(["/dev/zero"])
    assert not docs and reasons(errors)["zero"].startswith("a character device, not a regular file")
    with pytest.raises(IngestError, match="character device"):
        guard.read_bytes(Path("/dev/zero"))


def test_links_are_followed_only_inside_the_corpus(corpus, tmp_path):
    outside = tmp_path / "secret.txt"
    outside.write_text(PLAN.replace("示范市", "外部市"), encoding="utf-8")
    (corpus / "sub").mkdir()
    (corpus / "sub" / "inner.txt").write_text(PLAN.replace("示范市", "内部市"), encoding="utf-8")
    (corpus / "in.txt").symlink_to(corpus / "sub" / "inner.txt")
    (corpus / "out.txt").symlink_to(outside)
    (corpus / "outdir").symlink_to(tmp_path, target_is_directory=True)
    (corpus / "dangling.txt").symlink_to(tmp_path / "gone.txt")
    (corpus / "loop.txt").symlink_to(corpus / "loop.txt")
    (corpus / "notes.txt").mkdir()
    docs, errors = parse_paths([corpus])
    names = sorted(d.name for d in docs)
    assert names in (["in", "plan"], ["inner", "plan"]), "the inside link is the file it points at, read once"
    why = reasons(errors)
    assert why["out.txt"] == f"a link to {outside.resolve()}, outside the corpus folder {corpus.resolve()}: not followed"
    assert why["outdir"].startswith("a link to ") and "outside the corpus folder" in why["outdir"]
    assert why["dangling.txt"] == f"a broken link (to {tmp_path / 'gone.txt'}): not read"
    assert why["loop.txt"] == "a symbolic link loop: not read"
    assert why["notes.txt"].startswith("a folder named like a document")
    assert len(errors) == 5


def test_a_file_named_by_the_user_may_be_a_link_anywhere(tmp_path):
    target = tmp_path / "elsewhere" / "plan.txt"
    target.parent.mkdir()
    target.write_text(PLAN, encoding="utf-8")
    (tmp_path / "link.txt").symlink_to(target)
    docs, errors = parse_paths([tmp_path / "link.txt"])
    assert [d.name for d in docs] == ["link"] and not errors


def test_the_size_limit_is_configurable_and_reported_by_name(corpus, monkeypatch):
    (corpus / "big.txt").write_text(PLAN * 20, encoding="utf-8")
    monkeypatch.setenv("KB_MAX_FILE_MB", "0.02")  # about 20 KB: plan.txt passes, big.txt does not
    docs, errors = parse_paths([corpus])
    assert [d.name for d in docs] == ["plan"]
    assert reasons(errors)["big.txt"] == (f"{round((corpus / 'big.txt').stat().st_size / 1024)} KB, over the limit of "
                                          "20 KB per file (set KB_MAX_FILE_MB to raise it): not read")
    with pytest.raises(IngestError, match="over the limit"):
        guard.read_bytes(corpus / "big.txt")
    monkeypatch.setenv("KB_MAX_FILE_MB", "lots")
    with pytest.raises(KBError, match="KB_MAX_FILE_MB='lots': expected a positive number"):
        parse_paths([corpus])


def test_nothing_to_index_lists_every_file_and_its_reason(tmp_path, run_kb, no_hang):
    folder = tmp_path / "bad"
    folder.mkdir()
    (folder / "empty.txt").write_bytes(b"")
    (folder / "data.csv").write_text("a,b\n", encoding="utf-8")
    os.mkfifo(folder / "pipe.txt")
    (folder / "english.txt").write_text("This is an English note about nothing in particular. " * 5, encoding="utf-8")
    with pytest.raises(KBError) as e:
        KnowledgeBase.build(folder, tmp_path / "index", encoder=HashEncoder(), progress=False)
    lines = str(e.value).splitlines()
    assert lines[0] == "nothing to index: none of the 4 file(s) could be indexed:"
    assert sorted(Path(line.strip().split(":")[0]).name for line in lines[1:]) == sorted(
        ["empty.txt", "data.csv", "pipe.txt", "english.txt"])
    assert any("the file is empty" in line for line in lines) and any("named pipe" in line for line in lines)
    result = run_kb("build", "--corpus", folder, "--index", tmp_path / "index")
    assert result.exit_code == 1 and "pipe.txt: a named pipe" in result.output and "Traceback" not in result.output


# --------------------------------------------------------------- long lines

def one_line(chars: int) -> str:
    """Plan text with every line break gone, repeated to ``chars`` characters."""
    body = PLAN.replace("\t", "，").replace("\n", "")
    return (body * (chars // len(body) + 1))[:chars]


def test_a_10_mb_line_is_split_into_passages_of_a_sane_length(tmp_path):
    text = one_line(3_800_000)  # 10 MB of UTF-8
    path = tmp_path / "oneline.txt"
    path.write_text(text, encoding="utf-8")
    assert path.stat().st_size >= 10_000_000
    doc = parse_file(path)
    leaves = leaves_of(doc.nodes)
    assert max(len(n.text) for n in leaves) <= guard.MAX_PARAGRAPH_CHARS
    assert len(leaves) >= len(text) // guard.MAX_PARAGRAPH_CHARS // 2
    assert squash("".join(n.text for n in leaves)) == squash(normalize_chars(text)), "nothing is lost or repeated"
    assert len({n.id for n in doc.nodes}) == len(doc.nodes), "ids stay unique"
    assert any("split into shorter ones" in w for w in doc.warnings)


def test_ask_on_a_huge_line_answers_in_sentences(tmp_path):
    path = tmp_path / "oneline.txt"
    path.write_text(one_line(300_000), encoding="utf-8")
    index = tmp_path / "index"
    KnowledgeBase.build(path, index, encoder=HashEncoder(), progress=False)
    kb = KnowledgeBase.open(index, encoder=HashEncoder())
    answer = kb.ask("城镇污水处理率达到多少？")
    assert answer.found and "96%" in answer.answer
    assert len(answer.answer) <= guard.MAX_PARAGRAPH_CHARS + 200  # sentences of one passage (plus 【】 marks)
    assert all(len(c["text"]) <= guard.MAX_PARAGRAPH_CHARS for c in answer.to_dict()["citations"])


def test_a_paragraph_without_any_punctuation_is_cut_anyway():
    text = "污" * 7000
    parts = guard.pieces(text, 3000)
    assert [len(p) for p in parts] == [3000, 3000, 1000] and "".join(parts) == text
    sentences = "甲乙丙丁。" * 1000
    assert all(p.endswith("。") and len(p) <= 3000 for p in guard.pieces(sentences, 3000)[:-1])


def test_real_plans_are_never_split(plan_txt):
    assert max(len(n.text) for n in plan_txt.nodes) < guard.MAX_PARAGRAPH_CHARS
    assert not any("split into shorter" in w for w in plan_txt.warnings)


def test_hidden_files_are_still_skipped_quietly(corpus):
    (corpus / ".hidden.txt").write_text(PLAN, encoding="utf-8")
    (corpus / "~$lock.txt").write_text(PLAN, encoding="utf-8")
    (corpus / ".git").mkdir()
    shutil.copy(corpus / "plan.txt", corpus / ".git" / "x.txt")
    docs, errors = parse_paths([corpus])
    assert [d.name for d in docs] == ["plan"] and not errors
