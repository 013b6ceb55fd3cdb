"""The register's 责任主体 on hand-checked rows of real plans (tests/data/register_owners.jsonl).

Each expectation was read off the cited clause: the owner note that closes it, or the
body its own sentence assigns, or nothing — a place or body that a neighbouring
sentence names is not an owner.  A row fails when an owner is wrong, missing or spurious.
"""

from __future__ import annotations

import json
from functools import cache

import pytest
from support.paths import DATA, ROOT, SHARED

from kb.ingest.parse import parse_file
from kb.tools.register import Commitment, build_register

ROOTS = {"corpus": ROOT / "corpus", "corpus-dev": SHARED / "corpus-dev"}
CASES = [json.loads(line) for line in (DATA / "register_owners.jsonl").read_text(encoding="utf-8").splitlines()
         if line.strip()]


@cache
def register(doc: str) -> tuple[Commitment, ...]:
    top, name = doc.split("/", 1)
    path = ROOTS[top] / name
    if not path.is_file():
        pytest.skip(f"{path} is not here")
    return tuple(build_register(list(parse_file(path).nodes)))


def entry(case: dict) -> Commitment:
    found = [c for c in register(case["doc"]) if c.node_id == case["node"]
             and ("value" not in case or c.value == case["value"])
             and ("deadline" not in case or c.deadline == case["deadline"])
             and case["snippet"].replace(" ", "") in c.text.replace(" ", "")]
    assert found, f"no register row for {case}"
    return found[0]


def test_the_set_is_large_and_mixed():
    assert len(CASES) >= 30
    assert sum(not c["owners"] for c in CASES) >= 10 and sum(bool(c["owners"]) for c in CASES) >= 10
    assert len({c["doc"] for c in CASES}) >= 3


@pytest.mark.parametrize("case", CASES, ids=[f"{c['node']}={c.get('value') or c.get('deadline')}" for c in CASES])
def test_register_owners_are_the_assigned_ones(case):
    assert list(entry(case).owners) == case["owners"], case["reading"]
