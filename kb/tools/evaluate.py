"""The project's own scorer, with the metric definitions of shared/eval/score.py.

hit@1, hit@5 and MRR@10 over gold alternatives (all strings of one alternative
must appear in one returned passage, compared without whitespace and quote marks),
the median length of the top-1 passage, and owner recall for `ask`.
"""

from __future__ import annotations

import json
import re
import statistics
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

_QUOTES = re.compile(r"[“”\"‘’'「」『』]")


def norm(s: str | None) -> str:
    return _QUOTES.sub("", re.sub(r"\s+", "", s or ""))


def is_hit(text: str, gold: Sequence[Sequence[str]]) -> bool:
    t = norm(text)
    return any(all(norm(g) in t for g in alt) for alt in gold)


@dataclass
class Report:
    n: int
    hit1: float
    hit5: float
    mrr10: float
    median_top1_len: float
    owner_recall: float | None = None
    misses: list[dict] = field(default_factory=list)

    def line(self, name: str) -> str:
        s = (f"{name}: n={self.n} hit@1={self.hit1:.3f} hit@5={self.hit5:.3f} "
             f"mrr@10={self.mrr10:.3f} median_top1_len={self.median_top1_len:.0f}")
        return s + (f" owner_recall={self.owner_recall:.3f}" if self.owner_recall is not None else "")


def load_questions(path: Path) -> list[dict]:
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def score(
    questions: Sequence[dict],
    search: Callable[[str], Sequence[str]],
    owners: Callable[[str], Sequence[str]] | None = None,
) -> Report:
    """Score ``search`` (question → ranked passage texts) and optionally ``owners`` (question → names)."""
    h1 = h5 = mrr = 0.0
    lens: list[int] = []
    misses = []
    for q in questions:
        texts = list(search(q["q"]))[:10]
        flags = [is_hit(t, q["gold"]) for t in texts]
        if texts:
            lens.append(len(norm(texts[0])))
        h1 += bool(flags and flags[0])
        h5 += any(flags[:5])
        mrr += next((1 / (i + 1) for i, f in enumerate(flags) if f), 0.0)
        if not (flags and flags[0]):
            misses.append({"id": q.get("id"), "q": q["q"], "top1": texts[0][:60] if texts else "",
                           "rank": next((i + 1 for i, f in enumerate(flags) if f), None)})
    n = len(questions) or 1
    recall = None
    owner_qs = [q for q in questions if q.get("owners")]
    if owners is not None and owner_qs:
        got = want = 0
        for q in owner_qs:
            named = norm(" ".join(owners(q["q"])))
            want += len(q["owners"])
            got += sum(norm(o) in named for o in q["owners"])
        recall = got / want
    return Report(len(questions), h1 / n, h5 / n, mrr / n, statistics.median(lens) if lens else 0, recall, misses)
