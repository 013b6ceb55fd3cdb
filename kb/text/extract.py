"""Compatibility: the old home of the text rules, now one module per rule.

Use :mod:`kb.text.normalize`, :mod:`kb.text.sentences`, :mod:`kb.text.dates`,
:mod:`kb.text.targets`, :mod:`kb.text.owners` and :mod:`kb.text.marks` directly.
This module only re-exports them for importers outside kb/text that have not
moved yet (kb.interfaces, tests/integration); delete it once they have.
"""

from __future__ import annotations

from kb.text.dates import find_baseline_dates, find_deadlines, is_retrospective
from kb.text.marks import mark
from kb.text.normalize import normalize
from kb.text.owners import find_owners, find_places
from kb.text.sentences import sentences
from kb.text.targets import Target, deadline_action, find_targets, parse_quantity, split_unit

__all__ = [
    "Target",
    "deadline_action",
    "find_baseline_dates",
    "find_deadlines",
    "find_owners",
    "find_places",
    "find_targets",
    "is_retrospective",
    "mark",
    "normalize",
    "parse_quantity",
    "sentences",
    "split_unit",
]
