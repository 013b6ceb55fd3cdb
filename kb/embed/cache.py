"""Housekeeping of kb's model cache: stale work folders, and the digests that check cached files."""

from __future__ import annotations

import hashlib
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


def file_sha256(path: Path) -> str:
    """The SHA-256 of a file, read in 4 MiB blocks (model files are hundreds of MB)."""
    digest = hashlib.sha256()
    with Path(path).open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 22), b""):
            digest.update(chunk)
    return digest.hexdigest()
