"""What kb agrees to read: regular files inside the corpus, of a sane size, in paragraphs of a sane length.

A corpus folder is whatever an office's shared drive holds, so nothing in it is
trusted.  Before a byte is read:

* only regular files are opened: a named pipe would hang the build and a device
  (``/dev/zero``) would fill memory, so each is refused by name after ``os.stat``,
  and the file is opened non-blocking and checked again once open;
* links are followed only to files inside the corpus folder; a broken link, a
  loop, or a link out of the corpus is reported, not followed;
* a file over the size limit (``KB_MAX_FILE_MB``, 50 MB by default) is refused,
  and no more than the limit is ever read;
* a folder named like a document (``notes.txt/``) is reported, as every skipped
  entry is: nothing is passed over in silence.

A paragraph over :data:`MAX_PARAGRAPH_CHARS` (a 10 MB line with no line breaks,
say) is split at sentence ends before it is structured, and so is any passage the
structure makes longer than that (the paragraphs above a plan's first heading
form one preamble): every passage indexed, and so every answer, stays that short.
"""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import TypeVar

from kb.config import Config
from kb.document import LEAF_KINDS, Node
from kb.errors import IngestError

#: A block of kb.ingest.clean (not imported: the loaders read files through this module, and clean reads them).
B = TypeVar("B")

#: Longest passage indexed as one: over three times the longest in the eight dev documents (891
#: characters).  An answer quotes sentences of one passage, so it is never longer either.
MAX_PARAGRAPH_CHARS = 3000
#: Where a long paragraph is preferably cut: after a sentence, then after a clause.
SENTENCE_ENDS = "。！？；!?;"
CLAUSE_ENDS = "，、：,: "
#: Document suffixes, to recognise a folder named like a file.
DOCUMENT_SUFFIXES = (".txt", ".md", ".markdown", ".pdf", ".docx", ".html", ".htm")
MB = 1024 * 1024


def max_file_bytes() -> int:
    """The size limit per file now (KB_MAX_FILE_MB, read when asked)."""
    return Config.from_env().max_file_bytes


def _hidden(parts: tuple[str, ...]) -> bool:
    return any(p.startswith((".", "~$")) for p in parts)


def _inside(path: Path, root: Path) -> bool:
    return path == root or root in path.parents


def _kind(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode):
        return "a character device"
    if stat.S_ISBLK(mode):
        return "a block device"
    if stat.S_ISDIR(mode):
        return "a folder"
    return "not a regular file"


# --------------------------------------------------------------------- walk


def entries(path: Path | str) -> Iterator[Path]:
    """Every entry a corpus path stands for, regular or not (``admit`` judges each).

    A folder yields every visible entry below it that is not a plain folder:
    files, links, pipes, devices, and folders named like a document; hidden
    entries and office lock files (``~$x.docx``) are skipped.  A path that does not
    exist raises :class:`IngestError`, as does a broken link given by name.
    """
    path = Path(path)
    if not os.path.lexists(path):
        raise IngestError(path, "no such file or folder")
    if not path.is_dir():
        yield path
        return
    for top, dirs, files in os.walk(path, followlinks=False):
        here = Path(top)
        rel = here.relative_to(path).parts
        if _hidden(rel):
            dirs[:] = []
            continue
        dirs.sort()
        keep = []
        for d in dirs:
            full = here / d
            if d.startswith((".", "~$")):
                continue
            if full.is_symlink() or d.lower().endswith(DOCUMENT_SUFFIXES):
                yield full  # a link to a folder, or a folder named like a file: admit() says what it is
            if not full.is_symlink():
                keep.append(d)
        dirs[:] = keep
        for f in sorted(files):
            if not f.startswith((".", "~$")):
                yield here / f


def admit(path: Path, root: Path | None = None, limit: int | None = None) -> bool:
    """Whether to read ``path``: True for a regular file within the rules, False for an entry to pass over
    silently (a link to a folder inside the corpus, whose files the walk reaches anyway).

    Everything else raises :class:`IngestError` saying why it is not read.
    ``root`` is the corpus folder links must stay inside (None: a file named by the user).
    """
    limit = max_file_bytes() if limit is None else limit
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        raise IngestError(path, "no such file") from None
    except OSError as e:
        raise IngestError(path, f"cannot be read ({e.strerror or e})") from e
    if stat.S_ISLNK(st.st_mode):
        target = _link_target(path)
        if root is not None and not _inside(target, root):
            raise IngestError(path, f"a link to {target}, outside the corpus folder {root}: not followed")
        st = os.stat(path)
        if stat.S_ISDIR(st.st_mode):
            return False
    if stat.S_ISDIR(st.st_mode):
        raise IngestError(path, "a folder named like a document, not a file (the files inside it are read)")
    if not stat.S_ISREG(st.st_mode):
        raise IngestError(path, f"{_kind(st.st_mode)}, not a regular file: not read")
    if st.st_size > limit:
        raise IngestError(path, too_big(st.st_size, limit))
    return True


