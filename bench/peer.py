"""kb against the recipe a user would otherwise assemble, in the same run on the same machine.

The peer: LangChain's RecursiveCharacterTextSplitter (chunk 250, overlap 50, Chinese
separators) + FAISS + jieba BM25 in an EnsembleRetriever 0.5/0.5, embedding with the
same bundled model (kb's converted e5 folder through sentence-transformers, no download).
Its packages are the ``bench`` extra (``pip install -e '.[bench]'``).

Prints figures, asserts nothing: hit@1 / hit@5 / MRR@10 on every dev set, build seconds,
warm query p50/p95, cold CLI seconds and peak RSS as kb/peer ratios, the served app's RSS with the
plan loaded (bench/load.py), and the floors (a
bare ``python -c "import numpy, faiss, jieba; jieba.initialize()"``, sentence-transformers
encoding kb's windows alone, and encoding each clause once).

    .venv/bin/python bench/peer.py [--sets plan,dev] [--cold 3]
    .venv/bin/python bench/peer.py build CORPUS STORE      # the peer's build, one process
    .venv/bin/python bench/peer.py search STORE QUESTION   # the peer's one-off query
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
import subprocess
import sys
import tempfile
import time
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
warnings.filterwarnings("ignore", category=DeprecationWarning)

SHARED = ROOT.parent.parent / "shared" if (ROOT.parent.parent / "shared").is_dir() else ROOT.parent / "shared"
SUFFIXES = {".txt", ".md", ".pdf"}
SKIP = {"README.md", "SOURCES.md"}
CHUNK, OVERLAP, K = 250, 50, 10
SEPARATORS = ["\n\n", "\n", "。", "！", "？", "；", "，", "、", ""]
FLOOR = "import numpy, faiss, jieba; jieba.initialize()"
PY = sys.executable
KB = [PY, "-m", "kb"]


# ------------------------------------------------------------------ the peer recipe


def corpus_files(corpus: Path) -> list[Path]:
    """The documents a user would hand the recipe: the folder's text, markdown and PDF files."""
    if corpus.is_file():
        return [corpus]
    return sorted(p for p in corpus.rglob("*") if p.suffix.lower() in SUFFIXES and p.name not in SKIP)


def read_text(path: Path) -> str:
    """What a LangChain user loads: the file's text; a PDF's pages through pypdf."""
    if path.suffix.lower() == ".pdf":
        from pypdf import PdfReader

        return "\n".join(page.extract_text() or "" for page in PdfReader(str(path)).pages)
    return path.read_text(encoding="utf-8", errors="replace")


def embeddings():
    """A LangChain Embeddings over the same bundled model, with e5's query/passage prompts."""
    from langchain_core.embeddings import Embeddings

    from kb.embed import SentenceTransformerEncoder, resolve_model

    class KbModel(Embeddings):
        def __init__(self) -> None:
            self.encoder = SentenceTransformerEncoder(resolve_model())

        def embed_documents(self, texts: list[str]) -> list[list[float]]:
            return self.encoder.encode(texts, "passage").tolist()

        def embed_query(self, text: str) -> list[float]:
            return self.encoder.encode([text], "query")[0].tolist()

    return KbModel()


def split(files: Sequence[Path]):
    from langchain_core.documents import Document
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    splitter = RecursiveCharacterTextSplitter(chunk_size=CHUNK, chunk_overlap=OVERLAP, separators=SEPARATORS)
    docs = [Document(page_content=read_text(p), metadata={"source": p.name}) for p in files]
    return splitter.split_documents(docs)


def peer_build(corpus: Path, store: Path) -> int:
    """Split, embed into FAISS, keep the chunks for BM25; saved as a user would save them."""
    from langchain_community.vectorstores import FAISS

    chunks = split(corpus_files(corpus))
    FAISS.from_documents(chunks, embeddings()).save_local(str(store))
    (store / "chunks.pkl").write_bytes(pickle.dumps(chunks))
    return len(chunks)


