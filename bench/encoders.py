"""Benchmark the two query encoders: ONNX (onnxruntime + tokenizers) against sentence-transformers.

Prints figures, asserts nothing:

* the floor: a bare ``python -c "import numpy, faiss, jieba; jieba.initialize()"``;
* cold start to the first query vector, each in a fresh interpreter (wall seconds, peak RSS);
* warm per-query latency p50/p95 over the dev questions;
* passage throughput (windows/s) over the plan's real index windows;
* optionally int8 dynamic quantisation: its size, speed and cosine agreement.

    .venv/bin/python bench/encoders.py [--windows 300] [--runs 3] [--int8] [--threads N]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from kb.embed.encoder import ModelSpec, SentenceTransformerEncoder, resolve_model  # noqa: E402
from kb.embed.onnx import OnnxEncoder, ensure_onnx, onnx_path  # noqa: E402
from kb.index.store import leaves_of, windows  # noqa: E402
from kb.ingest.parse import parse_paths  # noqa: E402

QUESTIONS = ROOT.parent / "shared" / "corpus-dev" / "questions.jsonl"
PLAN = ROOT / "corpus"
FLOOR = "import numpy, faiss, jieba; jieba.initialize()"

_COLD = """
import json, sys, time
start = time.perf_counter()
from kb.embed.encoder import ModelSpec
spec = ModelSpec(*json.loads(sys.argv[2]))
threads = int(sys.argv[3]) or None
if sys.argv[1] == "st":
    if threads:
        import torch
        torch.set_num_threads(threads)
    from kb.embed.encoder import SentenceTransformerEncoder
    encoder = SentenceTransformerEncoder(spec)
else:
    from pathlib import Path
    from kb.embed.onnx import OnnxEncoder
    model_file = Path(sys.argv[4]) if len(sys.argv) > 4 else None
    encoder = OnnxEncoder(spec, export=False, model_file=model_file, threads=threads)
loaded = time.perf_counter()
encoder.encode(["巴中市空气质量的目标是什么？"], "query")
done = time.perf_counter()
heavy = sorted({m.split(".")[0] for m in sys.modules} & {"torch", "transformers", "sentence_transformers"})
# VmHWM, not ru_maxrss: Linux carries ru_maxrss over from the (large) parent across exec
status = open("/proc/self/status").read().split("VmHWM:")[1].split()[0]
print(json.dumps({"load": loaded - start, "first": done - loaded, "rss_mb": int(status) / 1024, "heavy": heavy}))
"""


def _wall(args: list[str], runs: int) -> tuple[float, list[dict]]:
    """Median wall seconds of ``runs`` fresh interpreters, and what each printed (JSON) if anything."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    times, outputs = [], []
    for _ in range(runs):
        start = time.perf_counter()
        done = subprocess.run(args, capture_output=True, text=True, env=env, check=True)
        times.append(time.perf_counter() - start)
        lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
        outputs.append(json.loads(lines[-1]) if lines else {})
    return statistics.median(times), outputs


def _spec_args(spec: ModelSpec) -> str:
    return json.dumps([spec.name, spec.path, spec.query_prompt, spec.passage_prompt])


def _percentiles(samples: list[float]) -> tuple[float, float]:
    return float(np.percentile(samples, 50)) * 1000, float(np.percentile(samples, 95)) * 1000


def _questions(limit: int) -> list[str]:
    if not QUESTIONS.is_file():
        return ["巴中市空气质量的目标是什么？", "如何加强饮用水水源地保护", "农村生活污水治理率"] * 10
    lines = QUESTIONS.read_text(encoding="utf-8").splitlines()
    return [json.loads(line)["q"] for line in lines if line.strip()][:limit]


def _plan_windows(limit: int) -> list[str]:
    docs = parse_paths(sorted(PLAN.glob("*.txt")))[0]
    found = [w for d in docs for n in leaves_of(d.nodes) for w in windows(n)]
    if limit and len(found) > limit:
        step = len(found) / limit
        found = [found[int(i * step)] for i in range(limit)]
    return found


def _latency(encoder: object, questions: list[str]) -> tuple[float, float]:
    encoder.encode(questions[:1], "query")  # type: ignore[attr-defined]
    samples = []
    for q in questions:
        start = time.perf_counter()
        encoder.encode([q], "query")  # type: ignore[attr-defined]
        samples.append(time.perf_counter() - start)
    return _percentiles(samples)


def _throughput(encoder: object, texts: list[str]) -> tuple[float, np.ndarray]:
    start = time.perf_counter()
    vectors = encoder.encode(texts, "passage")  # type: ignore[attr-defined]
    return len(texts) / (time.perf_counter() - start), vectors


