"""The index folder: plain files, written atomically, checked on load.

    index/
      manifest.json   format, model, documents and their hashes, every part with its files,
                      and the size and SHA-256 of every file below
      nodes.jsonl     every node of every document (the tree, for outline and context)
      chunks.jsonl    one line per embedded window: which node, the text, its hash
      userdict.txt    words added to jieba, so queries are cut like the corpus
      bm25/           the lexical part (LexicalBackend: bm25s arrays and vocabulary)
      dense.faiss     the dense part (DenseBackend: the FAISS index ...
      vectors.npy     ... and the window embeddings, reused by the next build)

The store writes the first three itself and asks each backend to save its own
files.  A build holds the folder's build lock, writes a hidden staging folder
(manifest last) and swaps it into place in one atomic step (kb.index.generations):
a failed, interrupted or killed build leaves the previous index working, and a
second build waits for the first.  Opening an index checks the size of every file
against the manifest; a build reuses old vectors only if their files pass their
checksums (kb.index.integrity).
"""

from __future__ import annotations

import hashlib
import json
import logging
import shutil
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from kb.document import Document, Node
from kb.embed.base import Encoder
from kb.errors import IndexDamaged, IndexMismatch, IndexMissing, KBError
from kb.index import generations, integrity
from kb.index.backend import Backend
from kb.index.chunks import Chunk, leaves_of, lexical_text, make_chunks
from kb.index.dense import VECTORS_FILE, DenseBackend, load_vectors
from kb.index.lexical import LexicalBackend
from kb.index.manifest import (
    MANIFEST_FILE,
    Counts,
    DocumentRecord,
    FileRecord,
    Manifest,
    ModelRecord,
    PartRecord,
)
from kb.text.tokenize import JiebaTokenizer, corpus_terms

__all__ = [
    "BuildReport", "IndexData", "build_index", "check_model", "content_hash", "dedupe", "leaves_of",
    "load_index", "read_manifest",
]

log = logging.getLogger(__name__)

NODES_FILE = "nodes.jsonl"
CHUNKS_FILE = "chunks.jsonl"
USERDICT_FILE = "userdict.txt"
#: The files the store writes itself; the backends own the rest.
STORE_FILES = (NODES_FILE, CHUNKS_FILE, USERDICT_FILE)
#: BM25 parameters. A low length normalisation (b) keeps long clauses findable: in a plan the
#: answer to a question is often one sentence of a long clause (measured on the dev sets, bench/).
BM25_K1 = 1.2
BM25_B = 0.3


@dataclass(frozen=True)
class IndexData:
    """Everything a loaded index holds in memory."""

    folder: Path
    manifest: Manifest
    nodes: list[Node]
    leaves: list[Node]
    chunks: list[Chunk]
    lexical: LexicalBackend
    dense: DenseBackend
    tokenizer: JiebaTokenizer
    #: (doc, node id) → node, for lookups by citation.
    by_key: dict[tuple[str, str], Node] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "by_key", {(n.doc, n.id): n for n in self.nodes})

    @property
    def backends(self) -> tuple[Backend, ...]:
        return (self.lexical, self.dense)


@dataclass(frozen=True)
class BuildReport:
    folder: Path
    documents: tuple[str, ...]
    skipped: tuple[str, ...]
    warnings: tuple[str, ...]
    leaves: int
    chunks: int
    embedded: int
    reused: int
    seconds: float


# ------------------------------------------------------------------ content


def content_hash(doc: Document) -> str:
    """A hash of a document's words, not its bytes: a .txt and a .pdf of one plan hash alike."""
    from kb.ingest.clean import squash  # a build's concern: a query never loads the ingest rules

    h = hashlib.sha256()
    for n in leaves_of(doc.nodes):
        h.update(squash(n.text).encode("utf-8"))
    return h.hexdigest()


def dedupe(docs: Sequence[Document]) -> tuple[list[Document], list[str]]:
    """Keep one copy of a plan dropped in twice (say as .txt and .pdf); prefer the edition with real pages."""
    kept: dict[str, Document] = {}
    warnings: list[str] = []
    for d in sorted(docs, key=lambda d: (not d.path.lower().endswith(".pdf"), d.path)):
        h = content_hash(d)
        if h in kept:
            warnings.append(f"{d.path}: same content as {kept[h].path}; indexed once")
            continue
        kept[h] = d
    order = {id(d): i for i, d in enumerate(docs)}
    return sorted(kept.values(), key=lambda d: order[id(d)]), warnings


