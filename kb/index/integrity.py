"""Is the index what the build wrote?  Sizes on every open, SHA-256 when asked.

The manifest records the size and SHA-256 of every file of the index
(:class:`~kb.index.manifest.FileRecord`).  Opening an index compares the sizes
(a stat per file: a truncated, emptied or missing file is named before any
loader trips over it); a build, ``kb doctor`` and the app at start compare the
checksums too, which finds a file overwritten with other bytes of the same size
(random vectors of the right shape, say).

Problems are :class:`Problem` values, one per file, so that one message can name
every damaged file and say what to do.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from kb.errors import IndexDamaged
from kb.index.manifest import FileRecord, Manifest

#: What every message about a damaged index ends with.
FIX = "rebuild with `kb build`"
_CHUNK = 1 << 20


@dataclass(frozen=True)
class Problem:
    """One file that is not as the build wrote it."""

    path: str
    what: str

    def to_dict(self) -> dict[str, str]:
        return {"path": self.path, "what": self.what}


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(_CHUNK):
            h.update(block)
    return h.hexdigest()


def files_under(folder: Path, names: Iterable[str]) -> list[str]:
    """The files ``names`` stand for inside ``folder``, as sorted relative paths (a folder counts file by file)."""
    out: list[str] = []
    for name in names:
        path = folder / name
        if path.is_dir():
            out += sorted(p.relative_to(folder).as_posix() for p in path.rglob("*") if p.is_file())
        else:
            out.append(name)
    return out


def record(folder: Path, names: Iterable[str]) -> tuple[FileRecord, ...]:
    """Size and SHA-256 of every file ``names`` stand for, as the manifest keeps them."""
    return tuple(FileRecord(rel, (folder / rel).stat().st_size, sha256_file(folder / rel))
                 for rel in files_under(folder, names))


def check(folder: Path, manifest: Manifest, checksums: bool = False,
          only: Sequence[str] | None = None) -> list[Problem]:
    """The recorded files of ``folder`` that are missing, of another size or (``checksums``) other bytes.

    ``only`` restricts the check to those paths (a build checks just the files it reuses).
    """
    return check_records(folder, manifest.checksums, checksums, only)


def check_records(folder: Path, records: Iterable[FileRecord], checksums: bool = False,
                  only: Sequence[str] | None = None) -> list[Problem]:
    """:func:`check` against a list of records rather than a whole manifest."""
    problems: list[Problem] = []
    for rec in records:
        if only is not None and rec.path not in only:
            continue
        path = folder / rec.path
        try:
            size = os.stat(path).st_size
        except FileNotFoundError:
            problems.append(Problem(rec.path, "the file is missing"))
            continue
        except OSError as e:
            problems.append(Problem(rec.path, f"cannot be read ({e.strerror or e})"))
            continue
        if size != rec.size:
            problems.append(Problem(rec.path, f"damaged: {size:,} bytes, the build wrote {rec.size:,}"))
            continue
        if checksums:
            try:
                digest = sha256_file(path)
            except OSError as e:
                problems.append(Problem(rec.path, f"cannot be read ({e.strerror or e})"))
                continue
            if digest != rec.sha256:
                problems.append(Problem(rec.path, "damaged: its bytes changed after the build (SHA-256 differs)"))
    return problems


def damaged(shown: Path, problems: Sequence[Problem]) -> IndexDamaged:
    """One error naming every damaged file under the folder the user named, and the fix."""
    parts = [f"{shown / p.path}: {p.what}" for p in problems]
    return IndexDamaged("; ".join(parts) + f"; {FIX}")


def verify(folder: Path, manifest: Manifest, shown: Path | None = None, checksums: bool = False) -> None:
    """Raise :class:`IndexDamaged` naming each file that is not as built (see :func:`check`)."""
    problems = check(folder, manifest, checksums)
    if problems:
        raise damaged(shown or folder, problems)
