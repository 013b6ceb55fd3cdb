"""The index as an attacker or a careless operator meets it: damaged files, killed builds, two builds at once.

Every damaged or missing file is one error naming it (never a traceback), a
rebuild repairs it and then searches exactly as before, a build killed at any
step of the swap leaves a working index, and two builds of one folder never
trip over each other.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
from support.fakes import HashEncoder
from support.paths import DATA, ROOT

from kb.errors import IndexDamaged, IndexMismatch, KBError
from kb.index import generations
from kb.index.store import load_index
from kb.knowledge import KnowledgeBase

QUERIES = ("城镇污水处理率", "秸秆露天焚烧怎么管", "雨污分流改造什么时候完成")
EXTRA = "第一章 补充\n\n新增条款。到2025年新增湿地公园3个，由市林业局负责。\n"


def build(corpus: Path, index: Path, encoder=None, **kw):
    return KnowledgeBase.build(corpus, index, encoder=encoder or HashEncoder(), progress=False, **kw)


def answers(index: Path) -> str:
    """What searching the index gives, as the exact JSON the CLI would print."""
    kb = KnowledgeBase.open(index, encoder=HashEncoder())
    return json.dumps([[h.to_dict() for h in kb.search(q, k=5)] for q in QUERIES], ensure_ascii=False)


def index_files(index: Path) -> list[str]:
    gen = generations.current(index)
    return sorted(p.relative_to(gen).as_posix() for p in gen.rglob("*") if p.is_file() and p.name != ".readers")


@pytest.fixture(scope="module")
def pristine(tmp_path_factory):
    """A corpus, an index built from it, and what searching that index gives."""
    root = tmp_path_factory.mktemp("pristine")
    corpus = root / "corpus"
    corpus.mkdir()
    shutil.copy(DATA / "mini_plan.txt", corpus / "mini_plan.txt")
    build(corpus, root / "index")
    return corpus, root / "index", answers(root / "index")


@pytest.fixture()
def copy(pristine, tmp_path):
    """A fresh copy of the pristine index (link and generation), to damage."""
    corpus, index, _ = pristine
    shutil.copytree(index.parent, tmp_path / "site", symlinks=True, ignore=shutil.ignore_patterns("corpus"))
    return corpus, tmp_path / "site" / "index"


def damage(path: Path, how: str) -> None:
    data = path.read_bytes()
    if how == "empty":
        path.write_bytes(b"")
    elif how == "truncated":
        path.write_bytes(data[: len(data) // 2])
    elif how == "same size":
        path.write_bytes(bytes(b ^ 0x5A for b in data))
    elif how == "missing":
        path.unlink()
    else:
        raise ValueError(how)


FILES = ["manifest.json", "nodes.jsonl", "chunks.jsonl", "userdict.txt", "dense.faiss", "vectors.npy",
         "bm25/data.csc.index.npy", "bm25/indices.csc.index.npy", "bm25/indptr.csc.index.npy",
         "bm25/params.index.json", "bm25/vocab.index.json"]


def test_the_list_covers_every_file_of_the_index(pristine):
    _, index, _ = pristine
    assert index_files(index) == sorted(FILES)


@pytest.mark.parametrize("how", ["empty", "truncated", "same size", "missing"])
@pytest.mark.parametrize("name", FILES)
def test_each_damaged_file_is_one_error_naming_it(copy, name, how):
    _, index = copy
    damage(generations.current(index) / name, how)
    verify = how == "same size" and name != "manifest.json"  # same-size damage may load; a checksum finds it
    with pytest.raises(IndexMismatch) as e:
        load_index(index, verify=verify)
    message = str(e.value)
    assert "\n" not in message and message.endswith("`kb build`")
    assert str(index / name) in message or (name == "manifest.json" and str(index) in message), message
    assert str(generations.current(index)) not in message, "the folder the user named, not its generation"


@pytest.mark.parametrize("name", FILES)
def test_a_rebuild_repairs_each_damaged_file_and_searches_exactly_as_before(copy, pristine, name):
    corpus, index = copy
    damage(generations.current(index) / name, "same size")
    report = build(corpus, index)
    if name in ("vectors.npy", "chunks.jsonl", "manifest.json"):
        assert report.reused == 0, "vectors whose file fails its checksum are embedded again"
    else:
        assert report.embedded == 0, "sound vectors are reused"
    assert answers(index) == pristine[2]
    assert KnowledgeBase.doctor(index).ok


def test_the_cli_says_one_line_and_no_traceback(copy, run_kb):
    _, index = copy
    damage(generations.current(index) / "vectors.npy", "empty")
    result = run_kb("search", "城镇污水", "--index", index)
    assert result.exit_code == 1
    assert result.output.strip().count("\n") == 0 and "Traceback" not in result.output
    assert result.output.startswith(f"kb: {index}/vectors.npy: damaged: 0 bytes") and "`kb build`" in result.output


@pytest.mark.parametrize("text", ["", "{", "[]", '{"format": 3}', '{"format": "3"}', "\xff\xfe garbage"])
def test_a_malformed_manifest_is_one_error(copy, text, run_kb):
    _, index = copy
    (generations.current(index) / "manifest.json").write_bytes(text.encode("utf-8", "surrogateescape")
                                                               if text.isascii() else b"\xff\xfe\x00garbage")
    with pytest.raises(IndexMismatch, match=r"manifest.json: .*`kb build`"):
        KnowledgeBase.open(index)
    result = run_kb("doctor", "--index", index)
    assert result.exit_code == 1 and "manifest.json" in result.output and "Traceback" not in result.output


def test_random_vectors_of_the_same_shape_are_caught_and_never_reused(copy, pristine, run_kb):
    """The attack from the issue: unnoticed, and the next build reused them (hit@1 0.79 → 0.33)."""
    corpus, index = copy
    path = generations.current(index) / "vectors.npy"
    real = np.load(path)
    noise = np.random.default_rng(0).standard_normal(real.shape).astype(np.float32)
    np.save(path, noise / np.linalg.norm(noise, axis=1, keepdims=True))  # unit length, same shape and size
    assert path.stat().st_size == real.nbytes + 128
    with pytest.raises(IndexDamaged, match=r"vectors.npy: damaged: its bytes changed"):
        KnowledgeBase.open(index, verify=True)
    result = run_kb("doctor", "--index", index)
    assert result.exit_code == 1 and f"problem: {index}/vectors.npy: damaged" in result.output
    report = build(corpus, index)
    assert report.reused == 0 and report.embedded == report.chunks
    assert answers(index) == pristine[2]


def test_an_old_format_index_without_checksums_keeps_working(copy):
    corpus, index = copy
    manifest_path = generations.current(index) / "manifest.json"
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    manifest["format"] = 2
    del manifest["checksums"]
    manifest_path.write_text(json.dumps(manifest), encoding="utf-8")
    KnowledgeBase.open(index, verify=True)
    report = KnowledgeBase.doctor(index)
    assert report.ok and any("records no checksums" in w.what for w in report.warnings)
    assert build(corpus, index).embedded == 0, "vectors of unit length are trusted and reused"


def test_doctor_reports_a_sound_index_and_its_leftovers(copy, run_kb):
    _, index = copy
    result = run_kb("doctor", "--index", index)
    assert result.exit_code == 0 and "is sound" in result.output and f"{len(FILES) - 1} files verified" in result.output
    (index.parent / ".index.building-x").mkdir()
    data = json.loads(run_kb("doctor", "--index", index, "--json").output)
    assert data["ok"] and any("leftover" in w["what"] for w in data["warnings"])
    assert json.loads(run_kb("doctor", "--index", index.parent / "nothing", "--json").output)["ok"] is False


# ------------------------------------------------------------------ the swap

STEPS = ("staged", "renamed", "linked", "swapped")


def _documents(index: Path) -> list[str]:
    return sorted(KnowledgeBase.open(index, encoder=HashEncoder()).documents)


def _generation_count(index: Path) -> int:
    return len(generations.generations(generations.anchor(index)))


def _legacy(index: Path) -> None:
    """Turn a linked index into the plain folder an older kb wrote."""
    gen = generations.current(index)
    index.unlink()
    gen.rename(index)
    (index / ".readers").unlink()


#: Every step of every swap: a plain folder from an older kb is also moved aside ("retired").
SWAPS = [("linked", s) for s in STEPS] + [("plain folder", s) for s in ("staged", "renamed", "retired", *STEPS[2:])]


@pytest.mark.parametrize(("layout", "step"), SWAPS)
def test_an_exception_at_any_step_of_the_swap_leaves_a_working_index(copy, monkeypatch, step, layout):
    corpus, index = copy
    if layout == "plain folder":
        _legacy(index)
    before = _documents(index)
    (corpus.parent / "more").mkdir(exist_ok=True)
    extra = corpus.parent / "more" / f"extra-{os.getpid()}.txt"
    extra.write_text(EXTRA, encoding="utf-8")

    def stop(name: str) -> None:
        if name == step:
            raise KeyboardInterrupt(name)

    monkeypatch.setattr(generations, "_step", stop)
    with pytest.raises(KeyboardInterrupt):
        build([corpus, extra], index)
    after = _documents(index)
    assert after in (before, sorted([*before, extra.stem])), "the old index or the new one, never none"
    if step in ("staged", "renamed") or (step == "linked" and layout == "linked"):
        assert after == before, "until the link changes, readers see the old index"
    # A plain folder stopped after it was moved aside: readers take the newest complete generation.
    monkeypatch.setattr(generations, "_step", lambda name: None)
    build([corpus, extra], index)
    assert _documents(index) == sorted([*before, extra.stem])
    assert _generation_count(index) == 1 and not generations.leftovers(index)
    extra.unlink()


KILLER = textwrap.dedent("""
    import os, signal, sys
    sys.path[:0] = [{root!r}, {tests!r}]
    from support.fakes import HashEncoder
    from kb.index import generations
    from kb.knowledge import KnowledgeBase

    step = sys.argv[1]
    def kill(name):
        if name == step:
            os.kill(os.getpid(), signal.SIGKILL)
    generations._step = kill
    KnowledgeBase.build(sys.argv[2:-1], sys.argv[-1], encoder=HashEncoder(), progress=False)
