"""How well the answer gate separates questions the plans cover from ones they do not.

In-scope: the dev questions of each corpus, scored on that corpus's index.  Out-of-scope:
bench/data/out_of_scope.txt, everyday questions no plan here answers, on every index.
Prints the share answered on each side and the margin: the weakest in-scope scores and the
strongest out-of-scope ones around the threshold.

    .venv/bin/python bench/relevance.py --pair INDEX QUESTIONS.jsonl [--pair INDEX2 Q2.jsonl ...]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from kb.knowledge import KnowledgeBase  # noqa: E402
from kb.query.search import COVERAGE_WEIGHT, RELEVANCE_MIN  # noqa: E402
from kb.tools.evaluate import load_questions  # noqa: E402

OUT_OF_SCOPE = ROOT / "bench" / "data" / "out_of_scope.txt"


def out_of_scope() -> list[str]:
    lines = OUT_OF_SCOPE.read_text(encoding="utf-8").splitlines()
    return [s.strip() for s in lines if s.strip() and not s.startswith("#")]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--pair", nargs="+", action="append", metavar=("INDEX", "QUESTIONS"), required=True,
                    help="an index and the in-scope question files scored on it")
    ap.add_argument("--edge", type=int, default=8, help="borderline cases to show per side")
    args = ap.parse_args()
    print(f"gate: z + {COVERAGE_WEIGHT}·coverage >= {RELEVANCE_MIN} and some query word known to the corpus\n")
    sides: dict[str, list] = {"in scope": [], "out of scope": []}
    for index, *files in args.pair:
        kb = KnowledgeBase.open(index)
        for label, qs in (("in scope", [q["q"] for f in files for q in load_questions(f)]),
                          ("out of scope", out_of_scope())):
            for q in qs:
                ev = kb.evidence(q, kb.search(q, k=5))
                sides[label].append((ev.score, ev.relevant, ev, Path(index).name, q))
    for label, rows in sides.items():
        passed = sum(r[1] for r in rows)
        print(f"{label:13s} answered {passed:3d} / {len(rows):3d}  ({passed / len(rows):.1%})")
        edge = sorted(rows, key=lambda r: r[0])
        edge = edge[: args.edge] if label == "in scope" else edge[-args.edge:]
        for score, ok, ev, index, q in edge:
            print(f"    {'answer ' if ok else 'decline'} {score:5.2f} (z {ev.z:4.2f}, coverage {ev.coverage:.2f}) "
                  f"[{index}] {q}")
    weakest = min((r[0] for r in sides["in scope"] if r[1]), default=0.0)
    strongest = max((r[0] for r in sides["out of scope"] if not r[1]), default=0.0)
    print(f"\nmargin: weakest in-scope answer {weakest:.2f}, strongest out-of-scope decline {strongest:.2f}, "
          f"threshold {RELEVANCE_MIN}")


if __name__ == "__main__":
    main()