def tokens(text: str) -> list[str]:
    import jieba

    return [w for w in jieba.lcut_for_search(text) if w.strip()]


def peer_load(store: Path):
    """The EnsembleRetriever 0.5/0.5 over jieba BM25 and FAISS, k=10 each."""
    from langchain_classic.retrievers import EnsembleRetriever
    from langchain_community.retrievers import BM25Retriever
    from langchain_community.vectorstores import FAISS

    chunks = pickle.loads((store / "chunks.pkl").read_bytes())
    bm25 = BM25Retriever.from_documents(chunks, preprocess_func=tokens, k=K)
    dense = FAISS.load_local(str(store), embeddings(), allow_dangerous_deserialization=True)
    return EnsembleRetriever(retrievers=[bm25, dense.as_retriever(search_kwargs={"k": K})], weights=[0.5, 0.5])


def peer_search(retriever, q: str) -> list[str]:
    return [d.page_content for d in retriever.invoke(q)][:K]


# ------------------------------------------------------------------ measuring


@dataclass(frozen=True)
class Run:
    seconds: float
    rss_mib: float
    stdout: str
    cpu: float = 0.0  # user + system seconds: on a shared machine, steadier than the wall clock


#: A small Python starts the command and reports its rusage: a child forked straight from this
#: process would inherit this process's RSS high-water mark (the loaded models) as its own.
_TRAMPOLINE = """
import json, os, subprocess, sys
proc = subprocess.Popen(sys.argv[1:])
_, status, u = os.wait4(proc.pid, 0)
print(json.dumps([os.waitstatus_to_exitcode(status), u.ru_maxrss, u.ru_utime + u.ru_stime]), file=sys.stderr)
"""


def run_child(cmd: Sequence[str]) -> Run:
    """Run ``cmd``: wall seconds, and its own peak RSS and CPU seconds."""
    start = time.perf_counter()
    proc = subprocess.run([PY, "-c", _TRAMPOLINE, *cmd], capture_output=True)
    wall = time.perf_counter() - start
    code, maxrss, cpu = json.loads(proc.stderr.decode().strip().splitlines()[-1])
    if code:
        raise SystemExit(f"{' '.join(cmd)} failed (exit {code})")
    return Run(wall, maxrss / 1024, proc.stdout.decode(), cpu)


def best(cmd: Sequence[str], n: int) -> Run:
    """The fastest of ``n`` runs (the machine is shared: the minimum is the least disturbed)."""
    runs = [run_child(cmd) for _ in range(n)]
    return min(runs, key=lambda r: r.seconds)


def pct(xs: Sequence[float], q: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(q * (len(xs) - 1))))]


def latencies(fn: Callable[[str], object], qs: Sequence[str]) -> tuple[float, float]:
    fn(qs[0])
    times = []
    for q in qs:
        t = time.perf_counter()
        fn(q)
        times.append(time.perf_counter() - t)
    return pct(times, 0.5) * 1000, pct(times, 0.95) * 1000


_ENCODE = """
import json, sys, time
from kb.embed import SentenceTransformerEncoder, resolve_model
texts = json.load(open(sys.argv[1], encoding="utf-8"))
encoder = SentenceTransformerEncoder(resolve_model())
t = time.perf_counter()
encoder.encode(texts, "passage")
print(json.dumps({"encode": time.perf_counter() - t}))
"""


def encode_floor(texts: list[str]) -> tuple[float, float, float]:
    """sentence-transformers alone on ``texts``: whole process seconds, the encode part, process CPU."""
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False, encoding="utf-8") as f:
        json.dump(texts, f, ensure_ascii=False)
    r = run_child([PY, "-c", _ENCODE, f.name])
    os.unlink(f.name)
    return r.seconds, json.loads(r.stdout.strip().splitlines()[-1])["encode"], r.cpu


# ------------------------------------------------------------------ the comparison


