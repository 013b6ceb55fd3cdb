"""The knowledge bases one server offers, by name, and how each is changed while others keep reading.

One index folder is one knowledge base.  ``kb serve --index DIR`` offers one;
``kb serve --index-root ROOT`` offers every index folder under ROOT, chosen in
the app's selector.  Next to the index folders lives what the app itself writes
(its *workspace*, the index folder's parent): ``feedback.jsonl`` (👍/👎, for the
bench), ``uploads/NAME/`` (the uploaded files, kept so a document can be
re-indexed) and ``uploads/NAME/documents.json`` (what each upload's parse said).
Nothing is written inside an index folder, which a build replaces whole.

A change (add, replace, remove a document) rebuilds that index in place with
:meth:`KnowledgeBase.rebuild` (the others' windows are not embedded again), then
swaps the freshly opened KnowledgeBase in.  Readers hold the old object until
their request ends, so searching goes on during a build; one build per index
at a time.
"""

from __future__ import annotations

import json
import shutil
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from kb.document import Document
from kb.errors import IndexMissing, KBError
from kb.knowledge import KnowledgeBase

__all__ = ["FEEDBACK_FILE", "Shelf"]

FEEDBACK_FILE = "feedback.jsonl"
UPLOADS = "uploads"
DOC_NOTES = "documents.json"
#: Seconds an upload waits for a build of the same index started elsewhere (`kb build`) before giving up.
BUILD_WAIT = 30.0


@dataclass(frozen=True)
class DocNote:
    """What the app learnt about one document when it parsed it: its warnings, when, how long."""

    source: str
    warnings: tuple[str, ...]
    added: str
    seconds: float

    def to_dict(self) -> dict:
        return {"source": self.source, "warnings": list(self.warnings), "added": self.added,
                "seconds": self.seconds}


