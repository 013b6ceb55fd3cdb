"""KnowledgeBase: the one object the CLI and the app call.

It owns a loaded index, the query encoder and the searcher; every user-facing
capability (search, ask, outline, targets, locate, quiz) is a method here, so
the CLI and the Gradio app stay thin.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from pathlib import Path

from kb.config import Config
from kb.document import Document, Node
from kb.embed import Encoder, LazyEncoder, load_encoder, prepare_queries, resolve_model
from kb.errors import KBError
from kb.index.manifest import Manifest
from kb.index.store import BuildReport, IndexData, build_index, load_index, read_manifest
from kb.query.search import Hit, Searcher

log = logging.getLogger(__name__)


class KnowledgeBase:
    """A searchable, citable view of the plans in one index folder."""

    def __init__(self, data: IndexData, encoder: Encoder | None = None, index_dir: Path | str | None = None):
        self.data = data
        #: The folder the index was opened as (``data.folder`` is the generation it pointed at then).
        self.index_dir = Path(index_dir) if index_dir is not None else getattr(data, "folder", None)
        self._encoder = encoder
        self._lock = threading.RLock()
        self._searcher: Searcher | None = None

    # ---------------------------------------------------------- lifecycle

    @classmethod
    def build(
        cls,
        corpus: Sequence[Path | str] | Path | str,
        index_dir: Path | str = "index",
        model: str | None = None,
        encoder: Encoder | None = None,
        progress: bool = True,
    ) -> BuildReport:
        """Parse the corpus and (re)build the index; bad files are reported, not fatal.

        Without an ``encoder``, the model is resolved now but loaded only if some window
        needs embedding: an unchanged corpus rebuilds without loading it.
        """
        from kb.ingest.parse import parse_paths

        paths = [corpus] if isinstance(corpus, str | Path) else list(corpus)
        docs, errors = parse_paths(paths)
        if encoder is None:
            spec = resolve_model(model)
            encoder = LazyEncoder(spec, lambda: load_encoder(spec, show_progress=progress))
        report = build_index(docs, Path(index_dir), encoder, skipped=[str(e) for e in errors], progress=progress)
        prepare_queries(encoder)
        return report

    @classmethod
    def open(
        cls, index_dir: Path | str = "index", model: str | None = None, encoder: Encoder | None = None,
        verify: bool = False,
    ) -> KnowledgeBase:
        """Load an index; the model that built it is used for queries (a different --model is an error).

        Every file's size is checked; ``verify`` checks its SHA-256 too (a server does at start).
        """
        data = load_index(Path(index_dir), model, verify=verify)
        return cls(data, encoder, index_dir)

    @staticmethod
    def doctor(index_dir: Path | str = "index"):
        """Check an index down to every byte and say what is wrong and how to fix it (kb.index.doctor)."""
        from kb.index.doctor import diagnose

        return diagnose(Path(index_dir))

    @staticmethod
    def outline(paths: Sequence[Path | str]) -> tuple[list[Document], list[Exception]]:
        """Parse files into documents without indexing them (``kb outline``); unreadable files come back as errors."""
        from kb.ingest.parse import parse_paths

        docs, errors = parse_paths(paths)
        return docs, list(errors)

    @staticmethod
    def indexes_under(root: Path | str) -> list[Path]:
        """The index folders directly under ``root``, as a user names them: each folder or link with a
        manifest, not the generations a link points at (``index.<stamp>``) nor hidden build folders."""
        from kb.index import generations

        root = Path(root)
        found = [p for p in sorted(root.iterdir()) if not p.name.startswith(".") and (p / "manifest.json").is_file()]
        gens = {g for p in found for g in generations.generations(p)}
        return [p for p in found if p not in gens]

    @staticmethod
    def manifest(index_dir: Path | str = "index") -> Manifest:
        """What the index in ``index_dir`` records, checked (see kb.index.manifest.Manifest)."""
        return read_manifest(Path(index_dir))

    @property
    def encoder(self) -> Encoder:
        """The query encoder, loaded on first use from the manifest's model record."""
        if self._encoder is None:
            with self._lock:
                if self._encoder is None:
                    self._encoder = load_encoder(self.data.manifest.model.to_spec(), queries=True)
        return self._encoder

    @property
    def searcher(self) -> Searcher:
        """One searcher for all threads (the app serves several users from one loaded index)."""
        if self._searcher is None:
            with self._lock:
                if self._searcher is None:
                    self._searcher = Searcher(self.data, self.encoder, home=Config.from_env().home)
        return self._searcher

    # ------------------------------------------------------------ reading

    @property
    def nodes(self) -> list[Node]:
        return self.data.nodes

    @property
    def documents(self) -> list[str]:
        return [d.name for d in self.data.manifest.documents]

    def node(self, node_id: str, doc: str | None = None) -> Node | None:
        if doc is not None:
            return self.data.by_key.get((doc, node_id))
        return next((n for n in self.data.nodes if n.id == node_id), None)

    def resolve_doc(self, doc: str | None) -> str | None:
        """The document a filter names: its exact name, or a part of exactly one name.

        Every interface filters by document this one way, so a name that fits
        nothing, or several documents, is an error that lists what there is.
        """
        if doc is None or not doc.strip():
            return None
        doc = doc.strip()
        names = self.documents
        if doc in names:
            return doc
        hits = [n for n in names if doc in n]
        if len(hits) == 1:
            return hits[0]
        if not hits:
            raise KBError(f"no document matches {doc!r}; the index has: {'、'.join(names) or '(none)'}")
        raise KBError(f"{doc!r} matches several documents ({'、'.join(hits)}); be more specific")

    def children(self, node: Node) -> list[Node]:
        return [n for n in self.data.nodes if n.parent == node.id and n.doc == node.doc]

    def chapters(self, doc: str | None = None) -> list[Node]:
        return [n for n in self.data.nodes if n.kind == "chapter" and (doc is None or n.doc == doc)]

    # ------------------------------------------------------------ search

    def search(self, query: str, k: int = 5, doc: str | None = None, chapter: int | None = None) -> list[Hit]:
        """The k clauses that best answer the query, best first (``doc`` as :meth:`resolve_doc` reads it)."""
        return self.searcher.search(query, k=k, doc=self.resolve_doc(doc), chapter=chapter)

    def evidence(self, query: str, hits: list[Hit]):
        """How strongly the corpus answers the query (see kb.query.search.Evidence)."""
        return self.searcher.evidence(query, hits)

    @staticmethod
    def mark(text: str, terms: Sequence[str]) -> str:
        """``text`` with each of ``terms`` wrapped in 【】, the one way matches are shown."""
        from kb.text.marks import mark

        return mark(text, [t for t in terms if t])

    # ---------------------------------------------------------------- ask

    def ask(
        self,
        question: str,
        history: Sequence[str] = (),
        k: int = 5,
        doc: str | None = None,
        chapter: int | None = None,
    ):
        """An extractive answer: the sentences that say so, their owners, targets and deadlines.

        ``history`` holds the user's earlier questions, so a follow-up such as
        "那到什么时候完成？" is searched together with the topic it refers to.
        """
        from kb.query.answer import compose, contextualize
        from kb.query.search import clean_query

        words = self.data.tokenizer.words
        searched = contextualize(clean_query(question), [h for h in history if h and h.strip()], words)
        hits = self.search(searched, k=k, doc=doc, chapter=chapter)
        found = bool(hits) and self.evidence(searched, hits).relevant
        terms = self.searcher.query_terms(clean_query(searched))
        return compose(question, searched, hits, found, terms, self.data.nodes, words, self._weigher(searched))

    def _weigher(self, query: str):
        """Score a sentence by the idf of the query tokens it shares (words and character bigrams)."""
        tokenizer = self.data.tokenizer
        idf = self.data.lexical.idf()
        wanted = set(tokenizer(query))

        def weigh(sentence: str) -> float:
            return sum(idf.get(t, 0.0) for t in wanted.intersection(tokenizer(sentence)))

        return weigh

    # ------------------------------------------------- auditors and trainers

    def targets(self, doc: str | None = None, chapter: int | None = None) -> list:
        """Every quantified commitment (indicator rows and clause targets), see kb.tools.register."""
        from kb.tools.register import build_register

        return build_register(self.data.nodes, doc=doc, chapter=chapter)

    def register_rows(self, doc: str | None = None, chapter: int | None = None) -> list[dict]:
        """The register as flat rows (kb.tools.register.ROW_KEYS), ready for a table or a file."""
        from kb.tools.register import to_rows

        return to_rows(self.targets(doc=doc, chapter=chapter))

    @staticmethod
    def register_headers() -> dict[str, str]:
        """Row key → the Chinese column header the register's tables and files use."""
        from kb.tools.register import HEADERS_ZH

        return dict(HEADERS_ZH)

    def locate(self, phrase: str, limit: int = 10, doc: str | None = None) -> list:
        """Where a quoted phrase comes from: exact matches first, then near ones, see kb.tools.locate."""
        from kb.tools.locate import locate

        leaves = self.data.leaves if doc is None else [n for n in self.data.leaves if n.doc == doc]
        return locate(leaves, phrase, limit=limit)

    @staticmethod
    def locate_threshold() -> float:
        """The similarity (0–100) below which locate finds nothing: what "not found" means."""
        from kb.tools.locate import NEAR_THRESHOLD

        return NEAR_THRESHOLD

    @staticmethod
    def quiz_types() -> tuple[str, ...]:
        """The question types :meth:`quiz` can make."""
        from kb.tools.quiz import TYPES

        return tuple(TYPES)

    def quiz(
        self,
        n: int = 20,
        chapter: int | None = None,
        types: Sequence[str] = ("choice", "fill", "judge"),
        seed: int = 0,
        doc: str | None = None,
    ) -> list:
        """A reproducible quiz whose every answer can be checked against its source clause, see kb.tools.quiz."""
        from kb.tools.quiz import make_quiz

        return make_quiz(self.data.nodes, n=n, chapter=chapter, types=tuple(types), seed=seed, doc=doc)

    # ------------------------------------------- for the web app's views

    @property
    def max_query_chars(self) -> int:
        """The longest question search accepts, so an interface can say so before or after asking."""
        from kb.query.search import MAX_QUERY_CHARS

        return MAX_QUERY_CHARS

    def source_node(self, commitment) -> Node | None:
        """The clause or table row a register entry was read from."""
        return self.node(commitment.node_id, commitment.doc or None)

    @staticmethod
    def register_table(commitments: Sequence) -> tuple[list[dict], dict[str, str]]:
        """Register entries as flat rows and their Chinese column headers, for tables and files."""
        from kb.tools.register import HEADERS_ZH, to_rows

        return to_rows(commitments), dict(HEADERS_ZH)

    @staticmethod
    def write_table(rows: Sequence[dict], headers: dict[str, str], path: Path | str, fmt: str,
                    title: str = "", labels: dict | None = None) -> Path:
        """Rows as a csv / xlsx / md / docx file people open in Excel, WPS or Word (kb.tools.export)."""
        from kb.tools.export import write_table

        return write_table(rows, headers, path, fmt, title=title, labels=labels)

    @staticmethod
    def register_labels() -> dict[str, dict[str, str]]:
        """How the register's coded values read in its files and tables (source: table → 指标表)."""
        from kb.tools.export import REGISTER_LABELS_ZH

        return {k: dict(v) for k, v in REGISTER_LABELS_ZH.items()}

    @staticmethod
    def write_conversation(turns: Sequence[dict], path: Path | str, fmt: str, title: str = "问答记录") -> Path:
        """A chat's turns (question, answer, citations) as .docx or .md (kb.tools.export)."""
        from kb.tools.export import write_conversation

        return write_conversation(turns, path, fmt, title=title)

    @staticmethod
    def write_quiz(items: Sequence, path: Path | str, fmt: str, title: str = "测验") -> Path:
        """A quiz as an exam paper (docx) or a table (xlsx, csv, md), see kb.tools.export."""
        from kb.tools.export import write_quiz

        return write_quiz(items, path, fmt, title=title)

    @staticmethod
    def quiz_type_names() -> dict[str, str]:
        """Chinese names of the quiz item types (choice → 单项选择题 …)."""
        from kb.tools.export import TYPE_NAMES_ZH

        return dict(TYPE_NAMES_ZH)

    @staticmethod
    def asks_owner(question: str) -> bool:
        """Whether a question asks who is responsible (谁负责…, 哪个部门…), the one rule kb.query uses."""
        from kb.text.questions import asks_owner

        return asks_owner(question)

    # ------------------------------------------- documents, for the app's 文档 tab

    @staticmethod
    def supported_suffixes() -> tuple[str, ...]:
        """The file types kb can read (``.txt``, ``.pdf`` …), as the loaders say."""
        from kb.ingest.loaders import SUPPORTED

        return tuple(SUPPORTED)

    @staticmethod
    def parse(path: Path | str) -> Document:
        """One file parsed into its document tree, not indexed (an upload's preview); raises IngestError."""
        from kb.ingest.parse import parse_file

        return parse_file(path)

    def stored_documents(self) -> list[Document]:
        """The indexed documents rebuilt from the index (nodes and records), so a rebuild need not re-read files."""
        by_doc: dict[str, list[Node]] = {}
        for n in self.data.nodes:
            by_doc.setdefault(n.doc, []).append(n)
        return [Document(r.name, r.path, r.sha256, tuple(by_doc.get(r.name, ())), r.scheme)
                for r in self.data.manifest.documents]

    def rebuild(self, add: Sequence[Document] = (), remove: Sequence[str] = (), encoder: Encoder | None = None,
                progress: bool = False, wait: float | None = None) -> BuildReport:
        """Rebuild this index in place with documents added (same name: replaced) or removed.

        The other documents come from the index itself, and every window already
        embedded is reused, so only the added text is embedded.  The loaded object
        keeps answering from the old index; open the folder again (:meth:`reopen`) to
        see the new one.  Without ``encoder`` the index's model is loaded only if needed;
        ``wait`` is how long to wait for another build of the folder (kb.index.store.build_index).
        """
        gone = set(remove) | {d.name for d in add}
        docs = [d for d in self.stored_documents() if d.name not in gone] + list(add)
        if encoder is None:
            spec = self.data.manifest.model.to_spec()
            encoder = LazyEncoder(spec, lambda: load_encoder(spec, show_progress=progress))
        return build_index(docs, self.index_dir, encoder, skipped=(), progress=progress, wait=wait)

    def reopen(self) -> KnowledgeBase:
        """The index folder opened again (after a rebuild), keeping the query encoder already loaded."""
        return KnowledgeBase(load_index(self.index_dir), self._encoder, self.index_dir)

    # ---------------------------------------------------------- evaluation

    def evaluate(self, questions: Path | str, k: int = 10):
        """Score retrieval (and owner recall) on a gold question file, see kb.tools.evaluate."""
        from kb.tools.evaluate import load_questions, score

        try:
            qs = load_questions(Path(questions))
        except (OSError, ValueError) as e:
            raise KBError(f"{questions}: cannot read the question file ({e})") from e
        return score(qs, lambda q: [h.node.text for h in self.search(q, k=k)], lambda q: self.ask(q).owners)