def _cos(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.sum(a * b, axis=1) / (np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1))


def _megabytes(folder: Path, pattern: str) -> float:
    return sum(p.stat().st_size for p in folder.glob(pattern)) / 1e6


def _quantize(source: Path, target: Path) -> None:
    from onnxruntime.quantization import QuantType, quantize_dynamic

    quantize_dynamic(str(source), str(target), weight_type=QuantType.QInt8, use_external_data_format=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--windows", type=int, default=300, help="passages to embed (0: all the plan's)")
    parser.add_argument("--questions", type=int, default=84)
    parser.add_argument("--runs", type=int, default=3, help="fresh interpreters per cold figure")
    parser.add_argument("--int8", action="store_true", help="also quantise to int8 and compare")
    parser.add_argument(
        "--threads", type=int, default=0, help="intra-op threads for both torch and onnxruntime (0: defaults)"
    )
    args = parser.parse_args(argv)

    spec = resolve_model()
    ensure_onnx(Path(spec.path))
    print(f"model {spec.name}: {spec.path}")
    print(
        f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores; threads {args.threads or 'default'}"
    )

    floor, _ = _wall([sys.executable, "-c", FLOOR], args.runs)
    print(f"\nfloor  bare python + numpy, faiss, jieba.initialize(): {floor:.2f} s")

    int8_file: Path | None = None
    tmp = tempfile.TemporaryDirectory(prefix="kb-int8-")
    if args.int8:
        int8_file = Path(tmp.name) / "model_qint8.onnx"
        start = time.perf_counter()
        _quantize(onnx_path(Path(spec.path)), int8_file)
        fp32_mb = _megabytes(onnx_path(Path(spec.path)).parent, "model.onnx*")
        print(
            f"int8   quantised in {time.perf_counter() - start:.1f} s: "
            f"{fp32_mb:.0f} MB -> {_megabytes(int8_file.parent, '*'):.0f} MB"
        )

    print("\ncold start to the first query vector (fresh interpreter, median of runs)")
    variants = [("onnx fp32", ["onnx"]), ("sentence-transformers", ["st"])]
    if int8_file is not None:
        variants.insert(1, ("onnx int8", ["onnx", str(int8_file)]))
    cold: dict[str, float] = {}
    for label, extra in variants:
        mode, rest = extra[0], extra[1:]
        command = [sys.executable, "-c", _COLD, mode, _spec_args(spec), str(args.threads), *rest]
        wall, outs = _wall(command, args.runs)
        cold[label] = wall
        last = outs[-1]
        print(
            f"  {label:<22} {wall:6.2f} s  ({wall / floor:4.1f}x floor)  load {last['load']:.2f} s, "
            f"first vector {last['first'] * 1000:.0f} ms, peak RSS {last['rss_mb']:.0f} MB, "
            f"heavy imports: {', '.join(last['heavy']) or 'none'}"
        )

    questions = _questions(args.questions)
    texts = _plan_windows(args.windows)
    threads = args.threads or None
    if threads:
        import torch

        torch.set_num_threads(threads)
    encoders: dict[str, object] = {"onnx fp32": OnnxEncoder(spec, export=False, threads=threads)}
    if int8_file is not None:
        encoders["onnx int8"] = OnnxEncoder(spec, model_file=int8_file, threads=threads)
    encoders["sentence-transformers"] = SentenceTransformerEncoder(spec)

    print(f"\nwarm query latency, {len(questions)} dev questions one at a time")
    for label, encoder in encoders.items():
        p50, p95 = _latency(encoder, questions)
        print(f"  {label:<22} p50 {p50:6.1f} ms   p95 {p95:6.1f} ms")

    print(f"\npassage throughput, {len(texts)} windows of the plan (batch 32)")
    vectors: dict[str, np.ndarray] = {}
    for label, encoder in encoders.items():
        rate, vectors[label] = _throughput(encoder, texts)
        print(f"  {label:<22} {rate:6.1f} windows/s")

    print("\nagreement with sentence-transformers (cosine, min / mean)")
    reference_q = encoders["sentence-transformers"].encode(questions, "query")  # type: ignore[attr-defined]
    for label, encoder in encoders.items():
        if label == "sentence-transformers":
            continue
        cq = _cos(encoder.encode(questions, "query"), reference_q)  # type: ignore[attr-defined]
        cp = _cos(vectors[label], vectors["sentence-transformers"])
        print(
            f"  {label:<22} queries {cq.min():.5f} / {cq.mean():.5f}   passages {cp.min():.5f} / {cp.mean():.5f}"
        )
    tmp.cleanup()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