class Shelf:
    """Named index folders, each opened on first use and swapped after a rebuild."""

    def __init__(self, folders: Mapping[str, Path], opened: Mapping[str, KnowledgeBase] | None = None,
                 model: str | None = None, encoder=None,
                 opener: Callable[[Path], KnowledgeBase] | None = None):
        if not folders:
            raise IndexMissing("no knowledge base to serve")
        self._folders = {name: Path(f) for name, f in folders.items()}
        self._open: dict[str, KnowledgeBase] = dict(opened or {})
        self._model = model
        #: Embeds passages in rebuilds (and queries, when the app was given one, as tests do).
        self._encoder = encoder
        self._opener = opener or (lambda folder: KnowledgeBase.open(folder, model=model, encoder=encoder))
        self._locks = {name: threading.Lock() for name in self._folders}
        self._guard = threading.Lock()
        self._build_encoders: dict[str, object] = {}

    # ----------------------------------------------------------- making one

    @classmethod
    def single(cls, kb: KnowledgeBase, name: str | None = None, encoder=None) -> Shelf:
        """One knowledge base, already open; ``encoder`` embeds its rebuilds (default: its model, when needed)."""
        folder = kb.index_dir
        name = name or folder.name
        return cls({name: folder}, {name: kb}, encoder=encoder)

    @classmethod
    def from_root(cls, root: Path | str, model: str | None = None, encoder=None) -> Shelf:
        """Every index folder (a folder with a manifest) directly under ``root``, by folder name."""
        root = Path(root)
        if not root.is_dir():
            raise IndexMissing(f"{root}: no such folder of knowledge bases")
        folders = {p.name: p for p in KnowledgeBase.indexes_under(root)}
        if not folders:
            raise IndexMissing(f"{root}: no index folder in it (build one with `kb build --index {root}/NAME`)")
        return cls(folders, model=model, encoder=encoder)

    # --------------------------------------------------------------- reading

    @property
    def names(self) -> list[str]:
        return list(self._folders)

    @property
    def default(self) -> str:
        return next(iter(self._folders))

    def name(self, value: str | None) -> str:
        """A known name: ``value`` itself, or the default for anything else (a stale selector)."""
        return value if value in self._folders else self.default

    def get(self, name: str | None = None) -> KnowledgeBase:
        """The current KnowledgeBase of ``name`` (the default when unknown), opened on first use."""
        name = self.name(name)
        kb = self._open.get(name)
        if kb is None:
            with self._guard:
                kb = self._open.get(name)
                if kb is None:
                    kb = self._open[name] = self._opener(self._folders[name])
        return kb

    def folder(self, name: str | None) -> Path:
        return self._folders[self.name(name)]

    def workspace(self, name: str | None) -> Path:
        """Where the app keeps its own files for this knowledge base: beside the index folder."""
        return self.folder(name).parent

    def feedback_file(self, name: str | None) -> Path:
        return self.workspace(name) / FEEDBACK_FILE

    def uploads(self, name: str | None) -> Path:
        return self.workspace(name) / UPLOADS / self.name(name)

    def busy(self, name: str | None) -> bool:
        """Whether a build of this knowledge base is running."""
        return self._locks[self.name(name)].locked()

    # ------------------------------------------------------------ doc notes

    def notes(self, name: str | None) -> dict[str, DocNote]:
        """What the app recorded about each document it parsed (uploads and re-indexes)."""
        try:
            raw = json.loads((self.uploads(name) / DOC_NOTES).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        out = {}
        for doc, v in raw.items() if isinstance(raw, dict) else ():
            if isinstance(v, dict):
                out[doc] = DocNote(str(v.get("source", "")), tuple(map(str, v.get("warnings", ()))),
                                   str(v.get("added", "")), float(v.get("seconds", 0.0)))
        return out

    def _write_notes(self, name: str, notes: dict[str, DocNote]) -> None:
        folder = self.uploads(name)
        folder.mkdir(parents=True, exist_ok=True)
        part = folder / f".{DOC_NOTES}.part"
        part.write_text(json.dumps({k: v.to_dict() for k, v in notes.items()}, ensure_ascii=False, indent=1),
                        encoding="utf-8")
        part.replace(folder / DOC_NOTES)

    # -------------------------------------------------------------- changing

    def keep_upload(self, name: str | None, path: Path | str, filename: str) -> Path:
        """Copy an uploaded file into this knowledge base's uploads folder (kept for re-indexing)."""
        folder = self.uploads(name)
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / Path(filename).name
        if Path(path).resolve() != target.resolve():
            shutil.copyfile(path, target)
        return target

    def _encoder_for(self, kb: KnowledgeBase):
        if self._encoder is not None:
            return self._encoder
        from kb.embed import LazyEncoder, load_encoder

        spec = kb.data.manifest.model.to_spec()
        with self._guard:
            enc = self._build_encoders.get(spec.name)
            if enc is None:
                # show_progress: its batches are tqdm bars, which the upload's progress bar follows
                enc = self._build_encoders[spec.name] = LazyEncoder(spec, lambda: load_encoder(spec, show_progress=True))
        return enc

    def update(self, name: str | None, add: Sequence[Document] = (), remove: Sequence[str] = (),
               seconds: Mapping[str, float] | None = None):
        """Rebuild ``name`` with documents added or removed, then serve the new index; returns the BuildReport.

        Raises KBError if a build of this index is already running (one at a time).
        """
        name = self.name(name)
        lock = self._locks[name]
        if not lock.acquire(blocking=False):
            raise KBError("另一个更新正在进行，请稍后再试。")
        try:
            kb = self.get(name)
            start = time.time()
            report = kb.rebuild(add, remove, encoder=self._encoder_for(kb), wait=BUILD_WAIT)
            fresh = kb.reopen()
            self._open[name] = fresh
            notes = {k: v for k, v in self.notes(name).items() if k not in set(remove)}
            stamp = time.strftime("%Y-%m-%d %H:%M")
            for d in add:
                took = (seconds or {}).get(d.name, 0.0) + (time.time() - start)
                notes[d.name] = DocNote(d.path, tuple(d.warnings), stamp, round(took, 1))
            self._write_notes(name, notes)
            return report
        finally:
            lock.release()
