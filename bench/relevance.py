"""How well the answer gate separates questions the plans cover from ones they do not.

In-scope: the dev questions of each corpus, scored on that corpus's index.  Out-of-scope:
bench/data/out_of_scope.txt, everyday questions no plan here answers, on every index.
Prints the share answered on each side, for all questions and for the held-out half that
bench/fit_relevance.py never fits on, and the margin: the weakest in-scope answers and the
strongest out-of-scope declines around the threshold, with the features behind each.

    .venv/bin/python bench/relevance.py --pair INDEX QUESTIONS.jsonl [--pair INDEX2 Q2.jsonl ...]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from fit_relevance import held_out, out_of_scope  # noqa: E402

from kb.knowledge import KnowledgeBase  # noqa: E402
from kb.query.relevance import COVERAGE_FLOOR, model  # noqa: E402
from kb.tools.evaluate import load_questions  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--pair", nargs="+", action="append", metavar=("INDEX", "QUESTIONS"), required=True,
                    help="an index and the in-scope question files scored on it")
    ap.add_argument("--edge", type=int, default=8, help="borderline cases to show per side")
    args = ap.parse_args()
    m = model()
    terms = " ".join(f"{w:+.2f}·{f}" for f, w in m.weights.items())
    print(f"gate (kb/query/relevance.json): {m.bias:.2f} {terms} >= {m.threshold:.2f}, "
          f"after the rules (kb.query.relevance.Evidence.ruled): a quoted span or a pointed-at document answers; no "
          f"query word known to the corpus, no top hit holding {COVERAGE_FLOOR:.0%} of the question, or a price "
          f"no hit states declines\n")
    sides: dict[str, list] = {"in scope": [], "out of scope": []}
    for index, *files in args.pair:
        kb = KnowledgeBase.open(index)
        for label, qs in (("in scope", [q["q"] for f in files for q in load_questions(f)]),
                          ("out of scope", out_of_scope())):
            for q in qs:
                ev = kb.evidence(q, kb.search(q, k=5))
                ok = ev.relevant if label == "in scope" else not ev.relevant
                sides[label].append((ev.score, ev.relevant, ok, ev, Path(index).name, q))
    for label, rows in sides.items():
        verb = "answered" if label == "in scope" else "declined"
        parts = {"all": rows, "held-out": [r for r in rows if held_out(r[5])],
                 "calibration": [r for r in rows if not held_out(r[5])]}
        for index in sorted({r[4] for r in rows}):
            parts[index] = [r for r in rows if r[4] == index]
        shown = ", ".join(f"{name} {sum(r[2] for r in part)}/{len(part)} ({sum(r[2] for r in part) / len(part):.1%})"
                          for name, part in parts.items() if part)
        print(f"{label:13s} {verb}: {shown}")
        edge = sorted(rows, key=lambda r: r[0])
        edge = edge[: args.edge] if label == "in scope" else edge[-args.edge:]
        for score, relevant, _, ev, index, q in edge:
            f = ev.features()
            print(f"    {'answer ' if relevant else 'decline'} {score:+6.2f} ("
                  + " ".join(f"{k} {v:.2f}" for k, v in f.items())
                  + f") [{index}]{' held-out' if held_out(q) else ''} {q}")
    # the model's own margin: the questions a rule decides (quoted, a price no hit states …) left out
    weakest = min((r[0] for r in sides["in scope"] if r[1] and r[3].ruled is None), default=0.0)
    strongest = max((r[0] for r in sides["out of scope"] if not r[1] and r[3].ruled is None), default=0.0)
    ruled = {label: sum(r[3].ruled is not None for r in rows) for label, rows in sides.items()}
    print(f"\nmargin (score less threshold, answer at >= 0; {ruled['in scope']} in-scope and "
          f"{ruled['out of scope']} out-of-scope questions decided by a rule left out): weakest in-scope "
          f"answer {weakest:+.2f}, strongest out-of-scope decline {strongest:+.2f}")


if __name__ == "__main__":
    main()
