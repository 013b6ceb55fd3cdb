"""Fit the relevance gate (kb/query/relevance.json) so that it generalises across corpora.

Each question is labelled in scope (the dev questions of a corpus, on that corpus's index) or out of
scope (bench/data/out_of_scope.txt, on every index).  Every question also falls, by a fixed hash, in
a calibration half or a held-out half.  The script

1. computes the gate's features (kb.query.relevance) for every question on its index;
2. cross-validates across corpora: fits on one index's calibration questions and tests on the other
   index's held-out ones, both ways, so a model that memorised a plan shows it;
3. fits the final model on the calibration halves of all indexes, reports the held-out halves, and
   with ``--write`` stores the coefficients.

    .venv/bin/python bench/fit_relevance.py --pair INDEX Q.jsonl [...] [--pair INDEX2 Q2.jsonl ...]
        [--features z coverage key ...] [--write]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from kb.knowledge import KnowledgeBase  # noqa: E402
from kb.query.relevance import FEATURES, MODEL_FILE  # noqa: E402
from kb.tools.evaluate import load_questions  # noqa: E402

OUT_OF_SCOPE = ROOT / "bench" / "data" / "out_of_scope.txt"
MODEL_PATH = ROOT / "kb" / "query" / MODEL_FILE
#: Ridge penalty on the (standardised) weights: keeps a handful of features from fitting noise.
RIDGE = 1.0
#: The features fitted by default.  ``bound`` counts against a hit through ``key`` (the key word's match,
#: times one less its boundness); fitted on its own as well, with the colloquial in-scope questions of
#: bench/data/gate_own_*.jsonl, its weight turned positive (+1.8) and added nothing (held-out 90/96
#: answered, 211/214 declined, with it and without it).
DEFAULT_FEATURES = tuple(f for f in FEATURES if f != "bound")


def out_of_scope() -> list[str]:
    lines = OUT_OF_SCOPE.read_text(encoding="utf-8").splitlines()
    return [s.strip() for s in lines if s.strip() and not s.startswith("#")]


def held_out(question: str) -> bool:
    """The fixed split: half the questions (by the hash of their text) are never fitted on."""
    return hashlib.md5(question.encode("utf-8")).digest()[0] % 2 == 1


@dataclass(frozen=True)
class Row:
    index: str
    question: str
    inside: bool
    features: dict[str, float]
    #: The verdict of the gate's rules (kb.query.relevance.Evidence.ruled); None where the model decides.
    ruled: bool | None

    @property
    def held_out(self) -> bool:
        return held_out(self.question)


def collect(pairs: list[list[str]]) -> list[Row]:
    rows: list[Row] = []
    for index, *files in pairs:
        kb = KnowledgeBase.open(index)
        name = Path(index).name
        for inside, qs in ((True, [q["q"] for f in files for q in load_questions(f)]), (False, out_of_scope())):
            for q in qs:
                ev = kb.evidence(q, kb.search(q, k=5))
                rows.append(Row(name, q, inside, ev.features(), ev.ruled))
    return rows


def fit(x: np.ndarray, y: np.ndarray, ridge: float = RIDGE) -> tuple[np.ndarray, float]:
    """Class-balanced, ridge-penalised logistic regression by Newton's method (raw-feature weights)."""
    mean, std = x.mean(0), x.std(0)
    std[std == 0] = 1.0
    xs = np.hstack([(x - mean) / std, np.ones((len(x), 1))])
    sw = np.where(y == 1, 0.5 / max(y.sum(), 1), 0.5 / max((1 - y).sum(), 1)) * len(y)
    w = np.zeros(xs.shape[1])
    pen = np.full(xs.shape[1], ridge)
    pen[-1] = 0.0
    for _ in range(100):
        p = 1 / (1 + np.exp(-xs @ w))
        grad = xs.T @ (sw * (p - y)) + pen * w
        hess = (xs * (sw * p * (1 - p))[:, None]).T @ xs + np.diag(pen + 1e-9)
        step = np.linalg.solve(hess, grad)
        w -= step
        if np.abs(step).max() < 1e-9:
            break
    weights = w[:-1] / std
    bias = float(w[-1] - (weights * mean).sum())
    return weights, bias


def balance(x: np.ndarray, y: np.ndarray, weights: np.ndarray, bias: float) -> float:
    """The threshold that makes the two error rates on the fitted rows as equal (and small) as they can be.

    A class-balanced fit already aims there; this picks, among the gaps between fitted scores, the
    one that maximises the smaller of (share answered in scope, share declined out of scope), halfway
    between the two scores on either side so that neither sits on the edge.
    """
    s = x @ weights + bias
    order = np.sort(np.unique(s))
    cuts = np.concatenate([[order[0] - 1.0], (order[:-1] + order[1:]) / 2, [order[-1] + 1.0]])
    ins, outs = y == 1, y == 0

    def quality(t: float) -> tuple[float, float]:
        a, d = (s[ins] >= t).mean(), (s[outs] < t).mean()
        return min(a, d), a + d

    return float(max(cuts, key=quality))


