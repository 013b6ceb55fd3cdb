"""Where the test data lives."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "data"
CORPUS = ROOT / "corpus"
PLAN_NAME = "巴中市十四五生态环境保护规划"
PLAN_TXT = CORPUS / f"{PLAN_NAME}.txt"
PLAN_PDF = DATA / f"{PLAN_NAME}.pdf"
EDITIONS = {"txt": PLAN_TXT, "pdf": PLAN_PDF}
SHARED = ROOT.parent / "shared"
