"""Load test: N concurrent clients × M questions against `kb serve`, on loopback only.

    python bench/load.py                        # the real model, the Bazhong plan, 8 clients × 25 questions
    python bench/load.py --encoder fake         # the tests' hashing encoder: the server's cost alone
    python bench/load.py --index /tmp/idx --questions tests/data/questions_own.jsonl --clients 8 --per-client 25

The server runs in a subprocess: `kb serve` itself with the real model, or a small
launcher of the same app with the fake encoder.  Every question is first asked
once by a single client (the reference answers); then N clients ask M questions
each at once.  Reported: throughput, p50/p95 latency, errors (should be 0), the
server's resident memory (now and peak), and whether every answer under load is
identical to the single-client one.  Bounded: at most 32 clients, 200 questions
each, 120 s per request; the server listens on 127.0.0.1 and is stopped at the end.
Clients use gradio_client when it is installed, else Gradio's HTTP API directly.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
QUESTIONS = ROOT / "tests" / "data" / "questions_own.jsonl"
CORPUS = ROOT / "corpus"
HOST = "127.0.0.1"
MAX_CLIENTS, MAX_PER_CLIENT, REQUEST_TIMEOUT = 32, 200, 120.0
ALL_DOCS, ALL_CHAPTERS = "全部文件", "全部章节"


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


# ------------------------------------------------------------------ server


def serve_fake(index: Path, corpus: Path, port: int) -> None:
    """The app over the fake encoder (run in the server subprocess)."""
    sys.path[:0] = [str(ROOT), str(ROOT / "tests")]
    from support.fakes import HashEncoder

    from kb.interfaces.web import app
    from kb.knowledge import KnowledgeBase

    kb = app.open_or_build(index, corpus, encoder=HashEncoder(), verify=True, echo=lambda m: print(m, flush=True))
    demo = app.create_app(kb)
    app.launch(demo, HOST, port, block=False, quiet=True)
    print(f"kb: serving on http://{HOST}:{port}", flush=True)
    assert isinstance(kb, KnowledgeBase)
    app.wait_until_stopped(demo)


def start_server(encoder: str, index: Path, corpus: Path, port: int) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": f"{ROOT}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"}
    if encoder == "fake":
        cmd = [sys.executable, str(Path(__file__)), "--serve-fake", "--index", str(index), "--corpus", str(corpus),
               "--port", str(port)]
    else:
        cmd = [sys.executable, "-m", "kb", "serve", "--index", str(index), "--corpus", str(corpus),
               "--host", HOST, "--port", str(port)]
    return subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def wait_ready(proc: subprocess.Popen, url: str, timeout: float) -> list[str]:
    """The server's output until it listens (it may build the index and load the model first)."""
    import httpx

    lines: list[str] = []

    def pump() -> None:
        for line in proc.stdout:  # type: ignore[union-attr]
            lines.append(line.rstrip())

    threading.Thread(target=pump, daemon=True).start()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit("the server stopped:\n" + "\n".join(lines))
        try:
            if httpx.get(url + "/config", timeout=2).status_code == 200:
                return lines
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise SystemExit(f"the server did not come up within {timeout:.0f}s:\n" + "\n".join(lines))


def memory(pid: int) -> dict[str, float]:
    """Resident memory of the server now and at its peak, in MB (Linux /proc)."""
    out = {}
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            key, _, value = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                out[{"VmRSS": "rss_mb", "VmHWM": "peak_rss_mb"}[key]] = round(int(value.split()[0]) / 1024, 1)
    except OSError:
        pass
    return out


# ------------------------------------------------------------------ clients


def make_client(url: str) -> Callable[[str], str]:
    """A function question → the assistant's answer card (HTML), over one client connection."""
    try:
        from gradio_client import Client
    except ImportError:
        return _http_client(url)
    client = Client(url + "/", verbose=False)

    def ask(question: str) -> str:
        # By name: the chat's inputs grew (the knowledge-base selector, the browser-saved history).
        result = client.predict(message=question, history=[], doc_value=ALL_DOCS, chapter_value=ALL_CHAPTERS,
                                saved_={}, api_name="/ask")
        return _answer(result[0] if isinstance(result, tuple | list) and result and isinstance(result[0], list)
                       else result)

    return ask


def _http_client(url: str) -> Callable[[str], str]:
    """Gradio's two-step HTTP API: POST the call, read the result from its event stream."""
    import httpx

    http = httpx.Client(base_url=url, timeout=REQUEST_TIMEOUT)

    def ask(question: str) -> str:
        event = http.post("/gradio_api/call/ask", json={"data": [question, [], ALL_DOCS, ALL_CHAPTERS]})
        event.raise_for_status()
        with http.stream("GET", f"/gradio_api/call/ask/{event.json()['event_id']}") as stream:
            kind = None
            for line in stream.iter_lines():
                if line.startswith("event:"):
                    kind = line.split(":", 1)[1].strip()
                elif line.startswith("data:") and kind == "complete":
                    return _answer(json.loads(line[5:])[0])
                elif line.startswith("data:") and kind == "error":
                    raise RuntimeError(line[5:].strip())
        raise RuntimeError("no answer in the event stream")

    return ask


