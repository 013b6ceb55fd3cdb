"""The contract of an index part: it builds, saves itself into the index folder and loads back.

Each backend owns a fixed set of names inside the index folder (``files``), writes
only those, and describes itself for the manifest (``settings``).  The store
composes backends without knowing what is in their files, the way bm25s saves its
own arrays and each sentence-transformers module owns its own folder.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from pathlib import Path
from typing import Any, ClassVar, TypeVar

B = TypeVar("B", bound="Backend")

#: What a backend may record about itself: JSON scalars only.
Setting = str | int | float | bool


class Backend(ABC):
    """One retriever of the index (lexical, dense), saved into and loaded from the index folder."""

    #: The part's name in the manifest.
    name: ClassVar[str]
    #: Files and folders it owns, relative to the index folder.
    files: ClassVar[tuple[str, ...]]

    @classmethod
    @abstractmethod
    def build(cls: type[B], *args: Any, **kwargs: Any) -> B:
        """Build from what the backend indexes (texts for lexical, vectors for dense)."""

    @abstractmethod
    def save(self, folder: Path) -> None:
        """Write ``files`` into ``folder`` (the index folder being built)."""

    @classmethod
    @abstractmethod
    def load(cls: type[B], folder: Path) -> B:
        """Read ``files`` back from ``folder``; unreadable files raise :class:`kb.errors.IndexDamaged`."""

    @abstractmethod
    def __len__(self) -> int:
        """How many items (documents or vectors) it holds."""

    def settings(self) -> Mapping[str, Setting]:
        """What the manifest records about the part (its type, its parameters)."""
        return {}
