"""Errors a user can act on. The CLI prints their message as one line; the app shows it politely."""

from __future__ import annotations


class KBError(Exception):
    """Base class for expected, user-facing failures."""


class IndexMissing(KBError):
    """There is no index yet where one was asked for."""


class IndexMismatch(KBError):
    """The index on disk was built by another model or another format version."""


class QueryError(KBError):
    """The question cannot be searched (empty, or too long)."""