def _answer(history: list) -> str:
    last = history[-1]
    content = last["content"]
    if isinstance(content, list):
        return "".join(part.get("text", "") for part in content if isinstance(part, dict))
    return str(content)


def run_client(url: str, questions: list[str]) -> list[tuple[str, float, str | None, str]]:
    """Ask each question in turn → (question, seconds, error, answer)."""
    ask = make_client(url)
    out = []
    for q in questions:
        start = time.perf_counter()
        try:
            answer, error = ask(q), None
        except Exception as e:  # counted, not fatal: the report says how many
            answer, error = "", f"{type(e).__name__}: {e}"
        out.append((q, time.perf_counter() - start, error, answer))
    return out


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered)) - 1))]


# --------------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--encoder", choices=("real", "fake"), default="real")
    parser.add_argument("--index", type=Path, default=None, help="Index folder (built there if missing).")
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    parser.add_argument("--questions", type=Path, default=QUESTIONS, help="JSON lines with a 'q' field.")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--per-client", type=int, default=25)
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--startup-timeout", type=float, default=900.0)
    parser.add_argument("--json", action="store_true", help="Print the report as JSON.")
    parser.add_argument("--serve-fake", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    port = args.port or free_port()
    if args.serve_fake:
        serve_fake(args.index, args.corpus, port)
        return 0
    if not 1 <= args.clients <= MAX_CLIENTS or not 1 <= args.per_client <= MAX_PER_CLIENT:
        parser.error(f"at most {MAX_CLIENTS} clients and {MAX_PER_CLIENT} questions per client")
    questions = [json.loads(line)["q"] for line in args.questions.read_text(encoding="utf-8").splitlines()
                 if line.strip()]
    scratch = None
    if args.index is None:
        scratch = tempfile.TemporaryDirectory(prefix="kb-load-")
        args.index = Path(scratch.name) / "index"
    url = f"http://{HOST}:{port}"
    started = time.perf_counter()
    proc = start_server(args.encoder, args.index, args.corpus, port)
    try:
        wait_ready(proc, url, args.startup_timeout)
        startup = time.perf_counter() - started
        reference = {q: a for q, _, err, a in run_client(url, questions) if err is None}
        idle = memory(proc.pid)
        plans = [[questions[(c * args.per_client + i) % len(questions)] for i in range(args.per_client)]
                 for c in range(args.clients)]
        begin = time.perf_counter()
        with ThreadPoolExecutor(args.clients) as pool:
            results = [r for batch in pool.map(lambda plan: run_client(url, plan), plans) for r in batch]
        wall = time.perf_counter() - begin
        loaded = memory(proc.pid)
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
        if scratch is not None:
            scratch.cleanup()
    latencies = [t for _, t, err, _ in results if err is None]
    errors = [err for _, _, err, _ in results if err]
    differ = [q for q, _, err, a in results if err is None and a != reference.get(q)]
    report = {
        "encoder": args.encoder, "clients": args.clients, "per_client": args.per_client, "requests": len(results),
        "distinct_questions": len(set(questions)), "startup_s": round(startup, 1),
        "wall_s": round(wall, 2), "throughput_rps": round(len(results) / wall, 2),
        "p50_ms": round(1000 * statistics.median(latencies), 1) if latencies else None,
        "p95_ms": round(1000 * percentile(latencies, 95), 1) if latencies else None,
        "max_ms": round(1000 * max(latencies), 1) if latencies else None,
        "errors": len(errors), "first_error": errors[0] if errors else None,
        "answers_identical": not differ and len(reference) == len(set(questions)), "answers_differing": len(differ),
        "rss_idle_mb": idle.get("rss_mb"), "rss_loaded_mb": loaded.get("rss_mb"),
        "peak_rss_mb": loaded.get("peak_rss_mb"),
    }
    if args.json:
        print(json.dumps(report, ensure_ascii=False))
    else:
        print(f"{report['clients']} clients × {report['per_client']} questions = {report['requests']} requests "
              f"({report['encoder']} encoder), server up in {report['startup_s']}s")
        print(f"throughput {report['throughput_rps']} req/s over {report['wall_s']}s; latency p50 {report['p50_ms']} ms, "
              f"p95 {report['p95_ms']} ms, max {report['max_ms']} ms")
        print(f"errors {report['errors']}; answers identical to single-client: {report['answers_identical']} "
              f"({report['answers_differing']} differ)")
        print(f"server RSS {report['rss_idle_mb']} MB idle, {report['rss_loaded_mb']} MB after the load, "
              f"peak {report['peak_rss_mb']} MB")
    return 0 if not errors and report["answers_identical"] else 1


if __name__ == "__main__":
    sys.exit(main())