def datasets(which: set[str]) -> list[tuple[str, Path, list[Path]]]:
    out = []
    plan_corpus = ROOT / "corpus" if (ROOT / "corpus").is_dir() else Path("/work/main/corpus")
    if "plan" in which:
        sets = sorted((SHARED / "eval").glob("dev_*.jsonl"))
        out.append(("plan", plan_corpus, sets))
    if "dev" in which and (SHARED / "corpus-dev" / "questions.jsonl").exists():
        out.append(("corpus-dev", SHARED / "corpus-dev", [SHARED / "corpus-dev" / "questions.jsonl"]))
    return out


def compare(name: str, corpus: Path, sets: list[Path], cold: int, tmp: Path, app: bool = False) -> None:
    from kb.knowledge import KnowledgeBase
    from kb.tools.evaluate import load_questions, score

    print(f"\n=== {name}: {corpus}")
    index, store = tmp / f"{name}-kb", tmp / f"{name}-peer"
    kb_build = run_child([*KB, "build", "--corpus", str(corpus), "--index", str(index), "--json"])
    info = json.loads(kb_build.stdout.strip().splitlines()[-1])
    store.mkdir(parents=True)
    peer_build_run = run_child([PY, __file__, "build", str(corpus), str(store)])
    n_peer = int(peer_build_run.stdout.strip().splitlines()[-1])

    kb = KnowledgeBase.open(index)
    peer = peer_load(store)
    questions = {p.stem: load_questions(p) for p in sets}
    all_q = [q["q"] for qs in questions.values() for q in qs]

    print(f"{'set':22s} {'kb hit@1/hit@5/MRR@10':>24s}   {'peer hit@1/hit@5/MRR@10':>24s}")
    for set_name, qs in questions.items():
        a = score(qs, lambda q: [h.node.text for h in kb.search(q, k=K)])
        b = score(qs, lambda q: peer_search(peer, q))
        print(f"{set_name + f' (n={len(qs)})':22s} {a.hit1:.3f} / {a.hit5:.3f} / {a.mrr10:.3f}    "
              f"{b.hit1:.3f} / {b.hit5:.3f} / {b.mrr10:.3f}")

    ks50, ks95 = latencies(lambda q: kb.search(q, k=K), all_q)
    ka50, ka95 = latencies(lambda q: kb.ask(q), all_q)
    ps50, ps95 = latencies(lambda q: peer_search(peer, q), all_q)
    q0 = all_q[0]
    kb_cold = best([*KB, "search", q0, "--index", str(index), "--json"], cold)
    ask_cold = best([*KB, "ask", q0, "--index", str(index), "--json"], cold)
    peer_cold = best([PY, __file__, "search", str(store), q0], cold)
    floor = best([PY, "-c", FLOOR], cold)

    leaves = [n.text for n in kb.data.leaves]
    windows = list(dict.fromkeys(c.text for c in kb.data.chunks))
    win_total, win_encode, _ = encode_floor([c.text for c in kb.data.chunks])
    clause_total, clause_encode, clause_cpu = encode_floor(leaves)

    def ratio(a: float, b: float) -> str:
        return f"{a / b:5.2f}" if b else "  -  "

    print(f"\n{'':26s} {'kb':>10s} {'peer':>10s} {'kb/peer':>8s}")
    print(f"{'build s':26s} {kb_build.seconds:10.1f} {peer_build_run.seconds:10.1f} "
          f"{ratio(kb_build.seconds, peer_build_run.seconds):>8s}   "
          f"(kb {info['leaves']} passages, {info['chunks']} windows; peer {n_peer} chunks)")
    print(f"{'build CPU s (user+sys)':26s} {kb_build.cpu:10.1f} {peer_build_run.cpu:10.1f} "
          f"{ratio(kb_build.cpu, peer_build_run.cpu):>8s}")
    print(f"{'build peak RSS MiB':26s} {kb_build.rss_mib:10.0f} {peer_build_run.rss_mib:10.0f} "
          f"{ratio(kb_build.rss_mib, peer_build_run.rss_mib):>8s}")
    print(f"{'warm search p50 ms':26s} {ks50:10.1f} {ps50:10.1f} {ratio(ks50, ps50):>8s}")
    print(f"{'warm search p95 ms':26s} {ks95:10.1f} {ps95:10.1f} {ratio(ks95, ps95):>8s}")
    print(f"{'warm ask p50/p95 ms':26s} {ka50:5.1f}/{ka95:<5.1f}")
    print(f"{'cold CLI search s':26s} {kb_cold.seconds:10.2f} {peer_cold.seconds:10.2f} "
          f"{ratio(kb_cold.seconds, peer_cold.seconds):>8s}   (kb ask {ask_cold.seconds:.2f} s)")
    print(f"{'cold CLI search CPU s':26s} {kb_cold.cpu:10.2f} {peer_cold.cpu:10.2f} "
          f"{ratio(kb_cold.cpu, peer_cold.cpu):>8s}   (floor {floor.cpu:.2f} s CPU)")
    print(f"{'cold CLI peak RSS MiB':26s} {kb_cold.rss_mib:10.0f} {peer_cold.rss_mib:10.0f} "
          f"{ratio(kb_cold.rss_mib, peer_cold.rss_mib):>8s}")
    print("floors:")
    print(f"  bare `python -c \"{FLOOR}\"`: {floor.seconds:.2f} s; "
          f"cold kb search / floor = {kb_cold.seconds / floor.seconds:.2f}, "
          f"kb ask / floor = {ask_cold.seconds / floor.seconds:.2f} (target <= 1.8)")
    print(f"  sentence-transformers on kb's {len(kb.data.chunks)} windows ({len(windows)} distinct): "
          f"encode {win_encode:.1f} s, whole process {win_total:.1f} s")
    print(f"  sentence-transformers, one vector per clause ({len(leaves)}): encode {clause_encode:.1f} s, "
          f"whole process {clause_total:.1f} s; kb build / that = {kb_build.seconds / clause_total:.2f} "
          "(target <= 1.0)")
    print(f"  (CPU: kb build {kb_build.cpu:.1f} s vs clause embedding {clause_cpu:.1f} s, cold kb search {kb_cold.cpu:.2f} s, floor {floor.cpu:.2f} s)")
    if app:
        served = served_app(index)
        print(f"served app (kb serve on this index, {served.get('requests')} asks from {served.get('clients')} clients): "
              f"RSS {served.get('rss_loaded_mb')} MB, peak {served.get('peak_rss_mb')} MB (target < 600), "
              f"p50 {served.get('p50_ms')} ms, errors {served.get('errors')}")