""")


def test_a_kill_at_every_step_of_the_swap_leaves_a_working_index(pristine, tmp_path):
    """SIGKILL: no cleanup runs at all.  A plain folder killed between its two renames is read from beside the link."""
    corpus, index, _ = pristine
    script = tmp_path / "killer.py"
    script.write_text(KILLER.format(root=str(ROOT), tests=str(ROOT / "tests")), encoding="utf-8")
    extra = tmp_path / "extra.txt"
    extra.write_text(EXTRA, encoding="utf-8")
    cases = {}
    for layout, step in SWAPS:
        site = tmp_path / f"{layout}-{step}".replace(" ", "-")
        shutil.copytree(index.parent, site, symlinks=True, ignore=shutil.ignore_patterns("corpus"))
        if layout == "plain folder":
            _legacy(site / "index")
        cmd = [sys.executable, str(script), step, str(corpus), str(extra), str(site / "index")]
        cases[(layout, step)] = (site / "index", subprocess.Popen(cmd, stderr=subprocess.PIPE, text=True))
    before = _documents(index)
    for (layout, step), (site_index, proc) in cases.items():
        _, err = proc.communicate(timeout=120)
        assert proc.returncode == -9, (layout, step, err)
        after = _documents(site_index)
        assert after in (before, sorted([*before, "extra"])), (layout, step)
        build([corpus, extra], site_index)
        assert _documents(site_index) == sorted([*before, "extra"])
        assert _generation_count(site_index) == 1 and not generations.leftovers(site_index), (layout, step)


CONCURRENT = textwrap.dedent("""
    import sys, time
    sys.path[:0] = [{root!r}, {tests!r}]
    from support.fakes import HashEncoder
    from kb.knowledge import KnowledgeBase

    class Slow(HashEncoder):
        def encode(self, texts, kind):
            time.sleep(1.0)  # both builds are certainly under way at once
            return super().encode(texts, kind)

    report = KnowledgeBase.build(sys.argv[1], sys.argv[2], encoder=Slow(), progress=False)
    print(report.chunks)
