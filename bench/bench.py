"""Benchmark kb on the plan: build cost, query latency and retrieval quality.

Prints figures, asserts nothing.  The comparison row is plain character-bigram
BM25 over the same clauses, the strongest simple baseline for Chinese.

    .venv/bin/python bench/bench.py [--corpus corpus] [--eval ../shared/eval] [--skip-build]
"""

from __future__ import annotations

import argparse
import json
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from kb.index.lexical import LexicalIndex  # noqa: E402
from kb.index.store import leaves_of  # noqa: E402
from kb.ingest.parse import parse_paths  # noqa: E402
from kb.knowledge import KnowledgeBase  # noqa: E402
from kb.query.search import clean_query  # noqa: E402
from kb.tools.evaluate import load_questions, score  # noqa: E402

KB = str(ROOT / ".venv" / "bin" / "kb")
SETS = ("dev_plain", "dev_colloquial", "dev_owners")


def char_bigrams(text: str) -> list[str]:
    t = re.sub(r"\s+", "", text.lower())
    return [t[i : i + 2] for i in range(len(t) - 1) if re.fullmatch(r"[\w\u4e00-\u9fff]{2}", t[i : i + 2])]


def timed_build(corpus: Path, index: Path) -> tuple[float, float, str]:
    """Run `kb build` in a child process; wall time and the child's peak RSS in MiB."""
    start = time.perf_counter()
    proc = subprocess.run([KB, "build", "--corpus", str(corpus), "--index", str(index), "--json"],
                          capture_output=True, text=True, check=True)
    wall = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return wall, peak, proc.stdout.strip().splitlines()[-1]


def percentiles(xs: list[float]) -> str:
    xs = sorted(xs)
    p = lambda q: xs[min(len(xs) - 1, int(round(q * (len(xs) - 1))))]  # noqa: E731
    return f"p50 {1000 * p(0.5):7.1f} ms   p95 {1000 * p(0.95):7.1f} ms   (n={len(xs)})"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--corpus", type=Path, default=ROOT / "corpus")
    ap.add_argument("--eval", type=Path, default=ROOT.parent / "shared" / "eval")
    ap.add_argument("--skip-build", action="store_true", help="reuse index/ instead of a fresh cold build")
    args = ap.parse_args()

    print("== build")
    if args.skip_build:
        index = ROOT / "index"
    else:
        tmp = Path(tempfile.mkdtemp(prefix="kb-bench-"))
        index = tmp / "index"
        wall, peak, summary = timed_build(args.corpus, index)
        info = json.loads(summary)
        print(f"cold build: {wall:6.1f} s  peak RSS {peak:6.0f} MiB  "
              f"({info['leaves']} passages, {info['chunks']} windows embedded)")
        wall2, _, summary2 = timed_build(args.corpus, index)
        print(f"rebuild, nothing changed: {wall2:6.1f} s  (embedded {json.loads(summary2)['embedded']})")

    kb = KnowledgeBase.open(index)
    questions = {name: load_questions(args.eval / f"{name}.jsonl") for name in SETS
                 if (args.eval / f"{name}.jsonl").exists()}
    all_q = [q["q"] for qs in questions.values() for q in qs] or ["城镇污水处理率2025年目标是多少？"]

    print("\n== latency (this machine: 2 cores)")
    kb.search(all_q[0])  # load the encoder once
    times = []
    for q in all_q:
        t = time.perf_counter()
        kb.search(q, k=10)
        times.append(time.perf_counter() - t)
    print(f"warm search, in process:  {percentiles(times)}")
    times = []
    for q in all_q:
        t = time.perf_counter()
        kb.ask(q)
        times.append(time.perf_counter() - t)
    print(f"warm ask, in process:     {percentiles(times)}")
    times = []
    for q in all_q[:5]:
        t = time.perf_counter()
        subprocess.run([KB, "search", q, "--index", str(index), "--json"], capture_output=True, check=True)
        times.append(time.perf_counter() - t)
    print(f"cold CLI `kb search`:     {percentiles(times)}")

    if not questions:
        print(f"\n(no question sets in {args.eval}; quality skipped)")
        return
    print("\n== quality (hit@1 / hit@5 / MRR@10 / median top-1 length)")
    docs, _ = parse_paths([args.corpus])
    leaves = leaves_of([n for d in docs for n in d.nodes])
    baseline = LexicalIndex.build([n.text for n in leaves], char_bigrams)

    def bigram_search(q: str) -> list[str]:
        s = baseline.scores(char_bigrams(clean_query(q)))
        return [leaves[i].text for i in np.argsort(-s)[:10]]

    rows = []
    for name, qs in questions.items():
        ours = score(qs, lambda q: [h.node.text for h in kb.search(q, k=10)], lambda q: kb.ask(q).owners)
        base = score(qs, bigram_search)
        for label, r in (("kb (hybrid)", ours), ("char-bigram BM25", base)):
            owner = f"  owner recall {r.owner_recall:.3f}" if r.owner_recall is not None else ""
            rows.append(f"{name:15s} {label:17s} {r.hit1:.3f} / {r.hit5:.3f} / {r.mrr10:.3f} / "
                        f"{r.median_top1_len:4.0f}{owner}")
    print("\n".join(rows))
    print(f"\nmean of per-question latencies above: {statistics.mean(times):.2f} s per cold CLI call")


if __name__ == "__main__":
    main()
