"""Derived tables cached under kb's home: one folder per source file, written atomically.

jieba's dictionary is the source of two tables kb reads instead of it (kb.text.postags, kb.text.wordfreq).
Each is keyed by the source file's path, size and modification time, and by the table's own format,
so a changed dictionary or a new layout is never read from an old folder.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Protocol, TypeVar


class Saved(Protocol):
    def save(self, folder: Path) -> None: ...


T = TypeVar("T", bound=Saved)


def stamp(source: Path, fmt: int) -> str:
    """A short key for ``source`` as it is now, in a table format ``fmt``."""
    st = source.stat()
    return hashlib.sha256(f"{source}|{st.st_size}|{st.st_mtime_ns}|{fmt}".encode()).hexdigest()[:16]


def save_atomically(folder: Path, write: Callable[[Path], None]) -> None:
    """Run ``write`` into a fresh sibling folder, then rename it to ``folder``: a reader sees all or nothing.

    When another process got there first its folder stays: it holds the same table.
    """
    folder = Path(folder)
    folder.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".{folder.name}.", dir=folder.parent))
    try:
        write(work)
        with contextlib.suppress(OSError):
            os.rename(work, folder)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def load_or_make(folder: Path | None, load: Callable[[Path], T], make: Callable[[], T]) -> T:
    """The table saved in ``folder``, else ``make()``'s, saved there for next time.

    ``load`` raises ValueError on a damaged or foreign folder, which is then made again; with no
    ``folder`` (no home) or an unwritable one, the table is made in memory each time.
    """
    if folder is not None and folder.is_dir():
        try:
            return load(folder)
        except ValueError:
            shutil.rmtree(folder, ignore_errors=True)
    table = make()
    if folder is not None:
        with contextlib.suppress(OSError):
            table.save(folder)
    return table