def _document_record(doc: Document) -> DocumentRecord:
    return DocumentRecord(doc.name, doc.path, doc.sha256, content_hash(doc), doc.scheme, len(doc.nodes),
                          len(leaves_of(doc.nodes)))


# -------------------------------------------------------------------- build


def build_index(
    docs: Sequence[Document],
    folder: Path,
    encoder: Encoder,
    skipped: Sequence[str] = (),
    progress: bool = True,
    wait: float | None = None,
) -> BuildReport:
    """Index the documents into ``folder`` atomically, re-embedding only windows not seen before.

    Only ``encoder.spec`` is read up front (its name and passage prompt key the vectors); its
    ``dim`` and ``encode`` are touched only when something needs embedding, so a
    :class:`~kb.embed.base.LazyEncoder` never loads its model for an unchanged corpus.
    A build of the same folder already running is waited for, up to ``wait`` seconds
    (default :data:`kb.index.generations.BUILD_WAIT`).
    """
    start = time.time()
    docs, warnings = dedupe(docs)
    # What each document's reading found (OCR confidence, split passages, no structure) is the
    # user's to see too: kb build prints the report's warnings.
    warnings += [w if w.startswith(d.path) else f"{d.path}: {w}" for d in docs for w in d.warnings]
    if not docs:
        raise KBError(nothing_to_index(skipped))
    with generations.build_lock(folder, generations.BUILD_WAIT if wait is None else wait) as link:
        return _build(docs, Path(folder), link, encoder, tuple(skipped), tuple(warnings), start)


def nothing_to_index(skipped: Sequence[str]) -> str:
    """The error of a build with no readable document: every file and why it was not read, a line each."""
    if not skipped:
        return "nothing to index: the corpus holds no documents"
    return (f"nothing to index: none of the {len(skipped)} file(s) could be indexed:\n"
            + "\n".join(f"  {s}" for s in skipped))


def _build(docs: Sequence[Document], folder: Path, link: Path, encoder: Encoder, skipped: tuple[str, ...],
           warnings: tuple[str, ...], start: float) -> BuildReport:
    nodes = [n for d in docs for n in d.nodes]
    leaves = leaves_of(nodes)
    terms = corpus_terms((n.text for n in leaves), (n.title for n in nodes))
    tokenizer = JiebaTokenizer(terms)
    titles = {d.name: d.title for d in docs}
    lexical = LexicalBackend.build([lexical_text(n, titles.get(n.doc, "")) for n in leaves], tokenizer,
                                   k1=BM25_K1, b=BM25_B)

    spec = encoder.spec
    chunks = make_chunks(leaves, spec.name, spec.passage_prompt)
    cache = _previous_vectors(folder, spec.name)
    todo = [c for c in chunks if c.hash not in cache]
    cached_dim = len(next(iter(cache.values()))) if cache else None
    fresh: dict[str, np.ndarray] = {}
    if todo or cached_dim is None:
        dim = encoder.dim  # loads a lazy encoder: there is something to embed (or no width to go by)
        if cached_dim is not None and cached_dim != dim:
            log.warning("the previous vectors are %d wide, the model gives %d: embedding everything again",
                        cached_dim, dim)
            cache, todo = {}, chunks
        if todo:
            vecs = encoder.encode([c.text for c in todo], "passage")
            fresh = {c.hash: v for c, v in zip(todo, vecs, strict=True)}
    else:
        dim = cached_dim
    vectors = np.zeros((len(chunks), dim), dtype=np.float32)
    for i, c in enumerate(chunks):
        vectors[i] = fresh[c.hash] if c.hash in fresh else cache[c.hash]
    dense = DenseBackend.build(vectors)

    backends: tuple[Backend, ...] = (lexical, dense)
    manifest = Manifest(
        model=ModelRecord.from_spec(encoder.spec, dim),
        files=STORE_FILES,
        parts=tuple(PartRecord(b.name, b.files, dict(b.settings())) for b in backends),
        documents=tuple(_document_record(d) for d in docs),
        counts=Counts(nodes=len(nodes), leaves=len(leaves), chunks=len(chunks)),
        skipped=skipped,
        warnings=warnings,
    )
    _write_atomically(link, manifest, nodes, chunks, tokenizer.user_words, backends)
    return BuildReport(
        folder, tuple(d.name for d in docs), skipped, warnings, len(leaves), len(chunks),
        len(todo), len(chunks) - len(todo), round(time.time() - start, 2),
    )


