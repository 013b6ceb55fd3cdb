"""The index folder: plain files, written atomically, checked on load.

    index/
      manifest.json   format, model, documents and their hashes, and every part with its files
      nodes.jsonl     every node of every document (the tree, for outline and context)
      chunks.jsonl    one line per embedded window: which node, the text, its hash
      userdict.txt    words added to jieba, so queries are cut like the corpus
      bm25/           the lexical part (LexicalBackend: bm25s arrays and vocabulary)
      dense.faiss     the dense part (DenseBackend: the FAISS index ...
      vectors.npy     ... and the window embeddings, reused by the next build)

The store writes the first three itself and asks each backend to save its own
files.  A build writes a temporary folder next to the target, manifest last, and
renames it into place, so a failed or interrupted build leaves the previous index
working.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from kb.document import Document, Node
from kb.embed.base import Encoder
from kb.errors import IndexDamaged, IndexMismatch, KBError
from kb.index.backend import Backend
from kb.index.chunks import Chunk, leaves_of, lexical_text, make_chunks
from kb.index.dense import DenseBackend, load_vectors
from kb.index.lexical import LexicalBackend
from kb.index.manifest import MANIFEST_FILE, Counts, DocumentRecord, Manifest, ModelRecord, PartRecord
from kb.ingest.clean import squash
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
) -> BuildReport:
    """Index the documents into ``folder`` atomically, re-embedding only windows not seen before.

    Only ``encoder.spec`` is read up front (its name and passage prompt key the vectors); its
    ``dim`` and ``encode`` are touched only when something needs embedding, so a
    :class:`~kb.embed.base.LazyEncoder` never loads its model for an unchanged corpus.
    """
    start = time.time()
    docs, warnings = dedupe(docs)
    if not docs:
        raise KBError("nothing to index: no readable documents" + (f" ({len(skipped)} skipped)" if skipped else ""))
    nodes = [n for d in docs for n in d.nodes]
    leaves = leaves_of(nodes)
    terms = corpus_terms((n.text for n in leaves), (n.title for n in nodes))
    tokenizer = JiebaTokenizer(terms)
    titles = {d.name: d.title for d in docs}
    lexical = LexicalBackend.build([lexical_text(n, titles.get(n.doc, "")) for n in leaves], tokenizer,
                                   k1=BM25_K1, b=BM25_B)

    spec = encoder.spec
    chunks = make_chunks(leaves, spec.name, spec.passage_prompt)
    cache = _previous_vectors(Path(folder), spec.name)
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
        skipped=tuple(skipped),
        warnings=tuple(warnings),
    )
    _write_atomically(Path(folder), manifest, nodes, chunks, tokenizer.user_words, backends)
    return BuildReport(
        Path(folder), tuple(d.name for d in docs), tuple(skipped), tuple(warnings), len(leaves), len(chunks),
        len(todo), len(chunks) - len(todo), round(time.time() - start, 2),
    )


def _previous_vectors(folder: Path, model_name: str) -> dict[str, np.ndarray]:
    """Vectors of the index being replaced, by chunk hash, when it was built by the same model.

    Read leniently, whatever the index format: a hash covers model, prompt and text, so a
    vector stays valid across format changes, and a format bump need not re-embed a corpus.
    """
    try:
        manifest = json.loads((folder / MANIFEST_FILE).read_text(encoding="utf-8"))
        if manifest["model"]["name"] != model_name:
            return {}
        vectors = load_vectors(folder)
        hashes = [json.loads(line)["hash"] for line in _lines(folder / CHUNKS_FILE)]
    except (OSError, ValueError, KeyError, TypeError, KBError):
        return {}
    if len(hashes) != len(vectors):
        return {}
    return dict(zip(hashes, vectors, strict=True))


def _write_atomically(
    folder: Path,
    manifest: Manifest,
    nodes: Sequence[Node],
    chunks: Sequence[Chunk],
    user_words: Sequence[str],
    backends: Sequence[Backend],
) -> None:
    folder.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{folder.name}.building-", dir=folder.parent))
    try:
        _write_jsonl(tmp / NODES_FILE, (n.to_dict() for n in nodes))
        _write_jsonl(tmp / CHUNKS_FILE, (c.to_dict() for c in chunks))
        (tmp / USERDICT_FILE).write_text("\n".join(user_words) + "\n", encoding="utf-8")
        for backend in backends:
            backend.save(tmp)
        for keep in (".gitkeep", "README.md"):
            if (folder / keep).exists():
                shutil.copy2(folder / keep, tmp / keep)
        manifest.write(tmp)  # last: its presence marks a complete index
        old = None
        if folder.exists():
            old = folder.with_name(f".{folder.name}.old-{os.getpid()}")
            folder.rename(old)
        tmp.rename(folder)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
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


def read_manifest(folder: Path) -> Manifest:
    """The manifest of a complete index: every part this kb loads is listed and every file is there."""
    folder = Path(folder)
    manifest = Manifest.read(folder)
    for backend in (LexicalBackend, DenseBackend):
        if tuple(manifest.part(backend.name).files) != backend.files:
            raise IndexMismatch(
                f"{folder / MANIFEST_FILE}: the {backend.name} part lists {list(manifest.part(backend.name).files)}, "
                f"this kb reads {list(backend.files)}; rebuild with `kb build`"
            )
    wanted = dict.fromkeys((*STORE_FILES, *manifest.all_files))
    missing = [name for name in wanted if not (folder / name).exists()]
    if missing:
        raise IndexDamaged(f"{folder}: the index is incomplete (missing {', '.join(missing)}); rebuild with `kb build`")
    return manifest


def check_model(manifest: Manifest, model_name: str | None) -> None:
    """Refuse to search an index with a different model than the one asked for."""
    built = manifest.model.name
    if model_name and model_name != built:
        raise IndexMismatch(
            f"the index was built with model {built!r} but {model_name!r} was asked for; "
            f"rebuild with `kb build --model {model_name}` or drop --model/KB_MODEL"
        )


def load_index(folder: Path, model_name: str | None = None) -> IndexData:
    folder = Path(folder)
    manifest = read_manifest(folder)
    check_model(manifest, model_name)
    try:
        nodes = [Node.from_dict(json.loads(line)) for line in _lines(folder / NODES_FILE)]
        chunks = [Chunk.from_dict(json.loads(line)) for line in _lines(folder / CHUNKS_FILE)]
        words = [w for w in (folder / USERDICT_FILE).read_text(encoding="utf-8").split("\n") if w]
    except (OSError, ValueError, KeyError, TypeError) as e:
        raise IndexDamaged(f"{folder}: the index is damaged ({e}); rebuild with `kb build`") from e
    tokenizer = JiebaTokenizer(words)
    lexical = LexicalBackend.load(folder, tokenizer)
    dense = DenseBackend.load(folder)
    leaves = leaves_of(nodes)
    if len(dense) != len(chunks) or len(lexical) != len(leaves) or dense.dim != manifest.dimension:
        raise IndexDamaged(
            f"{folder}: the index files disagree (chunks {len(chunks)}, vectors {len(dense)} of width {dense.dim} "
            f"for a {manifest.dimension}-wide model, leaves {len(leaves)}, bm25 {len(lexical)}); "
            "rebuild with `kb build`"
        )
    return IndexData(folder, manifest, nodes, leaves, chunks, lexical, dense, tokenizer)