def served_app(index: Path, clients: int = 4, per_client: int = 10) -> dict:
    """bench/load.py against ``kb serve`` on loopback over ``index``: the app's resident memory with it loaded."""
    done = subprocess.run([PY, str(ROOT / "bench" / "load.py"), "--index", str(index), "--clients", str(clients),
                           "--per-client", str(per_client), "--json"], capture_output=True, text=True)
    try:
        return json.loads(done.stdout.strip().splitlines()[-1])
    except (IndexError, ValueError):
        return {"errors": f"bench/load.py failed: {done.stderr.strip()[-300:]}"}


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "build":
        print(peer_build(Path(sys.argv[2]), Path(sys.argv[3])))
        return
    if len(sys.argv) > 1 and sys.argv[1] == "search":
        print(json.dumps(peer_search(peer_load(Path(sys.argv[2])), sys.argv[3])[:5], ensure_ascii=False))
        return
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sets", default="plan,dev", help="plan (the plan and shared/eval/dev_*), dev (corpus-dev)")
    ap.add_argument("--cold", type=int, default=3, help="cold runs per command; the fastest is shown")
    ap.add_argument("--no-app", action="store_true", help="skip serving the plan's index (bench/load.py) for its RSS")
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="kb-peer-"))
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}")
    for name, corpus, sets in datasets(set(args.sets.split(","))):
        compare(name, corpus, sets, args.cold, tmp, app=name == "plan" and not args.no_app)
    print(f"\n(mean load during the run: {os.getloadavg()[1]:.1f}; figures on a shared machine vary)")


if __name__ == "__main__":
    main()
