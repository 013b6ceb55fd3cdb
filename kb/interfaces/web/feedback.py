"""👍/👎 on answers, one JSON object per line in ``feedback.jsonl`` beside the index.

Each line says when, which knowledge base, the question (and what was searched
after folding in the conversation), the answer as shown in plain text, the cited
node ids in rank order and the vote (``up``/``down``), so the bench can replay the
questions and see which citations users rejected.  Lines are appended under a
lock and flushed one by one: a crash loses at most the line being written.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path

__all__ = ["Vote", "read_feedback", "record_feedback"]

_LOCK = threading.Lock()


@dataclass(frozen=True)
class Vote:
    """One 👍 or 👎 on one answer."""

    index: str
    question: str
    searched: str
    answer: str
    vote: str
    citations: tuple[dict, ...] = ()
    time: str = field(default_factory=lambda: time.strftime("%Y-%m-%dT%H:%M:%S%z"))

    def to_dict(self) -> dict:
        d = asdict(self)
        d["citations"] = [dict(c) for c in self.citations]
        return d


def record_feedback(path: Path | str, vote: Vote) -> None:
    """Append one vote to the JSON-lines file (created with its folder when missing)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    line = json.dumps(vote.to_dict(), ensure_ascii=False) + "\n"
    with _LOCK, open(path, "a", encoding="utf-8") as f:
        f.write(line)
        f.flush()


def read_feedback(path: Path | str) -> Iterator[dict]:
    """Every vote in the file, oldest first; a damaged line is skipped, not fatal."""
    path = Path(path)
    if not path.is_file():
        return
    with path.open(encoding="utf-8") as f:
        for line in f:
            try:
                value = json.loads(line)
            except ValueError:
                continue
            if isinstance(value, dict):
                yield value
