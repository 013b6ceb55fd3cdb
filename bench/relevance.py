"""How well the answer gate separates questions the plan covers from ones it does not.

In-scope: the dev question sets and tests/data/questions_own.jsonl.  Out-of-scope:
everyday questions a civil servant might type that this plan does not address.
Prints the share of each side that the gate lets through, and the borderline cases.

    .venv/bin/python bench/relevance.py [--index index] [--eval ../shared/eval]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from kb.knowledge import KnowledgeBase  # noqa: E402
from kb.query.search import RELEVANCE_MIN  # noqa: E402
from kb.tools.evaluate import load_questions  # noqa: E402

OUT_OF_SCOPE = [
    "护照怎么办理？", "今天天气怎么样？", "个人所得税怎么交？", "高考分数线是多少？", "怎么申请公租房？",
    "医保报销比例是多少？", "驾照扣分怎么处理？", "巴中到成都的高铁几点发车？", "幼儿园入学需要什么材料？",
    "社保断缴了怎么办？", "NBA总决赛谁赢了？", "如何做红烧肉？", "苹果手机怎么截图？", "失业金怎么领取？",
    "公务员考试什么时候报名？", "结婚登记要带什么？", "房贷利率是多少？", "怎么养猫？", "电动车上牌流程是什么？",
    "小孩打疫苗在哪里？",
]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--index", type=Path, default=ROOT / "index")
    ap.add_argument("--eval", type=Path, default=ROOT.parent / "shared" / "eval")
    args = ap.parse_args()
    kb = KnowledgeBase.open(args.index)
    files = [args.eval / f"{n}.jsonl" for n in ("dev_plain", "dev_colloquial", "dev_owners")]
    files.append(ROOT / "tests" / "data" / "questions_own.jsonl")
    in_scope = [q["q"] for f in files if f.exists() for q in load_questions(f)]
    print(f"gate: z + 4·coverage >= {RELEVANCE_MIN} and some query word known to the corpus\n")
    for label, qs in (("in scope", in_scope), ("out of scope", OUT_OF_SCOPE)):
        rows = []
        for q in qs:
            ev = kb.evidence(q, kb.search(q, k=5))
            rows.append((ev.score, ev.relevant, ev, q))
        passed = sum(r[1] for r in rows)
        print(f"{label:13s} answered {passed:3d} / {len(rows):3d}  ({passed / len(rows):.1%})")
        edge = sorted(rows)[:5] if label == "in scope" else sorted(rows)[-5:]
        for score, ok, ev, q in edge:
            print(f"    {'answer ' if ok else 'decline'} score {score:5.2f} (z {ev.z:4.2f}, coverage {ev.coverage:.2f}) {q}")


if __name__ == "__main__":
    main()
