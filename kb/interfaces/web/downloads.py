"""The files an app hands out (register tables, quiz papers), in a folder of its own.

A download depends only on the (read-only) index and the form's values, so a
server that runs for months keeps one file per distinct request, not one per
click, at most ``limit`` of them (the oldest go first) and none older than
``max_age`` seconds (written again if asked for again).  Each file is written
under a temporary name and renamed into place, so no session is handed another's
half-written file.  The folder belongs to one app and is removed with it (or at
interpreter exit), whichever comes first; ``kb serve`` puts it inside the
server's private folder (kb.interfaces.web.security).
"""

from __future__ import annotations

import os
import shutil
import tempfile
import threading
import time
import uuid
import weakref
from collections import OrderedDict
from collections.abc import Callable, Hashable
from pathlib import Path

#: Distinct downloads kept at once; Gradio copies each into its own cache when it is served.
LIMIT = 64
#: How long a download is kept (seconds): long enough to click it, short enough not to pile up.
MAX_AGE = 3600.0


class Downloads:
    """A private temporary folder with one file per distinct export request."""

    def __init__(self, limit: int = LIMIT, prefix: str = "kb-app-", parent: Path | str | None = None,
                 max_age: float = MAX_AGE, clock: Callable[[], float] = time.monotonic):
        self.folder = Path(tempfile.mkdtemp(prefix=prefix, dir=parent))
        self.limit = max(1, limit)
        self.max_age, self.clock = max_age, clock
        self._files: OrderedDict[Hashable, Path] = OrderedDict()
        self._made: dict[Hashable, float] = {}
        self._lock = threading.Lock()
        self._remove = weakref.finalize(self, shutil.rmtree, self.folder, ignore_errors=True)

    def file(self, name: str, key: Hashable, write: Callable[[Path], object]) -> str:
        """The path of ``name`` for request ``key``: written by ``write(path)`` the first time, then reused."""
        with self._lock:
            self._expire()
            known = self._files.get(key)
            if known is not None and known.exists():
                self._files.move_to_end(key)
                return str(known)
        folder = Path(tempfile.mkdtemp(dir=self.folder))
        path = folder / name
        part = folder / f".{uuid.uuid4().hex}{path.suffix}"
        try:
            write(part)
            os.replace(part, path)
        except BaseException:
            shutil.rmtree(folder, ignore_errors=True)
            raise
        with self._lock:
            known = self._files.get(key)
            if known is not None and known.exists():  # another session wrote the same file meanwhile
                shutil.rmtree(folder, ignore_errors=True)
                return str(known)
            self._files[key] = path
            self._made[key] = self.clock()
            while len(self._files) > self.limit:
                old_key, old = self._files.popitem(last=False)
                self._made.pop(old_key, None)
                shutil.rmtree(old.parent, ignore_errors=True)
        return str(path)

    def _expire(self) -> None:
        """Remove the files made more than ``max_age`` seconds ago (hold the lock)."""
        now = self.clock()
        for key in [k for k, made in self._made.items() if now - made > self.max_age]:
            path = self._files.pop(key, None)
            self._made.pop(key, None)
            if path is not None:
                shutil.rmtree(path.parent, ignore_errors=True)

    def __len__(self) -> int:
        return len(self._files)

    def close(self) -> None:
        """Remove the folder and every file in it now."""
        self._remove()
