"""Hybrid retrieval: jieba BM25 and dense vectors, fused, deduplicated to whole clauses."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

from kb.document import Node
from kb.embed.base import Encoder
from kb.errors import QueryError
from kb.index.store import IndexData
from kb.query.expand import expand, thesaurus
from kb.query.fusion import top, weighted
from kb.query.relevance import Evidence, Gate, content_words
from kb.text.notation import search_form
from kb.text.questions import locate_level
from kb.text.tokenize import STOPWORDS, normalize_query

#: Longest question accepted; longer text is almost certainly a paste, not a question.
MAX_QUERY_CHARS = 500
#: How many candidates each retriever contributes before fusion.
CANDIDATES = 100
#: Fusion: a convex combination of min-max normalised BM25 and cosine scores.  Measured on the
#: dev sets (bench/tune_fusion.py), it beat reciprocal rank fusion for every k tried, and the
#: dense weight is flat between 0.5 and 0.7; 0.5 sits at the plain-language end of that plateau.
DENSE_WEIGHT = 0.5
#: Added to the fused score of the passages of the one document a question names (named_document).
#: Measured on corpus-dev: 0.1 → hit@1 0.881, 0.2 → 0.893, 0.3 → 0.881, 0.5 → 0.857; one plan unchanged.
#: enough to prefer it among near-equal candidates, not to override a clearly better passage elsewhere.
DOC_BOOST = 0.2

_QUESTION_TAIL = re.compile(r"[？?！!。.\s]+$")

#: The relevance gate (whether to answer or decline, showing the nearest clauses as references)
#: lives in kb.query.relevance; Evidence is re-exported here for its users.
#: Windows sampled for the corpus background of the dense z.
BACKGROUND_SAMPLE = 4096
#: Weight of the thesaurus terms (kb.query.expand) in BM25, relative to the question's own tokens.
EXPANSION_WEIGHT = 0.5
#: Weight of a second dense query (question + thesaurus terms) against the question's own; 0 = off.
DENSE_EXPANSION_WEIGHT = 0.0


@dataclass(frozen=True)
class Hit:
    """A retrieved clause with its rank, fused score and the query terms it contains."""

    rank: int
    score: float
    node: Node
    matched: tuple[str, ...] = ()
    #: Raw evidence behind the fused score: BM25 score and cosine similarity (0 when absent).
    lexical: float = 0.0
    dense: float = 0.0

    @property
    def citation(self) -> str:
        return self.node.citation

    def to_dict(self) -> dict:
        n = self.node
        return {
            "rank": self.rank,
            "score": round(self.score, 6),
            "id": n.id,
            "doc": n.doc,
            "chapter": n.path[0] if n.path else "",
            "section": n.path[1] if len(n.path) > 1 else "",
            "title": n.title,
            "citation": n.citation,
            "text": n.text,
            "page": n.page,
            "kind": n.kind,
            "matched": list(self.matched),
        }


def clean_query(query: str) -> str:
    """Normalise width and case, drop trailing question marks; reject empty or oversized input."""
    q = normalize_query(query or "")
    q = _QUESTION_TAIL.sub("", q)
    if not q:
        raise QueryError("the question is empty")
    if len(q) > MAX_QUERY_CHARS:
        raise QueryError(f"the question is too long ({len(q)} characters; at most {MAX_QUERY_CHARS})")
    return q


class Searcher:
    """Runs one query against a loaded index. Thread-safe for reads."""

    def __init__(self, data: IndexData, encoder: Encoder | None, query_prompt: str = ""):
        self.data = data
        self.encoder = encoder
        self.query_prompt = query_prompt
        self._chunk_leaf = np.array([c.leaf for c in data.chunks], dtype=np.int64)
        rng = np.random.default_rng(0)
        vectors = data.dense.vectors
        n = len(vectors)
        pick = rng.choice(n, size=min(n, BACKGROUND_SAMPLE), replace=False) if n else np.arange(0)
        self._background = np.ascontiguousarray(vectors[np.sort(pick)])
        self._vocabulary = data.lexical.vocabulary()
        self._last_query_vector: dict[str, np.ndarray] = {}
        self._gate: Gate | None = None
        #: Each document's own title, for questions that name the document.
        self._titles = {n.doc: n.title for n in data.nodes if n.kind == "preamble" and len(n.title) >= 4}

    def lexical_scores(self, q: str) -> dict[int, float]:
        scores = self.data.lexical.scores(q)
        terms = expand(q).terms if EXPANSION_WEIGHT else ()
        if terms:
            own = set(self.data.tokenizer(q))
            extra = [t for t in self.data.tokenizer(" ".join(terms)) if t not in own and not t.startswith("@")]
            if extra:
                scores = scores + EXPANSION_WEIGHT * self.data.lexical.scores(extra)
        idx = np.argsort(-scores)[:CANDIDATES]
        return {int(i): float(scores[i]) for i in idx if scores[i] > 0}

    def dense_scores(self, q: str) -> dict[int, float]:
        if self.encoder is None:
            return {}
        vec = self.query_vector(q)
        terms = expand(q).terms if DENSE_EXPANSION_WEIGHT else ()
        if terms:
            second = self.encoder.encode([f"{q} {' '.join(terms)}"], "query")[0]
            vec = (1 - DENSE_EXPANSION_WEIGHT) * vec + DENSE_EXPANSION_WEIGHT * second
            vec = vec / (np.linalg.norm(vec) or 1.0)
        scores, ids = self.data.dense.search(vec, CANDIDATES * 3)
        best: dict[int, float] = {}
        for s, i in zip(scores, ids, strict=True):
            if i < 0:
                continue
            leaf = int(self._chunk_leaf[i])
            if leaf not in best or s > best[leaf]:
                best[leaf] = float(s)
        return dict(sorted(best.items(), key=lambda kv: -kv[1])[:CANDIDATES])

    def query_vector(self, q: str) -> np.ndarray:
        """The query embedding, remembered for the last query so evidence() does not encode twice."""
        cached = self._last_query_vector.get(q)
        if cached is None:
            cached = self.encoder.encode([q], "query")[0]
            self._last_query_vector = {q: cached}
        return cached

    def evidence(self, query: str, hits: list[Hit]) -> Evidence:
        """Whether the hits answer the query or are only the nearest noise (kb.query.relevance)."""
        q = clean_query(query)
        z = 0.0
        if self.encoder is not None and len(self._background):
            vec = self.query_vector(q)
            bg = self._background @ vec
            best = max((h.dense for h in hits), default=float(bg.max()))
            z = float((max(best, float(bg.max())) - bg.mean()) / (bg.std() or 1.0))
        texts = [h.node.text for h in hits]
        return self.gate.evidence(q, texts, z, self.lexical_scores(q), self.dense_scores(q))

    @property
    def gate(self) -> Gate:
        if self._gate is None:
            self._gate = Gate(self.data, thesaurus())
        return self._gate

    def _coverage(self, words: list[str], text: str) -> float:
        """The idf-weighted share of ``words`` that ``text`` contains (see kb.query.relevance.Gate)."""
        return self.gate.coverage(content_words(words), search_form(text))

    def search(self, query: str, k: int = 5, doc: str | None = None, chapter: int | None = None) -> list[Hit]:
        q = clean_query(query)
        lex = self.lexical_scores(q)
        den = self.dense_scores(q)
        fused = weighted([lex, den], [1.0 - DENSE_WEIGHT, DENSE_WEIGHT]) if den else dict(lex)
        allowed = self._filter(doc, chapter)
        if allowed is not None:
            fused = {i: s for i, s in fused.items() if i in allowed}
        terms = self.query_terms(q)
        named = self.named_document(terms)
        if named is not None and doc is None:
            fused = {i: s + DOC_BOOST * (self.data.leaves[i].doc == named) for i, s in fused.items()}
        level = locate_level(q)
        hits: list[Hit] = []
        seen: set[tuple[str, str]] = set()
        for i, score in top(fused, k * 3 if level else k):
            node = self.data.leaves[i]
            if level:
                node = self._holder(node, level)
                if (node.doc, node.id) in seen:
                    continue
                seen.add((node.doc, node.id))
            matched = tuple(t for t in terms if t in node.text)
            hits.append(Hit(len(hits) + 1, score, node, matched, lex.get(i, 0.0), den.get(i, 0.0)))
            if len(hits) == k:
                break
        return hits

    def _holder(self, leaf: Node, level: str) -> Node:
        """For a "which chapter / box / part" question: the heading at that level that holds the leaf,
        shown as the trail of headings above the leaf; the leaf itself when it has no such heading."""
        chain: list[Node] = []
        parent = leaf.parent
        while parent is not None and (node := self.data.by_key.get((leaf.doc, parent))) is not None:
            chain.append(node)
            parent = node.parent
        chain = [n for n in chain if n.kind != "preamble"]
        if level == "top":
            found = chain[-1] if chain else None
        else:
            kinds = {"section": ("section", "subsection")}.get(level, (level,))
            found = next((n for n in chain if n.kind in kinds), None)
        if found is None:
            return leaf
        # The whole way down, so that whichever level the asker means is on the first line.
        trail = " › ".join(n.title for n in reversed(chain))
        return replace(found, text=f"{trail}\n{leaf.text}")

    def named_document(self, terms: Sequence[str]) -> str | None:
        """The one document a question names by a word of its title (a district’s name, 河长制条例…), if any.

        A word counts only when it is in exactly one document's title, so a city named in four titles
        names none of them; an index of one plan is never changed by this.
        """
        named = {d for t in terms if len(docs := self._title_docs(t)) == 1 for d in docs}
        return next(iter(named)) if len(named) == 1 else None

    def _title_docs(self, term: str) -> set[str]:
        return {doc for doc, title in self._titles.items() if term in title}

    def query_terms(self, q: str) -> list[str]:
        """The query's content words, longest first, for marking matches."""
        words = {w for w in self.data.tokenizer.words(q) if len(w) >= 2 and w not in STOPWORDS}
        return sorted(words, key=lambda w: (-len(w), w))

    def _filter(self, doc: str | None, chapter: int | None) -> set[int] | None:
        if doc is None and chapter is None:
            return None
        out = set()
        for i, n in enumerate(self.data.leaves):
            if doc is not None and n.doc != doc:
                continue
            if chapter is not None and n.chapter != chapter:
                continue
            out.add(i)
        return out