""")


def test_two_concurrent_builds_take_turns(pristine, tmp_path):
    corpus, _, expected = pristine
    script = tmp_path / "builder.py"
    script.write_text(CONCURRENT.format(root=str(ROOT), tests=str(ROOT / "tests")), encoding="utf-8")
    index = tmp_path / "index"
    procs = [subprocess.Popen([sys.executable, str(script), str(corpus), str(index)], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for _ in range(2)]
    results = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], results
    assert any("another build of" in err and "waiting" in err for _, err in results), "the second one waited"
    assert not any("ENOTEMPTY" in err or "Traceback" in err for _, err in results)
    assert answers(index) == expected
    assert _generation_count(index) == 1 and not generations.leftovers(index)


def test_a_second_build_that_cannot_wait_fails_with_a_message(pristine, tmp_path, monkeypatch):
    corpus, _, _ = pristine
    index = tmp_path / "index"
    monkeypatch.setattr(generations, "BUILD_WAIT", 0.3)
    with generations.build_lock(index), pytest.raises(KBError, match=r"another build is running \(pid \d+"):
        build(corpus, index)
    build(corpus, index)


def test_an_old_generation_stays_while_a_reader_holds_it_and_goes_after(copy):
    corpus, index = copy
    held = generations.lease(index)
    old = held.folder
    build(corpus, index)
    assert generations.current(index) != old and old.is_dir(), "kept: a reader is loading it"
    assert KnowledgeBase.doctor(index).ok
    held.release()
    assert not old.exists(), "removed once the last reader let go"
    assert _generation_count(index) == 1


def test_a_reader_never_sees_a_half_swapped_index(copy, monkeypatch):
    """Between every two steps of a swap, a reader opens a complete index (the old one or the new one)."""
    corpus, index = copy
    seen = []

    def read(name: str) -> None:
        seen.append((name, _documents(index)))

    monkeypatch.setattr(generations, "_step", read)
    extra = corpus.parent / "extra.txt"
    extra.write_text(EXTRA, encoding="utf-8")
    build([corpus, extra], index)
    assert [name for name, _ in seen] == list(STEPS)
    assert all(len(docs) in (1, 2) for _, docs in seen)


def test_a_file_in_the_way_is_never_replaced(pristine, tmp_path):
    corpus, _, _ = pristine
    notes = tmp_path / "notes.txt"
    notes.write_text("mine", encoding="utf-8")
    with pytest.raises(KBError, match="is a file, not an index folder"):
        build(corpus, notes)
    assert notes.read_text(encoding="utf-8") == "mine"
