"""What each ranking technique adds: hit@1 / hit@5 per dev set, with one technique switched off at a time.

Each question set is scored on its own index, in process (KnowledgeBase.search, k=10), with the gold
matching of the shared scorer: each gold alternative is a list of strings that must all appear in
one passage, whitespace and quote marks ignored.  The corpus-dev questions are split into plain
(in the documents' words) and colloquial (type "paraphrase").  Prints figures, asserts nothing.

    .venv/bin/python bench/recall.py --pair INDEX Q.jsonl [Q2.jsonl ...] [--pair INDEX2 Q3.jsonl ...]
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import kb.query.search as search  # noqa: E402
from kb.knowledge import KnowledgeBase  # noqa: E402

#: Each row: a name and the ranking constants it changes (everything else as shipped).
TECHNIQUES: list[tuple[str, dict]] = [
    ("as shipped", {}),
    ("no phrase cover", {"PHRASE_WEIGHT": 0.0}),
    ("no thesaurus expansion", {"EXPANSION_WEIGHT": 0.0}),
    ("whole question embedded", {"question_content": lambda q: q}),
    ("BM25 only", {"DENSE_WEIGHT": 0.0}),
    ("dense only", {"DENSE_WEIGHT": 1.0}),
]


def norm(s: str) -> str:
    return re.sub(r"[“”\"‘’'「」『』]", "", re.sub(r"\s+", "", s or ""))


def is_hit(text: str, gold: list[list[str]]) -> bool:
    t = norm(text)
    return any(all(norm(g) in t for g in alt) for alt in gold)


def question_sets(pairs: list[list[str]]) -> list[tuple[str, str, list[dict]]]:
    """(label, index, questions) for every file, corpus-dev style files split into plain and colloquial."""
    out = []
    for index, *files in pairs:
        for f in files:
            qs = [json.loads(line) for line in Path(f).read_text(encoding="utf-8").splitlines() if line.strip()]
            name = f"{Path(index).name}:{Path(f).stem}"
            kinds = {q.get("type") for q in qs}
            if "paraphrase" in kinds and len(kinds) > 1:
                out.append((f"{name}/plain", index, [q for q in qs if q.get("type") != "paraphrase"]))
                out.append((f"{name}/colloquial", index, [q for q in qs if q.get("type") == "paraphrase"]))
            else:
                out.append((name, index, qs))
    return out


def score(kbs: dict[str, KnowledgeBase], sets) -> list[tuple[int, int, int]]:
    rows = []
    for _, index, qs in sets:
        h1 = h5 = 0
        for q in qs:
            flags = [is_hit(h.node.text, q["gold"]) for h in kbs[index].search(q["q"], k=10)]
            h1 += bool(flags and flags[0])
            h5 += any(flags[:5])
        rows.append((h1, h5, len(qs)))
    return rows


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--pair", nargs="+", action="append", metavar=("INDEX", "QUESTIONS"), required=True,
                    help="an index and the question files scored on it")
    args = ap.parse_args()
    sets = question_sets(args.pair)
    kbs = {index: KnowledgeBase.open(index) for index in {s[1] for s in sets}}
    print("technique".ljust(26) + "".join(label.split(":")[-1][:22].rjust(24) for label, _, _ in sets) + "  all hit@1")
    for name, changes in TECHNIQUES:
        saved = {k: getattr(search, k) for k in changes}
        try:
            for k, v in changes.items():
                setattr(search, k, v)
            for kb in kbs.values():
                kb.searcher._last_query_vector, kb.searcher._last_scores = {}, {}
            rows = score(kbs, sets)
        finally:
            for k, v in saved.items():
                setattr(search, k, v)
        cells = "".join(f"{h1 / n:.3f}/{h5 / n:.3f}".rjust(24) for h1, h5, n in rows)
        print(name.ljust(26) + cells + f"  {sum(r[0] for r in rows)}/{sum(r[2] for r in rows)}")


if __name__ == "__main__":
    main()