#: How far from unit length a stored vector may be (the encoders return L2-normalised vectors).
NORM_TOLERANCE = 1e-3


def _previous_vectors(folder: Path, model_name: str) -> dict[str, np.ndarray]:
    """Vectors of the index being replaced, by chunk hash, when it was built by the same model.

    Read leniently, whatever the index format: a hash covers model, prompt and text, so a
    vector stays valid across format changes, and a format bump need not re-embed a corpus.
    But only vectors that can be trusted: if vectors.npy or chunks.jsonl fails its
    checksum nothing is reused, and a vector that is not of unit length is embedded again.
    """
    try:
        with generations.lease(folder) as held:
            gen = held.folder
            manifest = json.loads((gen / MANIFEST_FILE).read_text(encoding="utf-8"))
            if manifest["model"]["name"] != model_name:
                return {}
            bad = _failed_checksums(gen, manifest, (VECTORS_FILE, CHUNKS_FILE))
            if bad:
                log.warning("kb: %s failed its checksum: its vectors are not reused, the corpus is embedded "
                            "again", ", ".join(str(Path(folder) / b) for b in bad))
                return {}
            vectors = load_vectors(gen)
            hashes = [json.loads(line)["hash"] for line in _lines(gen / CHUNKS_FILE)]
    except (OSError, ValueError, KeyError, TypeError, KBError):
        return {}
    if len(hashes) != len(vectors):
        return {}
    norms = np.linalg.norm(vectors, axis=1) if len(vectors) else np.zeros(0)
    ok = np.isfinite(norms) & (np.abs(norms - 1.0) <= NORM_TOLERANCE)
    if not ok.all():
        log.warning("kb: %d stored vector(s) are not unit length: they are embedded again", int((~ok).sum()))
    return {h: v for h, v, good in zip(hashes, vectors, ok, strict=True) if good}


def _failed_checksums(gen: Path, manifest: dict, names: Sequence[str]) -> list[str]:
    """Which of ``names`` differ from the checksums the manifest records, read leniently whatever its format.

    A manifest without checksums (format 2) passes; one whose checksums cannot be read does not.
    """
    entries = manifest.get("checksums", [])
    try:
        records = tuple(FileRecord.from_json(c, str(gen / MANIFEST_FILE)) for c in entries)
    except (KBError, TypeError):
        return list(names)
    return [p.path for p in integrity.check_records(gen, records, checksums=True, only=names)]


def _write_atomically(
    link: Path,
    manifest: Manifest,
    nodes: Sequence[Node],
    chunks: Sequence[Chunk],
    user_words: Sequence[str],
    backends: Sequence[Backend],
) -> Path:
    """Write the index into a staging folder, record every file's checksum, and swap it into place."""
    tmp = generations.stage(link)
    try:
        _write_jsonl(tmp / NODES_FILE, (n.to_dict() for n in nodes))
        _write_jsonl(tmp / CHUNKS_FILE, (c.to_dict() for c in chunks))
        (tmp / USERDICT_FILE).write_text("\n".join(user_words) + "\n", encoding="utf-8")
        for backend in backends:
            backend.save(tmp)
        for keep in (".gitkeep", "README.md"):
            if (link / keep).is_file():
                shutil.copy2(link / keep, tmp / keep)
        names = (*STORE_FILES, *(f for b in backends for f in b.files))
        manifest = replace(manifest, checksums=integrity.record(tmp, names))
        manifest.write(tmp)  # last: its presence marks a complete index
        return generations.publish(link, tmp)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def _write_jsonl(path: Path, rows) -> None:
    with open(path, "w", encoding="utf-8") as f:
        for row in rows:
            f.write(json.dumps(row, ensure_ascii=False) + "\n")


# --------------------------------------------------------------------- load


def _lines(path: Path) -> Iterator[str]:
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.strip():
                yield line


def _shown(error: KBError, gen: Path, folder: Path) -> KBError:
    """The same error, naming files under the folder the user named rather than its generation."""
    message = str(error).replace(str(gen), str(folder))
    return error if message == str(error) else type(error)(message)


