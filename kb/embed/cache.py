"""Housekeeping of kb's model cache: work folders that a killed conversion or export left behind."""

from __future__ import annotations

import shutil
import time
from pathlib import Path


def remove_stale(root: Path, pattern: str, max_age_s: float = 3600.0) -> None:
    """Delete folders under ``root`` matching ``pattern`` older than ``max_age_s`` (each can be GBs).

    Young ones may belong to a conversion running right now in another process, so they stay.
    """
    for stale in root.glob(pattern):
        try:
            if time.time() - stale.stat().st_mtime > max_age_s:
                shutil.rmtree(stale, ignore_errors=True)
        except OSError:
            continue
