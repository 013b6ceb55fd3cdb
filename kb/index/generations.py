"""Generations of an index folder, swapped into place in one atomic step.

    index -> index.20250101T120000123456Z    a relative symlink: what readers open
    index.20250101T120000123456Z/            one complete index (its manifest written last)
    index.20250101T120000123456Z/.readers    held with a shared flock while a reader loads it
    .index.lock                              held with an exclusive flock by the one build running

A build writes a hidden staging folder, renames it into a new generation and then
points ``index`` at it by renaming a fresh symlink over the old one (``os.replace``,
which rename(2) makes atomic): at every instant ``index`` names a complete
generation, the old one or the new one, and a kill at any step leaves one of them
in place.  Older generations are removed once no reader holds them; every removal
happens under the build lock, so nothing is removed while a build is running.

A plain folder ``index/`` written by an older kb is read as it is; the next build
renames it into a generation and puts the link in its place.  That one step is two
renames; should a kill fall between them, readers find the newest complete
generation beside the missing link, and the next build puts the link back.

The folder the user names stays a plain path: ``index/manifest.json`` still works
through the link, for people and scripts alike.  Without ``fcntl`` (Windows) the
swap is still atomic, but builds and readers do not lock.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import secrets
import shutil
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from kb.errors import IndexDamaged, IndexMissing, KBError
from kb.index.manifest import MANIFEST_FILE

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

log = logging.getLogger(__name__)

READERS = ".readers"
#: How long a second build waits for the first before giving up (seconds).
BUILD_WAIT = 600.0
#: How long retiring an old-style folder waits for readers that are loading it (seconds).
READER_WAIT = 30.0
_STAMP = r"\d{8}T\d{12}Z(?:-\d+)?"
#: Hidden names a build leaves only if it is killed (``old``: kb before generations).
_LEFTOVERS = ("building", "link", "old", "trash", "retired")


def _step(name: str) -> None:
    """A point between two steps of a swap; tests replace it to stop a build right there."""


# ------------------------------------------------------------------ names


def anchor(folder: Path | str) -> Path:
    """The path whose entry a build replaces: ``folder``, or the end of a link chain the user made."""
    path = Path(os.path.abspath(folder))
    for _ in range(40):
        if not path.is_symlink() or _generation_name(path):
            return path
        path = Path(os.path.abspath(path.parent / os.readlink(path)))
    raise KBError(f"{folder}: too many levels of symbolic links")


def _generation_name(link: Path) -> str | None:
    """The generation ``link`` points at, if it is a link this module made."""
    try:
        target = os.readlink(link)
    except OSError:
        return None
    return target if re.fullmatch(re.escape(link.name) + r"\." + _STAMP, target) else None


def generations(link: Path) -> list[Path]:
    """The generation folders beside ``link``, oldest first."""
    pattern = re.compile(re.escape(link.name) + r"\." + _STAMP)
    try:
        entries = list(os.scandir(link.parent))
    except FileNotFoundError:
        return []
    found = [Path(e.path) for e in entries if pattern.fullmatch(e.name) and e.is_dir(follow_symlinks=False)]
    return sorted(found, key=lambda p: p.name)


def _stamp(when: float | None = None) -> str:
    when = time.time() if when is None else when
    micros = int(round(when * 1_000_000)) % 1_000_000
    return time.strftime("%Y%m%dT%H%M%S", time.gmtime(int(when))) + f"{micros:06d}Z"


def _free_name(link: Path, when: float | None = None) -> Path:
    base = link.with_name(f"{link.name}.{_stamp(when)}")
    path, n = base, 1
    while os.path.lexists(path):
        path, n = base.with_name(f"{base.name}-{n}"), n + 1
    return path


def _complete(folder: Path) -> bool:
    return (folder / MANIFEST_FILE).is_file()


def current(folder: Path | str) -> Path:
    """The folder a reader loads now: the linked generation, an old-style plain folder, or after an
    interrupted migration the newest complete generation.  IndexMissing when there is none."""
    link = anchor(folder)
    name = _generation_name(link)
    if name is not None and (link.parent / name).is_dir():
        return link.parent / name
    if name is None and link.is_dir():
        return link
    done = [g for g in generations(link) if _complete(g)]
    if done:
        return done[-1]
    raise IndexMissing(f"no index in {folder}/ yet: run `kb build` first")


def is_linked(folder: Path | str) -> bool:
    """Whether ``folder`` is a link to a generation (an index built by this kb)."""
    return _generation_name(anchor(folder)) is not None


# ----------------------------------------------------------------- locks


def _flock(fd: int, how: int) -> bool:
    """Take a lock; False when it is held elsewhere and ``how`` asked not to wait."""
    if fcntl is None:
        return True
    try:
        fcntl.flock(fd, how)
    except BlockingIOError:
        return False
    return True


def _open_readers(folder: Path, create: bool) -> int | None:
    try:
        return os.open(folder / READERS, os.O_RDONLY)
    except FileNotFoundError:
        if not create:
            return None
    try:
        return os.open(folder / READERS, os.O_RDONLY | os.O_CREAT, 0o644)
    except OSError:  # a read-only index folder: read it without a lease
        return None


class Lease:
    """A shared hold on one generation while it is read: no build removes it meanwhile."""

    def __init__(self, link: Path, folder: Path, fd: int | None):
        self.link, self.folder, self._fd = link, folder, fd

    def release(self) -> None:
        """Let go; an old generation no longer read by anyone is removed now."""
        if self._fd is None:
            return
        os.close(self._fd)
        self._fd = None
        try:
            if current(self.link) != self.folder:
                sweep(self.link, wait=0.0, leftovers=False)
        except (OSError, KBError):
            log.debug("could not tidy %s", self.link, exc_info=True)

    def __enter__(self) -> Lease:
        return self

    def __exit__(self, *exc) -> None:
        self.release()


def lease(folder: Path | str) -> Lease:
    """Hold the generation a reader should load now (see :func:`current`)."""
    link = anchor(folder)
    for _ in range(50):
        gen = current(link)
        fd = _open_readers(gen, create=gen == link and _complete(gen))
        if fd is None:
            if gen.is_dir():
                return Lease(link, gen, None)
            continue
        _flock(fd, fcntl.LOCK_SH if fcntl else 0)
        try:
            same = current(link) == gen and os.stat(gen / READERS).st_ino == os.fstat(fd).st_ino
        except (OSError, KBError):
            same = False
        if same:
            return Lease(link, gen, fd)
        os.close(fd)
    raise IndexDamaged(f"{folder}: the index kept changing while it was being opened; try again")


@contextlib.contextmanager
def build_lock(folder: Path | str, wait: float = BUILD_WAIT) -> Iterator[Path]:
    """Hold the one build of ``folder``: a second build waits up to ``wait`` seconds, then fails with a message."""
    link = anchor(folder)
    link.parent.mkdir(parents=True, exist_ok=True)
    path = link.parent / f".{link.name}.lock"
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        if not _wait_exclusive(fd, wait, link, path):
            raise KBError(f"{folder}/: another build is running ({_holder(path)}); "
                          "run `kb build` again when it has finished")
        os.ftruncate(fd, 0)
        os.write(fd, f"pid {os.getpid()} since {time.strftime('%H:%M:%S')}".encode())
        try:
            yield link
        finally:
            os.ftruncate(fd, 0)
    finally:
        os.close(fd)  # closing releases the lock


def _wait_exclusive(fd: int, wait: float, link: Path, path: Path) -> bool:
    if fcntl is None:
        return True
    deadline = time.monotonic() + wait
    told = False
    while not _flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB):
        if time.monotonic() >= deadline:
            return False
        if not told:
            log.warning("kb: another build of %s/ is running (%s); waiting for it to finish …", link, _holder(path))
            told = True
        time.sleep(0.1)
    return True


def _holder(path: Path) -> str:
    try:
        text = path.read_text(encoding="utf-8").strip()
    except OSError:
        text = ""
    return text or "another process"


def building(folder: Path | str) -> str | None:
    """Who holds the build lock of ``folder`` right now, or None."""
    link = anchor(folder)
    path = link.parent / f".{link.name}.lock"
    if fcntl is None or not path.exists():
        return None
    fd = os.open(path, os.O_RDONLY)
    try:
        if _flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB):
            return None
        return _holder(path)
    finally:
        os.close(fd)


# ------------------------------------------------------------------ swap


def stage(link: Path) -> Path:
    """A fresh hidden folder beside ``link`` for a build to write into."""
    if os.path.lexists(link) and not link.is_symlink() and not link.is_dir():
        raise KBError(f"{link}: is a file, not an index folder; choose another --index")
    link.parent.mkdir(parents=True, exist_ok=True)
    folder = Path(tempfile.mkdtemp(prefix=f".{link.name}.building-", dir=link.parent))
    (folder / READERS).touch()
    return folder


def publish(link: Path, staged: Path) -> Path:
    """Make the complete folder ``staged`` the current generation of ``link`` (hold the build lock)."""
    _sync_tree(staged)
    _step("staged")
    gen = _free_name(link)
    os.rename(staged, gen)
    _sync_dir(link.parent)
    _step("renamed")
    if link.is_dir() and not link.is_symlink():
        _retire(link)
        _step("retired")
    tmp = link.with_name(f".{link.name}.link-{secrets.token_hex(4)}")
    os.symlink(gen.name, tmp)
    _step("linked")
    os.replace(tmp, link)  # the one step readers see: the old generation before, the new one after
    _sync_dir(link.parent)
    _step("swapped")
    try:
        sweep(link, wait=0.0, keep=gen, locked=True)
    except OSError:
        log.warning("kb: could not remove old index generations beside %s", link, exc_info=True)
    return gen


def _retire(link: Path) -> None:
    """Move an old-style plain index folder aside (into a generation, if it holds an index)."""
    fd = _open_readers(link, create=True)
    try:
        if fd is not None and fcntl is not None and not _wait_readers(fd):
            raise KBError(f"{link}/: the index is being read by another process; run `kb build` again")
        if _complete(link):
            target = _free_name(link, (link / MANIFEST_FILE).stat().st_mtime)
        else:  # a placeholder (.gitkeep, README.md): its keep-files were copied into the new index
            target = link.with_name(f".{link.name}.retired-{secrets.token_hex(4)}")
        try:
            os.rename(link, target)
        except OSError as e:
            raise KBError(f"{link}/: cannot be replaced by the new index ({e.strerror or e}); "
                          "if it is a mount point, mount the folder above it instead") from e
    finally:
        if fd is not None:
            os.close(fd)


def _wait_readers(fd: int) -> bool:
    deadline = time.monotonic() + READER_WAIT
    while not _flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB):
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.05)
    return True


def sweep(link: Path, wait: float = 0.0, keep: Path | None = None, leftovers: bool = True,
          locked: bool = False) -> list[Path]:
    """Remove old generations no reader holds, and (``leftovers``) what killed builds left.

    Runs under the build lock: ``locked`` says the caller holds it; otherwise it is
    taken if free within ``wait`` seconds, and nothing is done if a build is running.
    Returns what was removed.
    """
    if not locked:
        try:
            with build_lock(link, wait):
                return sweep(link, keep=keep, leftovers=leftovers, locked=True)
        except KBError:
            return []
    removed: list[Path] = []
    try:
        live = current(link)
    except IndexMissing:
        live = None
    for gen in generations(link):
        if gen in (live, keep):
            continue
        if _remove_generation(link, gen):
            removed.append(gen)
    if leftovers:
        for path in _leftovers(link):
            _remove(path)
            removed.append(path)
    return removed


def _leftovers(link: Path) -> list[Path]:
    prefixes = tuple(f".{link.name}.{kind}-" for kind in _LEFTOVERS)
    try:
        return [Path(e.path) for e in os.scandir(link.parent) if e.name.startswith(prefixes)]
    except FileNotFoundError:
        return []


def leftovers(folder: Path | str) -> list[Path]:
    """What interrupted builds left beside ``folder`` (removed by the next build)."""
    return _leftovers(anchor(folder))


def _remove_generation(link: Path, gen: Path) -> bool:
    fd = _open_readers(gen, create=False)
    try:
        if fd is not None and fcntl is not None and not _flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB):
            return False  # a reader is loading it: the next build (or that reader) removes it
        trash = link.with_name(f".{link.name}.trash-{secrets.token_hex(4)}")
        try:
            os.rename(gen, trash)
        except FileNotFoundError:
            return False
    finally:
        if fd is not None:
            os.close(fd)
    _remove(trash)
    return True


def _remove(path: Path) -> None:
    if path.is_symlink() or not path.is_dir():
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
    else:
        shutil.rmtree(path, ignore_errors=True)


def _sync_tree(folder: Path) -> None:
    """Flush every file of a staged index to disk before it is published (a crash keeps whole files)."""
    for path in folder.rglob("*"):
        if path.is_file():
            fd = os.open(path, os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
    _sync_dir(folder)


def _sync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
