"""The index manifest: what was built, by which model, from which documents, in which files.

``manifest.json`` is written last by a build, so its presence marks a complete
index.  It is read back into frozen dataclasses that check every field: a
malformed or foreign manifest is one :class:`~kb.errors.IndexMismatch` naming
the file and the field, never a ``KeyError`` from deep inside a search.

Format 2 added ``files`` and ``parts`` (each backend with the files it owns and
its settings), in place of format 1's ``faiss`` and ``bm25`` entries.  Format 3
(this one) adds ``checksums``: the size and SHA-256 of every file of the index, so
that damage is found by name (see kb.index.integrity).  Format 2 is still read,
without checksums.
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from kb import __version__
from kb.embed.base import ModelSpec
from kb.errors import IndexMismatch, IndexMissing

FORMAT_VERSION = 3
#: Formats this kb reads: format 2 only lacks the checksums.
READABLE_FORMATS = (2, 3)
MANIFEST_FILE = "manifest.json"

#: JSON scalars a part may record as a setting.
_SCALARS = (str, int, float, bool)
#: A field absent from the JSON (``None`` is a value there).
_MISSING = object()


class _Reader:
    """Typed access to one JSON object of the manifest; a wrong or missing field is an IndexMismatch."""

    def __init__(self, data: Any, source: str, at: str = ""):
        if not isinstance(data, dict):
            raise self._error(source, at.rstrip(".") or "top level", "an object", data)
        self.data, self.source, self.at = data, source, at

    @staticmethod
    def _error(source: str, where: str, expected: str, found: Any) -> IndexMismatch:
        what = "nothing" if found is _MISSING else type(found).__name__
        return IndexMismatch(
            f"{source}: the manifest is malformed ({where}: expected {expected}, found {what}); "
            "rebuild with `kb build`"
        )

    def _get(self, key: str, ok: Any, expected: str, default: Any = None) -> Any:
        value = self.data.get(key, _MISSING)
        if value is _MISSING and default is not None:
            return default
        if value is _MISSING or not ok(value):
            raise self._error(self.source, self.at + key, expected, value)
        return value

    def string(self, key: str, default: str | None = None) -> str:
        return self._get(key, lambda v: isinstance(v, str), "a string", default)

    def whole(self, key: str) -> int:
        return self._get(key, lambda v: isinstance(v, int) and not isinstance(v, bool) and v >= 0,
                         "a whole number")

    def strings(self, key: str, default: tuple[str, ...] | None = None) -> tuple[str, ...]:
        ok = lambda v: isinstance(v, list) and all(isinstance(x, str) for x in v)  # noqa: E731
        return tuple(self._get(key, ok, "a list of strings", default))

    def scalars(self, key: str) -> dict[str, Any]:
        ok = lambda v: isinstance(v, dict) and all(isinstance(x, _SCALARS) for x in v.values())  # noqa: E731
        return dict(self._get(key, ok, "an object of plain values", {}))

    def obj(self, key: str) -> Any:
        return self._get(key, lambda v: isinstance(v, dict), "an object")

    def objs(self, key: str) -> list[Any]:
        return self._get(key, lambda v: isinstance(v, list) and all(isinstance(x, dict) for x in v),
                         "a list of objects")



@dataclass(frozen=True)
class ModelRecord:
    """The model that embedded the index: queries must be embedded the same way."""

    name: str
    path: str
    dim: int
    query_prompt: str = ""
    passage_prompt: str = ""

    @classmethod
    def from_spec(cls, spec: ModelSpec, dim: int) -> ModelRecord:
        return cls(spec.name, str(spec.path), int(dim), spec.query_prompt, spec.passage_prompt)

    def to_spec(self) -> ModelSpec:
        return ModelSpec(self.name, self.path, self.query_prompt, self.passage_prompt)

    def to_json(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)}

    @classmethod
    def from_json(cls, data: Any, source: str = MANIFEST_FILE, at: str = "model.") -> ModelRecord:
        r = _Reader(data, source, at)
        return cls(
            r.string("name"), r.string("path"), r.whole("dim"), r.string("query_prompt", ""),
            r.string("passage_prompt", ""),
        )


@dataclass(frozen=True)
class DocumentRecord:
    """One indexed document: its hashes (bytes and words) and what it contributed."""

    name: str
    path: str
    sha256: str
    content_sha256: str
    scheme: str
    nodes: int
    leaves: int

    def to_json(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)}

    @classmethod
    def from_json(cls, data: Any, source: str = MANIFEST_FILE, at: str = "documents[].") -> DocumentRecord:
        r = _Reader(data, source, at)
        return cls(
            r.string("name"), r.string("path"), r.string("sha256"), r.string("content_sha256"), r.string("scheme"),
            r.whole("nodes"), r.whole("leaves"),
        )


@dataclass(frozen=True)
class PartRecord:
    """One backend of the index: the files it owns and the settings it was built with."""

    name: str
    files: tuple[str, ...]
    settings: Mapping[str, Any] = field(default_factory=dict, hash=False)

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "files": list(self.files), "settings": dict(self.settings)}

    @classmethod
    def from_json(cls, data: Any, source: str = MANIFEST_FILE, at: str = "parts[].") -> PartRecord:
        r = _Reader(data, source, at)
        return cls(r.string("name"), r.strings("files"), r.scalars("settings"))


@dataclass(frozen=True)
class FileRecord:
    """One file of the index as the build wrote it: its path inside the index folder, size and SHA-256."""

    path: str
    size: int
    sha256: str

    def to_json(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)}

    @classmethod
    def from_json(cls, data: Any, source: str = MANIFEST_FILE, at: str = "checksums[].") -> FileRecord:
        r = _Reader(data, source, at)
        record = cls(r.string("path"), r.whole("size"), r.string("sha256"))
        parts = Path(record.path).parts
        if not parts or Path(record.path).is_absolute() or ".." in parts:
            raise _Reader._error(source, at + "path", "a path inside the index folder", record.path)
        return record


@dataclass(frozen=True)
class Counts:
    """How many nodes, searchable leaves and embedded windows the index holds."""

    nodes: int
    leaves: int
    chunks: int

    def to_json(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)}

    @classmethod
    def from_json(cls, data: Any, source: str = MANIFEST_FILE, at: str = "counts.") -> Counts:
        r = _Reader(data, source, at)
        return cls(r.whole("nodes"), r.whole("leaves"), r.whole("chunks"))


@dataclass(frozen=True)
class Manifest:
    """Everything ``manifest.json`` records about one index."""

    model: ModelRecord
    #: The store's own files (nodes, chunks, tokenizer words), relative to the index folder.
    files: tuple[str, ...]
    parts: tuple[PartRecord, ...]
    documents: tuple[DocumentRecord, ...]
    counts: Counts
    skipped: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()
    #: Size and SHA-256 of every file of the index (empty for a format 2 index).
    checksums: tuple[FileRecord, ...] = ()
    built_at: str = field(default_factory=lambda: time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()))
    kb_version: str = __version__
    format: int = FORMAT_VERSION

    @property
    def dimension(self) -> int:
        return self.model.dim

    @property
    def all_files(self) -> tuple[str, ...]:
        """Every name a complete index folder holds besides the manifest."""
        return self.files + tuple(f for p in self.parts for f in p.files)

    def part(self, name: str) -> PartRecord:
        for p in self.parts:
            if p.name == name:
                return p
        raise IndexMismatch(f"the index has no {name!r} part (it has {', '.join(p.name for p in self.parts)}); "
                            "rebuild with `kb build`")

    def get(self, key: str, default: Any = None) -> Any:
        """Mapping-style read of a top-level field, for callers written against the old dict manifest."""
        return getattr(self, key, default) if key in {f.name for f in fields(self)} | {"dimension"} else default

    def to_json(self) -> dict[str, Any]:
        return {
            "format": self.format,
            "kb_version": self.kb_version,
            "built_at": self.built_at,
            "model": self.model.to_json(),
            "dimension": self.dimension,
            "files": list(self.files),
            "parts": [p.to_json() for p in self.parts],
            "documents": [d.to_json() for d in self.documents],
            "counts": self.counts.to_json(),
            "skipped": list(self.skipped),
            "warnings": list(self.warnings),
            "checksums": [c.to_json() for c in self.checksums],
        }

    @classmethod
    def from_json(cls, data: Any, source: str = MANIFEST_FILE) -> Manifest:
        """Check and read a parsed manifest; ``source`` (the file) is named in every error."""
        r = _Reader(data, source)
        found = data.get("format")
        if found not in READABLE_FORMATS or isinstance(found, bool):
            raise IndexMismatch(
                f"{source}: index format {found!r}, this kb reads format {FORMAT_VERSION}; rebuild with `kb build`"
            )
        model = ModelRecord.from_json(r.obj("model"), source)
        if r.whole("dimension") != model.dim:
            raise IndexMismatch(
                f"{source}: the manifest is malformed (dimension {data['dimension']} but model.dim {model.dim}); "
                "rebuild with `kb build`"
            )
        return cls(
            model=model,
            files=r.strings("files"),
            parts=tuple(PartRecord.from_json(p, source, f"parts[{i}].") for i, p in enumerate(r.objs("parts"))),
            documents=tuple(
                DocumentRecord.from_json(d, source, f"documents[{i}].") for i, d in enumerate(r.objs("documents"))
            ),
            counts=Counts.from_json(r.obj("counts"), source),
            skipped=r.strings("skipped", ()),
            warnings=r.strings("warnings", ()),
            checksums=tuple(FileRecord.from_json(c, source, f"checksums[{i}].")
                            for i, c in enumerate(r.objs("checksums") if found >= 3 else ())),
            built_at=r.string("built_at"),
            kb_version=r.string("kb_version"),
            format=found,
        )

    @classmethod
    def read(cls, folder: Path | str) -> Manifest:
        """The manifest of the index in ``folder``: IndexMissing if there is none, IndexMismatch if unreadable."""
        path = Path(folder) / MANIFEST_FILE
        try:
            raw = path.read_bytes()
        except FileNotFoundError:
            raise IndexMissing(f"no index in {folder}/ yet: run `kb build` first") from None
        except OSError as e:
            raise IndexMismatch(f"{path}: cannot be read ({e.strerror or e}); rebuild with `kb build`") from e
        try:
            data = json.loads(raw.decode("utf-8"))
        except (ValueError, RecursionError) as e:  # UnicodeDecodeError is a ValueError
            raise IndexMismatch(f"{path}: the manifest is not valid JSON ({e}); rebuild with `kb build`") from e
        return cls.from_json(data, str(path))

    @property
    def checked(self) -> dict[str, FileRecord]:
        """The recorded files by path."""
        return {c.path: c for c in self.checksums}

    def write(self, folder: Path | str) -> None:
        (Path(folder) / MANIFEST_FILE).write_text(json.dumps(self.to_json(), ensure_ascii=False, indent=2),
                                                  encoding="utf-8")

