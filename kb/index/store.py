"""The index folder: plain files, written atomically, checked on load.

    index/
      manifest.json   format version, model, dimension, prompts, documents and their hashes
      nodes.jsonl     every node of every document (the tree, for outline and context)
      chunks.jsonl    one line per embedded window: which node, the text, its hash
      vectors.npy     the window embeddings (float32), reused by the next build
      dense.faiss     FAISS index over the vectors
      bm25/           BM25 arrays and vocabulary (bm25s: .npy + .json)
      userdict.txt    words added to jieba, so queries are cut like the corpus

A build writes a temporary folder next to the target and renames it into place,
so a failed or interrupted build leaves the previous index working.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import shutil
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from kb import __version__
from kb.document import LEAF_KINDS, Document, Node
from kb.errors import IndexMismatch, IndexMissing, KBError
from kb.index.dense import build_faiss, index_type, load_faiss, save_faiss
from kb.index.lexical import LexicalIndex
from kb.ingest.clean import squash
from kb.text.tokenize import JiebaTokenizer, corpus_terms

log = logging.getLogger(__name__)

FORMAT_VERSION = 1
#: Files a complete index must have.
REQUIRED = ("manifest.json", "nodes.jsonl", "chunks.jsonl", "vectors.npy", "dense.faiss", "bm25", "userdict.txt")
#: Windows longer than this are split at sentence ends for embedding (hits stay whole clauses).
WINDOW_CHARS = 120
#: BM25 parameters. A low length normalisation (b) keeps long clauses findable: in a plan the
#: answer to a question is often one sentence of a long clause (measured on the dev sets, bench/).
BM25_K1 = 1.2
BM25_B = 0.3


@dataclass(frozen=True)
class Chunk:
    """One embedded window of a leaf node."""

    leaf: int
    text: str
    hash: str


@dataclass
class IndexData:
    """Everything a loaded index holds in memory."""

    folder: Path
    manifest: dict
    nodes: list[Node]
    leaves: list[Node]
    chunks: list[Chunk]
    vectors: np.ndarray
    faiss: object
    lexical: LexicalIndex
    tokenizer: JiebaTokenizer
    by_key: dict[tuple[str, str], Node] = field(default_factory=dict)


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


def leaves_of(nodes: Sequence[Node]) -> list[Node]:
    return [n for n in nodes if n.kind in LEAF_KINDS and n.text]


def lexical_text(node: Node) -> str:
    """What BM25 sees: the clause with its section heading, so headings take part in matching."""
    heading = node.path[-1] if node.path else ""
    return f"{_strip_number(heading)}\n{node.text}"


def _strip_number(title: str) -> str:
    return re.sub(r"^(第[一二三四五六七八九十百\d]+[章节]|专栏[一二三四五六七八九十\d]+)\s*", "", title)


def windows(node: Node, limit: int = WINDOW_CHARS) -> list[str]:
    """What the dense index embeds for one clause: two granularities, max-pooled at query time.

    Sentence-aligned windows of about ``limit`` characters, each prefixed with its
    heading for context, plus every sentence on its own, so that a question about
    one sentence of a long clause still meets a vector about just that sentence.
    """
    heading = _strip_number(node.path[-1]) if node.path else ""
    sentences = [s.strip() for s in re.split(r"(?<=[。；！？\n])", node.text) if s.strip()]
    grouped: list[str] = []
    cur = ""
    for s in sentences:
        if cur and len(cur) + len(s) > limit:
            grouped.append(cur)
            cur = ""
        cur += s
    if cur:
        grouped.append(cur)
    out = [f"{heading}\n{w}" if heading else w for w in grouped]
    if len(sentences) > 1:
        out.extend(s for s in sentences if len(s) >= 6)
    return list(dict.fromkeys(out))


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


def _chunk_hash(text: str, model: str, prompt: str) -> str:
    return hashlib.sha1(f"{model}\x00{prompt}\x00{text}".encode()).hexdigest()


# -------------------------------------------------------------------- build


def build_index(
    docs: Sequence[Document],
    folder: Path,
    encoder: Callable[[], object] | object,
    model: dict | Callable[[object], dict],
    skipped: Sequence[str] = (),
    progress: bool = True,
) -> BuildReport:
    """Index the documents into ``folder`` atomically, re-embedding only windows not seen before.

    ``encoder`` follows kb.embed.encoder.Encoder, or is a zero-argument factory for one, called
    only when something needs embedding (loading a model costs seconds). ``model`` is
    the manifest record (name, path, dim, query_prompt, passage_prompt), or a function
    of the encoder giving it; its "name" must be known up front to reuse vectors.
    """
    start = time.time()
    docs, warnings = dedupe(docs)
    if not docs:
        raise KBError("nothing to index: no readable documents" + (f" ({len(skipped)} skipped)" if skipped else ""))
    nodes = [n for d in docs for n in d.nodes]
    leaves = leaves_of(nodes)
    terms = corpus_terms((n.text for n in leaves), (n.title for n in nodes))
    tokenizer = JiebaTokenizer(terms)
    lexical = LexicalIndex.build([lexical_text(n) for n in leaves], tokenizer, k1=BM25_K1, b=BM25_B)

    previous = _previous_model(folder)
    record = model if isinstance(model, dict) else None
    name = record["name"] if record else getattr(encoder, "model_name", None)
    if record is None and previous and previous.get("name") == name:
        record = previous  # same model as last time: its record holds until we must load it
    if record is None:
        encoder = _materialise(encoder)
        record = model(encoder)  # type: ignore[operator]
    prompt = record.get("passage_prompt", "")
    chunks = [
        Chunk(i, w, _chunk_hash(w, record["name"], prompt)) for i, n in enumerate(leaves) for w in windows(n)
    ]
    cache = _previous_vectors(folder, record)
    todo = [c for c in chunks if c.hash not in cache]
    fresh: dict[str, np.ndarray] = {}
    if todo:
        encoder = _materialise(encoder)
        if not isinstance(model, dict):
            record = model(encoder)  # type: ignore[operator]
        vecs = encoder.encode([c.text for c in todo], "passage")
        fresh = {c.hash: v for c, v in zip(todo, vecs, strict=True)}
    model = record
    dim = int(model["dim"])
    vectors = np.zeros((len(chunks), dim), dtype=np.float32)
    for i, c in enumerate(chunks):
        vectors[i] = fresh[c.hash] if c.hash in fresh else cache[c.hash]
    index = build_faiss(vectors)

    manifest = {
        "format": FORMAT_VERSION,
        "kb_version": __version__,
        "built_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "model": model,
        "dimension": dim,
        "faiss": index_type(index),
        "bm25": {"method": "lucene", "k1": BM25_K1, "b": BM25_B, "tokenizer": "jieba search mode + CJK bigrams"},
        "documents": [
            {
                "name": d.name, "path": d.path, "sha256": d.sha256, "content_sha256": content_hash(d),
                "scheme": d.scheme, "nodes": len(d.nodes), "leaves": len(leaves_of(d.nodes)),
            }
            for d in docs
        ],
        "counts": {"nodes": len(nodes), "leaves": len(leaves), "chunks": len(chunks)},
        "skipped": list(skipped),
        "warnings": warnings,
    }
    _write_atomically(folder, manifest, nodes, chunks, vectors, index, lexical, tokenizer.user_words)
    return BuildReport(
        folder, tuple(d.name for d in docs), tuple(skipped), tuple(warnings), len(leaves), len(chunks),
        len(todo), len(chunks) - len(todo), round(time.time() - start, 2),
    )


def _materialise(encoder):
    """An encoder, from either an encoder or a factory of one."""
    return encoder if hasattr(encoder, "encode") else encoder()


def _previous_model(folder: Path) -> dict | None:
    try:
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
        return manifest["model"] if manifest.get("format") == FORMAT_VERSION else None
    except (OSError, ValueError, KeyError):
        return None


def _previous_vectors(folder: Path, model: dict) -> dict[str, np.ndarray]:
    """Vectors of the index being replaced, when it was built by the same model."""
    try:
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
        if manifest.get("format") != FORMAT_VERSION or manifest.get("model", {}).get("name") != model["name"]:
            return {}
        vectors = np.load(folder / "vectors.npy", allow_pickle=False)
        hashes = [json.loads(line)["hash"] for line in _lines(folder / "chunks.jsonl")]
        if len(hashes) != len(vectors):
            return {}
        return dict(zip(hashes, vectors, strict=True))
    except (OSError, ValueError, KeyError):
        return {}


def _write_atomically(folder, manifest, nodes, chunks, vectors, index, lexical, user_words) -> None:
    folder = Path(folder)
    folder.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{folder.name}.building-", dir=folder.parent))
    try:
        with open(tmp / "nodes.jsonl", "w", encoding="utf-8") as f:
            for n in nodes:
                f.write(json.dumps(n.to_dict(), ensure_ascii=False) + "\n")
        with open(tmp / "chunks.jsonl", "w", encoding="utf-8") as f:
            for c in chunks:
                f.write(json.dumps({"leaf": c.leaf, "hash": c.hash, "text": c.text}, ensure_ascii=False) + "\n")
        np.save(tmp / "vectors.npy", vectors, allow_pickle=False)
        save_faiss(index, tmp / "dense.faiss")
        lexical.save(tmp / "bm25")
        (tmp / "userdict.txt").write_text("\n".join(user_words) + "\n", encoding="utf-8")
        for keep in (".gitkeep", "README.md"):
            if (folder / keep).exists():
                shutil.copy2(folder / keep, tmp / keep)
        # The manifest goes last: its presence marks a complete index.
        (tmp / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8")
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


# --------------------------------------------------------------------- load


def _lines(path: Path):
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.strip():
                yield line


def read_manifest(folder: Path) -> dict:
    folder = Path(folder)
    path = folder / "manifest.json"
    if not path.exists():
        raise IndexMissing(f"no index in {folder}/ yet: run `kb build` first")
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except ValueError as e:
        raise IndexMismatch(f"{path}: the manifest is not valid JSON ({e}); rebuild with `kb build`") from e
    if manifest.get("format") != FORMAT_VERSION:
        raise IndexMismatch(
            f"{folder}: index format {manifest.get('format')!r}, this kb reads format {FORMAT_VERSION}; "
            "rebuild with `kb build`"
        )
    missing = [name for name in REQUIRED if not (folder / name).exists()]
    if missing:
        raise IndexMismatch(f"{folder}: the index is incomplete (missing {', '.join(missing)}); rebuild with `kb build`")
    return manifest


def check_model(manifest: dict, model_name: str | None) -> None:
    """Refuse to search an index with a different model than the one asked for."""
    built = manifest["model"]["name"]
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
        nodes = [Node.from_dict(json.loads(line)) for line in _lines(folder / "nodes.jsonl")]
        raw_chunks = [json.loads(line) for line in _lines(folder / "chunks.jsonl")]
        chunks = [Chunk(c["leaf"], c["text"], c["hash"]) for c in raw_chunks]
        vectors = np.load(folder / "vectors.npy", allow_pickle=False)
        index = load_faiss(folder / "dense.faiss")
        words = [w for w in (folder / "userdict.txt").read_text(encoding="utf-8").split("\n") if w]
    except (OSError, ValueError, KeyError, TypeError) as e:
        raise IndexMismatch(f"{folder}: the index is damaged ({e}); rebuild with `kb build`") from e
    tokenizer = JiebaTokenizer(words)
    lexical = LexicalIndex.load(folder / "bm25", tokenizer)
    leaves = leaves_of(nodes)
    dim = int(manifest["dimension"])
    if index.ntotal != len(chunks) or len(lexical) != len(leaves) or vectors.shape != (len(chunks), dim):
        raise IndexMismatch(
            f"{folder}: the index files disagree (chunks {len(chunks)}, vectors {index.ntotal}, "
            f"leaves {len(leaves)}, bm25 {len(lexical)}); rebuild with `kb build`"
        )
    data = IndexData(folder, manifest, nodes, leaves, chunks, vectors, index, lexical, tokenizer)
    data.by_key = {(n.doc, n.id): n for n in nodes}
    return data