def matrix(rows: list[Row], names: list[str]) -> tuple[np.ndarray, np.ndarray]:
    x = np.array([[r.features[f] for f in names] for r in rows], dtype=float)
    y = np.array([r.inside for r in rows], dtype=float)
    return x, y


def rates(rows: list[Row], names: list[str], weights: np.ndarray, bias: float,
          threshold: float = 0.0) -> tuple[str, float, float]:
    x, y = matrix(rows, names)
    # the rules' verdict where they give one, else the model's (kb.query.relevance.Evidence.relevant)
    model = x @ weights + bias >= threshold
    answer = np.array([m if r.ruled is None else r.ruled for m, r in zip(model, rows, strict=True)])
    ins, outs = y == 1, y == 0
    a = answer[ins].sum()
    d = (~answer[outs]).sum()
    text = f"in scope answered {a:3d}/{ins.sum():3d} ({a / max(ins.sum(), 1):.1%}), " \
           f"out of scope declined {d:3d}/{outs.sum():3d} ({d / max(outs.sum(), 1):.1%})"
    return text, a / max(ins.sum(), 1), d / max(outs.sum(), 1)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--pair", nargs="+", action="append", metavar=("INDEX", "QUESTIONS"), required=True)
    ap.add_argument("--features", nargs="+", default=list(DEFAULT_FEATURES), choices=FEATURES)
    ap.add_argument("--ridge", type=float, default=RIDGE)
    ap.add_argument("--balance", action="store_true",
                    help="move the threshold to equalise the two error rates on the fitted rows")
    ap.add_argument("--cache", type=Path, help="read/write the computed features here (JSON)")
    ap.add_argument("--write", action="store_true", help=f"store the final model in kb/query/{MODEL_FILE}")
    args = ap.parse_args()
    if args.cache and args.cache.exists():
        rows = [Row(**r) for r in json.loads(args.cache.read_text(encoding="utf-8"))]
    else:
        rows = collect(args.pair)
        if args.cache:
            args.cache.write_text(json.dumps([r.__dict__ for r in rows], ensure_ascii=False), encoding="utf-8")
    names = list(args.features)
    indexes = sorted({r.index for r in rows})
    print(f"features: {' '.join(names)}; ridge {args.ridge}")
    worst = [1.0, 1.0]
    measured: list[str] = []
    for test in indexes:
        train = [r for r in rows if r.index != test and not r.held_out]
        if not train:
            continue
        w, b = fit(*matrix(train, names), ridge=args.ridge)
        t = balance(*matrix(train, names), w, b) if args.balance else 0.0
        text, a, d = rates([r for r in rows if r.index == test and (r.inside or r.held_out)], names, w, b, t)
        worst = [min(worst[0], a), min(worst[1], d)]
        measured.append(f"cross-corpus: fit on {'+'.join(i for i in indexes if i != test)} calibration, "
                        f"test on {test} (all its questions, held-out everyday ones): {text}")
        print("  " + measured[-1])
    calibration = [r for r in rows if not r.held_out]
    w, b = fit(*matrix(calibration, names), ridge=args.ridge)
    t = balance(*matrix(calibration, names), w, b) if args.balance else 0.0
    for label, part in (("calibration", False), ("held-out", True)):
        for index in indexes:
            text, _, _ = rates([r for r in rows if r.index == index and r.held_out == part], names, w, b, t)
            measured.append(f"final model, {label} [{index}]: {text}")
            print("  " + measured[-1])
        text, _, _ = rates([r for r in rows if r.held_out == part], names, w, b, t)
        measured.append(f"final model, {label} [all]: {text}")
        print("  " + measured[-1])
    print(f"  worst cross-corpus: answered {worst[0]:.1%}, declined {worst[1]:.1%}")
    coefficients = {f: round(float(v), 4) for f, v in zip(names, w, strict=True)}
    print("  weights:", coefficients, "bias", round(b, 4), "threshold", round(t, 4))
    if args.write:
        data = {
            "fitted_by": "bench/fit_relevance.py",
            "features": names,
            "weights": coefficients,
            "bias": round(b, 4),
            "threshold": round(t, 4),
            "ridge": args.ridge,
            "measured": measured,
        }
        MODEL_PATH.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        print(f"wrote {MODEL_PATH.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