def _read_manifest(gen: Path, folder: Path) -> Manifest:
    try:
        manifest = Manifest.read(gen)
    except IndexMissing:
        if gen == generations.anchor(folder):
            raise  # a plain folder without a manifest: nothing was ever built here
        raise IndexDamaged(f"{folder / MANIFEST_FILE}: the file is missing; rebuild with `kb build`") from None
    for backend in (LexicalBackend, DenseBackend):
        if tuple(manifest.part(backend.name).files) != backend.files:
            raise IndexMismatch(
                f"{folder / MANIFEST_FILE}: the {backend.name} part lists {list(manifest.part(backend.name).files)}, "
                f"this kb reads {list(backend.files)}; rebuild with `kb build`"
            )
    wanted = dict.fromkeys((*STORE_FILES, *manifest.all_files))
    missing = [name for name in wanted if not (gen / name).exists()]
    if missing:
        raise IndexDamaged("; ".join(f"{folder / name}: the file is missing" for name in missing)
                           + "; rebuild with `kb build`")
    return manifest


def read_manifest(folder: Path) -> Manifest:
    """The manifest of a complete index: every part this kb loads is listed and every file is there."""
    folder = Path(folder)
    with generations.lease(folder) as held:
        try:
            return _read_manifest(held.folder, folder)
        except KBError as e:
            raise _shown(e, held.folder, folder) from e


def check_model(manifest: Manifest, model_name: str | None) -> None:
    """Refuse to search an index with a different model than the one asked for."""
    built = manifest.model.name
    if model_name and model_name != built:
        raise IndexMismatch(
            f"the index was built with model {built!r} but {model_name!r} was asked for; "
            f"rebuild with `kb build --model {model_name}` or drop --model/KB_MODEL"
        )


def load_index(folder: Path, model_name: str | None = None, verify: bool = False) -> IndexData:
    """Load the current generation of ``folder``; every file's size is checked, and with ``verify`` its SHA-256.

    Whatever is wrong with a file is an :class:`IndexDamaged` naming it, never a traceback.
    """
    folder = Path(folder)
    with generations.lease(folder) as held:
        gen = held.folder
        try:
            return _load(gen, folder, model_name, verify)
        except IndexMissing:
            raise
        except KBError as e:
            raise _shown(e, gen, folder) from e


def _load(gen: Path, folder: Path, model_name: str | None, verify: bool) -> IndexData:
    manifest = _read_manifest(gen, folder)
    check_model(manifest, model_name)
    integrity.verify(gen, manifest, folder, checksums=verify)

    def read(names: Sequence[str], load):
        """Run one loader; whatever a damaged file makes it raise becomes one IndexDamaged naming the file."""
        try:
            return load()
        except Exception as e:  # json, UTF-8, numpy, bm25s and FAISS each fail their own way on damaged bytes
            culprits = integrity.check(gen, manifest, checksums=True, only=integrity.files_under(gen, names))
            if culprits:
                raise integrity.damaged(folder, culprits) from e
            if isinstance(e, KBError):
                raise
            raise IndexDamaged(f"{folder / names[0]}: the file is damaged ({type(e).__name__}: {_short(e)}); "
                               "rebuild with `kb build`") from e

    nodes = read([NODES_FILE], lambda: [Node.from_dict(json.loads(line)) for line in _lines(gen / NODES_FILE)])
    chunks = read([CHUNKS_FILE], lambda: [Chunk.from_dict(json.loads(line)) for line in _lines(gen / CHUNKS_FILE)])
    words = read([USERDICT_FILE],
                 lambda: [w for w in (gen / USERDICT_FILE).read_text(encoding="utf-8").split("\n") if w])
    tokenizer = JiebaTokenizer(words, compact=True)
    lexical = read(LexicalBackend.files, lambda: LexicalBackend.load(gen, tokenizer))
    dense = read(DenseBackend.files, lambda: DenseBackend.load(gen))
    leaves = leaves_of(nodes)
    if len(dense) != len(chunks) or len(lexical) != len(leaves) or dense.dim != manifest.dimension:
        raise IndexDamaged(
            f"{folder}: the index files disagree (chunks {len(chunks)}, vectors {len(dense)} of width {dense.dim} "
            f"for a {manifest.dimension}-wide model, leaves {len(leaves)}, bm25 {len(lexical)}); "
            "rebuild with `kb build`"
        )
    return IndexData(gen, manifest, nodes, leaves, chunks, lexical, dense, tokenizer)


def _short(e: Exception, limit: int = 120) -> str:
    text = " ".join(str(e).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
