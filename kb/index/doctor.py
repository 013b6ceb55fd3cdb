"""``kb doctor``: check an index and say what is wrong with it and how to fix it.

Everything a reader relies on is checked, each file by its SHA-256: the link and
its generation, the manifest, every file the manifest records, the files loading
back and agreeing with each other.  Problems make the index unusable (each names
its file and says to run ``kb build``); warnings do not (a build running, old
generations kept, leftovers of a killed build, documents changed since the build).
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from kb.errors import IndexMissing, KBError
from kb.index import generations, integrity
from kb.index.manifest import Manifest
from kb.index.store import load_index

FIX = "run `kb build`"


@dataclass(frozen=True)
class Finding:
    """One thing wrong (or worth knowing) about the index, and what to do about it."""

    path: str
    what: str
    fix: str = ""

    def line(self) -> str:
        return f"{self.path}: {self.what}" + (f"; {self.fix}" if self.fix else "")

    def to_dict(self) -> dict[str, str]:
        return {"path": self.path, "what": self.what, "fix": self.fix}


@dataclass(frozen=True)
class Diagnosis:
    """What ``kb doctor`` found: ``ok`` when nothing stops the index from being searched."""

    index: str
    generation: str
    problems: tuple[Finding, ...]
    warnings: tuple[Finding, ...]
    verified: int = 0
    documents: int = 0
    chunks: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems

    def summary(self) -> str:
        if not self.ok:
            return f"{self.index}/: {len(self.problems)} problem(s); {FIX} to rebuild the index"
        checked = (f"{self.verified} files verified by SHA-256" if self.verified
                   else "it loads, but records no checksums to verify")
        where = f"generation {self.generation}" if self.generation != Path(self.index).name else "a plain folder"
        return f"{self.index}/ is sound: {self.documents} document(s), {self.chunks:,} windows, {checked} ({where})"

    def to_dict(self) -> dict:
        return {
            "index": self.index, "generation": self.generation, "ok": self.ok,
            "problems": [p.to_dict() for p in self.problems], "warnings": [w.to_dict() for w in self.warnings],
            "verified": self.verified, "documents": self.documents, "chunks": self.chunks,
        }


def diagnose(folder: Path | str) -> Diagnosis:
    """Check the index in ``folder`` from its link down to every byte; never raises for a damaged index."""
    folder = Path(folder)
    problems: list[Finding] = []
    warnings: list[Finding] = []
    holder = generations.building(folder)
    if holder:
        warnings.append(Finding(str(folder), f"a build is running ({holder}); check again when it has finished"))
    link = generations.anchor(folder)
    try:
        gen = generations.current(folder)
    except IndexMissing:
        return Diagnosis(str(folder), "", (Finding(str(folder), "there is no index here", FIX),), tuple(warnings))
    if generations.is_linked(folder):
        if gen.parent != link.parent or gen.name != os.readlink(link):
            problems.append(Finding(str(folder), "the link points at a generation that is gone", FIX))
    elif gen != link:
        problems.append(Finding(str(folder), f"the link is missing (a build was interrupted); {gen.name} is read "
                                             "meanwhile", FIX + " to put it back"))
    else:
        warnings.append(Finding(str(folder), "a plain folder made by an older kb; the next `kb build` replaces it "
                                             "atomically"))
    _tidiness(folder, link, gen, warnings)
    try:
        manifest = Manifest.read(gen)
    except KBError as e:
        problems.append(Finding(str(folder / "manifest.json"), _without_fix(str(e).replace(str(gen), str(folder))),
                                FIX))
        return Diagnosis(str(folder), gen.name, tuple(problems), tuple(warnings))
    if not manifest.checksums:
        warnings.append(Finding(str(folder / "manifest.json"), f"index format {manifest.format} records no "
                                "checksums, so only whether the files load was checked", FIX + " to record them"))
    damage = integrity.check(gen, manifest, checksums=True)
    problems += [Finding(str(folder / p.path), p.what, FIX) for p in damage]
    if not damage:
        try:
            load_index(folder)
        except KBError as e:
            problems.append(Finding(str(folder), _without_fix(str(e)), FIX))
    warnings += _changed_sources(manifest)
    return Diagnosis(str(folder), gen.name, tuple(problems), tuple(warnings), len(manifest.checksums),
                     len(manifest.documents), manifest.counts.chunks)


def _tidiness(folder: Path, link: Path, gen: Path, warnings: list[Finding]) -> None:
    older = [g for g in generations.generations(link) if g != gen]
    if older:
        warnings.append(Finding(str(folder), f"{len(older)} older generation(s) kept beside it ("
                                f"{', '.join(g.name for g in older)}): a reader was loading them or a build was "
                                "stopped; the next `kb build` removes them"))
    left = generations.leftovers(folder)
    if left:
        warnings.append(Finding(str(folder), f"{len(left)} leftover(s) of an interrupted build "
                                f"({', '.join(p.name for p in left)}); the next `kb build` removes them"))


def _changed_sources(manifest: Manifest) -> list[Finding]:
    """Documents whose file is still where it was built from but holds other bytes now."""
    out = []
    for d in manifest.documents:
        path = Path(d.path)
        try:
            digest = hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else d.sha256
        except OSError:
            continue
        if digest != d.sha256:
            out.append(Finding(d.path, "changed since the index was built", FIX + " to index the new text"))
    return out


def _without_fix(message: str) -> str:
    for tail in ("; rebuild with `kb build`", "; run `kb build` first"):
        if message.endswith(tail):
            return message[: -len(tail)]
    return message