def _link_target(path: Path) -> Path:
    try:
        return path.resolve(strict=True)
    except FileNotFoundError:
        raise IngestError(path, f"a broken link (to {os.readlink(path)}): not read") from None
    except RuntimeError:  # pathlib reports a loop so on Python < 3.13
        raise IngestError(path, "a symbolic link loop: not read") from None
    except OSError as e:
        if e.errno == errno.ELOOP:
            raise IngestError(path, "a symbolic link loop: not read") from None
        raise IngestError(path, f"cannot follow the link ({e.strerror or e})") from e


def too_big(size: int, limit: int) -> str:
    return f"{human(size)}, over the limit of {human(limit)} per file (set KB_MAX_FILE_MB to raise it): not read"


def human(size: int) -> str:
    """12.3 MB, 50 MB, 20 KB."""
    if size >= MB:
        return f"{size / MB:,.1f}".removesuffix(".0") + " MB"
    return f"{max(1, round(size / 1024)):,} KB"


def read_bytes(path: Path, limit: int | None = None) -> bytes:
    """The bytes of a regular file, never more than ``limit``: a pipe or device is refused, never opened.

    The file is checked with ``os.stat`` first, opened non-blocking (a pipe put in
    its place meanwhile cannot hang the read) and checked again once open.
    """
    limit = max_file_bytes() if limit is None else limit
    try:
        st = os.stat(path)
        if not stat.S_ISREG(st.st_mode):
            raise IngestError(path, f"{_kind(st.st_mode)}, not a regular file: not read")
        if st.st_size > limit:
            raise IngestError(path, too_big(st.st_size, limit))
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0))
    except IngestError:
        raise
    except OSError as e:
        raise IngestError(path, f"cannot read the file ({e.strerror or e})") from e
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise IngestError(path, f"{_kind(st.st_mode)}, not a regular file: not read")
        with os.fdopen(fd, "rb", closefd=False) as f:
            data = f.read(limit + 1)
    except OSError as e:
        raise IngestError(path, f"cannot read the file ({e.strerror or e})") from e
    finally:
        os.close(fd)
    if len(data) > limit:
        raise IngestError(path, too_big(len(data), limit))
    return data


# --------------------------------------------------------------- paragraphs


def split_long(blocks: list[B], limit: int = MAX_PARAGRAPH_CHARS) -> tuple[list[B], int]:
    """Blocks with every paragraph over ``limit`` characters cut into paragraphs of at most ``limit``,
    and how many were cut."""
    out: list[B] = []
    split = 0
    for b in blocks:
        if b.rows is not None or len(b.text) <= limit:
            out.append(b)
            continue
        split += 1
        for piece in pieces(b.text, limit):
            out.append(replace(b, text=piece, original=piece, heading=None, display=False, starts=True,
                               extra=dict(b.extra)))
    return out, split


def split_long_nodes(nodes: list[Node], limit: int = MAX_PARAGRAPH_CHARS) -> tuple[list[Node], int]:
    """Passages (leaf nodes) over ``limit`` characters as consecutive passages of at most ``limit``,
    and how many were split.  The first piece keeps the node's id; the others follow it, 「title（续2）」…"""
    out: list[Node] = []
    split = 0
    for n in nodes:
        if n.kind not in LEAF_KINDS or len(n.text) <= limit:
            out.append(n)
            continue
        split += 1
        for k, piece in enumerate(pieces(n.text, limit), start=1):
            out.append(replace(
                n, id=n.id if k == 1 else f"{n.id}~{k}", text=piece, original=piece,
                title=n.title if k == 1 else f"{n.title}（续{k}）"))
    return out, split


def pieces(text: str, limit: int = MAX_PARAGRAPH_CHARS) -> list[str]:
    """``text`` in consecutive pieces of at most ``limit`` characters, cut after a sentence where there is one."""
    out: list[str] = []
    start = 0
    while len(text) - start > limit:
        window = text[start:start + limit]
        cut = _last_of(window, SENTENCE_ENDS, limit // 2) or _last_of(window, CLAUSE_ENDS, limit // 2) or limit
        out.append(text[start:start + cut])
        start += cut
    out.append(text[start:])
    return [p for p in out if p.strip()]


def _last_of(window: str, marks: str, least: int) -> int:
    """Just after the last of ``marks`` in ``window``, if it falls in its second half; else 0."""
    best = max(window.rfind(m) for m in marks)
    return best + 1 if best + 1 >= least else 0
