"""Hybrid retrieval: jieba BM25 and dense vectors, fused, deduplicated to whole clauses."""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from kb.document import Node
from kb.embed.base import Encoder
from kb.errors import QueryError
from kb.index.store import IndexData
from kb.lexicon import lexicon
from kb.query.everyday import EverydayBank, bank_for
from kb.query.expand import expand, thesaurus
from kb.query.fusion import top, weighted
from kb.query.relevance import Evidence, Gate, content_words
from kb.text.chars import HAN
from kb.text.dates import year_of
from kb.text.indicators import name_forms, name_match, read_row, states_quantity
from kb.text.notation import edition_key, search_form
from kb.text.patterns import article_number, breached_articles, defined_term
from kb.text.questions import asks_definition, asks_number, asks_penalty, locate_level
from kb.text.tokenize import STOPWORDS, normalize_query

#: Longest question accepted; longer text is almost certainly a paste, not a question.
MAX_QUERY_CHARS = 500
#: How many candidates each retriever contributes before fusion.
CANDIDATES = 100
#: Fusion: a convex combination of min-max normalised BM25 and cosine scores.  Measured on the
#: dev sets (bench/tune_fusion.py), it beat reciprocal rank fusion for every k tried, and the
#: dense weight is flat between 0.5 and 0.7; 0.5 sits at the plain-language end of that plateau.
DENSE_WEIGHT = 0.5
#: Tried and not kept (hit@1 of the 150 dev questions, against 135–136 at the time): exact scores
#: from both retrievers for every candidate either found (instead of 0 where one missed it) → 133,
#: z-score instead of min-max → 133, min-max from global quantiles → 131–135, a small RRF term → 137–139
#: (against 140), RM3 pseudo-relevance feedback → 131–135, Rocchio on the dense query → 132–135,
#: HIT Cilin synonyms at 0.15–0.5 → 135, a doc2query field of thesaurus phrasings in the BM25 text
#: → 134–135, dense max over grouped windows only → 133–134.
#: Added to the fused score of the passages of the one document a question names (named_document).
#: Enough to prefer it among near-equal candidates, not to override a clearly better passage elsewhere.
#: Measured on corpus-dev before phrase cover: 0.1 → hit@1 0.881, 0.2 → 0.893, 0.3 → 0.881, 0.5 → 0.857.
#: With phrase cover (whose title runs are left out, see search), on the four dev sets (hit@1 of 150):
#: 0 … 0.15 → 140, 0.2 and 0.3 → 139; one plan unchanged.
DOC_BOOST = 0.1
#: Characters besides question words a query must keep, less a document title it quotes, to be searched without it.
TITLE_REST_MIN = 3
_HAN_CHAR = re.compile(f"[{HAN}]")

_QUESTION_TAIL = re.compile(r"[？?！!。.\s]+$")

#: The relevance gate (whether to answer or decline, showing the nearest clauses as references)
#: lives in kb.query.relevance; Evidence is re-exported here for its users.
#: Windows sampled for the corpus background of the dense z.
BACKGROUND_SAMPLE = 4096
#: Weight of the thesaurus terms (kb.query.expand) in BM25, relative to the question's own tokens.
EXPANSION_WEIGHT = 0.5
#: Weight of a second dense query (question + thesaurus terms) against the question's own; 0 = off.
DENSE_EXPANSION_WEIGHT = 0.0
#: A question in the plan's own words repeats runs of its characters.  The share of the question
#: covered by runs of >= PHRASE_MIN characters that a clause contains (phrase_cover) is added to
#: the fused score of the PHRASE_POOL best candidates, times PHRASE_WEIGHT.  BM25 on tokens and
#: bigrams loses this order; the cosine blurs it.  Measured on the four dev sets together (150
#: questions, hit@1; 135 without): 0.3 → 137, 0.4–0.5 → 138, 0.7 → 137, 1.0 → 137; runs of 2 or 4
#: characters → 136; adding the heading to the text, or a pool of 10 or 50, changes nothing.
#: With the frame-stripped dense query and title runs left out (below): 0.35 → 139, 0.45–0.55 → 140.
#: Computing it on each window instead of the whole clause (proximity) → 139.
PHRASE_WEIGHT = 0.45
PHRASE_MIN = 3
PHRASE_POOL = 20


def phrase_cover(question: str, text: str, least: int = PHRASE_MIN) -> float:
    """The share of ``question``'s characters that lie in runs of >= ``least`` characters found in ``text``.

    Greedy from the left, each run as long as it goes: 生态质量指数的2025年目标 against a row holding
    生态质量指数 and 2025年目标 covers both runs; a clause sharing only scattered words covers little.
    """
    n = len(question)
    covered = i = 0
    while i < n:
        j = i + least
        while j <= n and question[i:j] in text:
            j += 1
        run = j - 1 - i
        if run >= least:
            covered += run
            i += run
        else:
            i += 1
    return covered / n if n else 0.0


def without_runs(question: str, text: str, least: int = PHRASE_MIN) -> str:
    """``question`` with every run of >= ``least`` characters that ``text`` contains taken out."""
    out, i, n = [], 0, len(question)
    while i < n:
        j = i + least
        while j <= n and question[i:j] in text:
            j += 1
        if j - 1 - i >= least:
            i = j - 1
        else:
            out.append(question[i])
            i += 1
    return "".join(out)


@functools.cache
def _frame_words() -> re.Pattern[str]:
    """The question's frame, longest first: the stopwords of two characters or more (question words,
    有关, 需要 …) and the frame words kept apart from the tokenizer (kb/lexicon/data/question_frame.txt)."""
    frame = {w for w in STOPWORDS if len(w) >= 2} | set(lexicon("question_frame").words)
    words = sorted(frame, key=lambda w: (-len(w), w))
    return re.compile("|".join(map(re.escape, words)) or r"(?!)")


_CLOSING_PARTICLES = re.compile(r"[吗吧呀呢啊嘛]+$")


def question_content(q: str) -> str:
    """The question without its frame: question words and closing particles taken out.

    The passages the dense model compares against are statements; 会不会…吗 and 能不能…
    pull a question's vector towards other questions' wording, not towards the clause.
    Measured on the four dev sets (hit@1 of 150): 138 → 139; dropping trailing one-character
    stopwords as well → 138, mixing the stripped and the whole question's vectors → 138.
    """
    content = _CLOSING_PARTICLES.sub("", _frame_words().sub("", q)).strip()
    return content or q


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
    #: The same passage in other documents of the index (one notice filed as PDF and as text),
    #: folded into this hit instead of taking places of their own.
    also: tuple[Node, ...] = ()

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
            "also": [o.citation for o in self.also],
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


#: The most of a window (or of a heading's text) the gate's token-level match reads (Searcher.maxsim).
MAXSIM_CHARS = 400
#: How far down the hits the rule a top penalty article enforces is looked for.
RULE_TOP = 5


def rule_before_penalty(hits: list[Hit]) -> list[Hit]:
    """The hits with the article a top penalty article enforces first, for a question not about penalties.

    运剧毒物品的车能不能开过水源保护区 is answered by 第四十三条 (禁止…运输剧毒物品的车辆通行), not by
    第六十五条 (违反本条例第四十三条第一款规定…处罚), which repeats the rule's words with its fines.
    """
    cited = breached_articles(hits[0].node.text)
    if not cited:
        return hits
    doc = hits[0].node.doc
    rule = next((h for h in hits[1:RULE_TOP] if h.node.doc == doc and article_number(h.node.title) in cited), None)
    if rule is None:
        return hits
    order = [rule, *(h for h in hits if h is not rule)]
    return [replace(h, rank=r) for r, h in enumerate(order, 1)]


def use_before_definition(hits: list[Hit]) -> list[Hit]:
    """The hits with a passage that uses the term a top glossary entry defines first, for a question
    that does not ask what the term means.

    会不会给被征收人发房票 is answered by 推广房票安置方式, not by the 名词解释 entry 房票安置。指…
    """
    term = defined_term(hits[0].node.text)
    if not term:
        return hits
    doc = hits[0].node.doc
    form = search_form(term)
    use = next((h for h in hits[1:RULE_TOP] if h.node.doc == doc and defined_term(h.node.text) is None
                and form in search_form(re.sub(r"[“”\"'《》「」]", "", h.node.text))), None)
    if use is None:
        return hits
    order = [use, *(h for h in hits if h is not use)]
    return [replace(h, rank=r) for r, h in enumerate(order, 1)]


class Searcher:
    """Runs one query against a loaded index. Thread-safe for reads."""

    def __init__(self, data: IndexData, encoder: Encoder | None, query_prompt: str = "", home: Path | None = None):
        """``home`` is kb's cache folder, where the gate's bank of everyday questions is kept once embedded."""
        self.data = data
        self.encoder = encoder
        self.home = home
        self.query_prompt = query_prompt
        self._chunk_leaf = np.array([c.leaf for c in data.chunks], dtype=np.int64)
        rng = np.random.default_rng(0)
        vectors = data.dense.vectors
        n = len(vectors)
        pick = rng.choice(n, size=min(n, BACKGROUND_SAMPLE), replace=False) if n else np.arange(0)
        self._background = np.ascontiguousarray(vectors[np.sort(pick)])
        self._vocabulary = data.lexical.vocabulary()
        self._last_query_vector: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        self._last_scores: dict[str, tuple[dict[int, float], dict[int, float], float]] = {}
        self._gate: Gate | None = None
        self._search_texts: dict[int, str] = {}
        self._editions: dict[int, str] = {}
        #: Each document's own title, for questions that name the document.
        self._titles = {n.doc: n.title for n in data.nodes if n.kind == "preamble" and len(n.title) >= 4}
        #: The titles in search form: their words pick a document (lexical text, DOC_BOOST), so they
        #: do not count again in phrase cover, where they would lift the passage repeating the title.
        self._title_forms = tuple(search_form(t) for t in self._titles.values())

    def scores(self, q: str) -> tuple[dict[int, float], dict[int, float], float]:
        """The lexical and dense candidate scores of a clean query and its best raw BM25 score.

        Remembered for the last query: ``kb ask`` runs search() and then evidence() on the same
        question, and the gate reads the very score maps the ranking fused.
        """
        cached = self._last_scores.get(q)
        if cached is None:
            lex, own_best = self._lexical(q)
            cached = (lex, self.dense_scores(q), own_best)
            self._last_scores = {q: cached}
        return cached

    def lexical_scores(self, q: str) -> dict[int, float]:
        return self._lexical(q)[0]

    def _lexical(self, q: str) -> tuple[dict[int, float], float]:
        """BM25 candidates (with thesaurus expansion) and the best score of the question's own tokens."""
        scores = self.data.lexical.scores(q)
        own_best = float(scores.max()) if len(scores) else 0.0
        terms = expand(q).terms if EXPANSION_WEIGHT else ()
        if terms:
            own = set(self.data.tokenizer(q))
            extra = [t for t in self.data.tokenizer(" ".join(terms)) if t not in own and not t.startswith("@")]
            if extra:
                scores = scores + EXPANSION_WEIGHT * self.data.lexical.scores(extra)
        idx = np.argsort(-scores)[:CANDIDATES]
        return {int(i): float(scores[i]) for i in idx if scores[i] > 0}, own_best

    def dense_scores(self, q: str) -> dict[int, float]:
        if self.encoder is None:
            return {}
        vec = self.dense_query_vector(q)
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

    def dense_query_vector(self, q: str) -> np.ndarray:
        """The one embedding of a query, used by the ranking and the gate alike: of the question
        without its frame (see question_content), remembered for the last query."""
        return self._query_pass(q)[0]

    def _query_pass(self, q: str) -> tuple[np.ndarray, np.ndarray]:
        """The query's vector and token states, from one pass of the model, remembered for the last query."""
        content = question_content(q)
        cached = self._last_query_vector.get(content)
        if cached is None:
            [vector], [states] = self.encoder.encode_with_states([content], "query")
            cached = (vector, states)
            self._last_query_vector = {content: cached}
        return cached

    def evidence(self, query: str, hits: list[Hit]) -> Evidence:
        """Whether the hits answer the query or are only the nearest noise (kb.query.relevance).

        The dense z is on the ranking's own query vector and cosines, so ask encodes once.
        """
        q = clean_query(query)
        lex, den, own_best = self.scores(q)
        cosine = max((h.dense for h in hits), default=0.0)  # the hits' best cosine to the query
        z = 0.0
        if self.encoder is not None and len(self._background):
            bg = self._background @ self.dense_query_vector(q)
            best = max(cosine, float(bg.max())) if hits else float(bg.max())
            z = float((best - bg.mean()) / (bg.std() or 1.0))
        texts = [h.node.text for h in hits]
        return self.gate.evidence(q, texts, z, lex, den, own_best, titles=[h.node.title for h in hits],
                                  maxsim=self.maxsim(q, hits), everyday=self.everyday(q), cosine=cosine)

    def everyday(self, q: str) -> float:
        """The query's best cosine to the everyday questions no plan answers (kb.query.everyday)."""
        if self.encoder is None:
            return 0.0
        return self.everyday_bank.nearest(self.dense_query_vector(q))

    @functools.cached_property
    def everyday_bank(self) -> EverydayBank:
        m = self.data.manifest.model
        return bank_for(self.encoder, f"{m.name}|{m.dim}|{m.query_prompt}", self.home, question_content)

    def maxsim(self, q: str, hits: Sequence[Hit]) -> float:
        """The mean, over the question's tokens, of each one's best cosine to a token of the top hit.

        The hit is read in its window nearest the question (the one its dense score came from), at
        most MAXSIM_CHARS of it: a passage's cost in the model grows with its length (a median window
        of 55 characters takes 20 ms, a clause's first 160 characters 43 ms, its first 400, 67 ms).
        Measured on the gate's questions (held-out answered / declined, all answered / declined):
        the nearest window 89.6/97.2, 94.7/96.9; the first 160 characters 90.9/96.7, 95.3/96.1;
        the first 400, 89.6/98.1, 94.7/97.4; the two nearest windows 88.3/97.7, 94.0/96.7.
        """
        if self.encoder is None or not hits:
            return 0.0
        question = self._query_pass(q)[1]
        [passage] = self.encoder.token_states([self._nearest_window(q, hits[0].node)], "passage")
        if not len(question) or not len(passage):
            return 0.0
        return float((question @ passage.T).max(axis=1).mean())

    def _nearest_window(self, q: str, node: Node) -> str:
        """The window of ``node`` whose vector is nearest the query's (its opening, for a heading)."""
        leaf = self._leaf_of.get((node.doc, node.id))
        windows = self._windows_of.get(leaf, ()) if leaf is not None else ()
        if not len(windows):
            return node.text[:MAXSIM_CHARS]
        best = windows[int(np.argmax(self.data.dense.vectors[windows] @ self.dense_query_vector(q)))]
        return self.data.chunks[best].text[:MAXSIM_CHARS]

    @functools.cached_property
    def _leaf_of(self) -> dict[tuple[str, str], int]:
        return {(n.doc, n.id): i for i, n in enumerate(self.data.leaves)}

    @functools.cached_property
    def _windows_of(self) -> dict[int, np.ndarray]:
        """Each leaf's windows (chunk numbers), from the chunk → leaf map."""
        order = np.argsort(self._chunk_leaf, kind="stable")
        leaves, starts = np.unique(self._chunk_leaf[order], return_index=True)
        return {int(leaf): part for leaf, part in zip(leaves, np.split(order, starts[1:]), strict=True)}

    @property
    def gate(self) -> Gate:
        if self._gate is None:
            self._gate = Gate(self.data, thesaurus(), question_content)
        return self._gate

    def _coverage(self, words: list[str], text: str) -> float:
        """The idf-weighted share of ``words`` that ``text`` contains (see kb.query.relevance.Gate)."""
        return self.gate.coverage(content_words(words), search_form(text))

    def search(self, query: str, k: int = 5, doc: str | None = None, chapter: int | None = None) -> list[Hit]:
        q = clean_query(query)
        rest, titled = self.without_title(q)
        lex, den, _ = self.scores(rest)
        fused = weighted([lex, den], [1.0 - DENSE_WEIGHT, DENSE_WEIGHT]) if den else dict(lex)
        allowed = self._filter(doc, chapter)
        if allowed is not None:
            fused = {i: s for i, s in fused.items() if i in allowed}
        if PHRASE_WEIGHT and fused:
            qf = search_form(q)
            for title in self._title_forms:
                qf = without_runs(qf, title)
            for i, _ in top(fused, PHRASE_POOL):
                fused[i] += PHRASE_WEIGHT * phrase_cover(qf, self._search_text(i))
        terms = self.query_terms(q)
        named = titled or self.named_document(terms)
        if named is not None and doc is None:
            fused = {i: s + DOC_BOOST * (self.data.leaves[i].doc == named) for i, s in fused.items()}
        level = locate_level(q)
        hits: list[Hit] = []
        seen: set[tuple[str, str]] = set()
        editions: dict[str, int] = {}  # a passage's edition_key → the hit that holds it
        copies: dict[int, list[Node]] = {}
        for i, score in top(fused, k * 3):
            node = self.data.leaves[i]
            if level:
                node = self._holder(node, level)
                if (node.doc, node.id) in seen:
                    continue
                seen.add((node.doc, node.id))
            else:
                key = self._edition(i)
                first = editions.get(key)
                if first is not None and hits[first].node.doc != node.doc:
                    copies.setdefault(first, []).append(node)
                    continue
                editions.setdefault(key, len(hits))
            matched = tuple(t for t in terms if t in node.text)
            hits.append(Hit(len(hits) + 1, score, node, matched, lex.get(i, 0.0), den.get(i, 0.0)))
            if len(hits) == k:
                break
        hits = [replace(h, also=tuple(copies[n])) if n in copies else h for n, h in enumerate(hits)]
        if not level and hits and asks_number(q):
            hits = self._row_first(q, hits, allowed, k)
        if hits and not asks_penalty(q):
            hits = rule_before_penalty(hits)
        if hits and not asks_definition(q):
            hits = use_before_definition(hits)
        return hits

    def _row_first(self, q: str, hits: list[Hit], allowed: set[int] | None, k: int) -> list[Hit]:
        """The hits with the indicator row a number question names first, where the top hit gives no number.

        生态质量指数的2025年目标是多少 wants 73.5: the row that states it outranks a clause that
        names the indicator without a quantity (生态质量指数不低于现有水平).  A clause that states a
        quantity for the indicator keeps its place; it is as good an answer and says more.
        The question must hold the row's whole name, in one of its forms (kb.text.indicators).
        """
        docs = {h.node.doc for h in hits[:5]}
        year = year_of(q)
        best: tuple[bool, int, int] | None = None
        for i in self._rows:
            row = self.data.leaves[i]
            if row.doc not in docs or (allowed is not None and i not in allowed) or name_match(q, row.title) < 1.0:
                continue
            read = read_row(row.columns)
            if read is None or not any(re.search(r"\d", cell) for _, cell in read.targets):
                continue
            ranked = next((h.rank for h in hits if h.node.id == row.id and h.node.doc == row.doc), k + 1)
            key = (read.targets_year(year), -ranked, i)
            best = max(best, key) if best else key
        if best is None:
            return hits
        row = self.data.leaves[best[2]]
        top_node = hits[0].node
        if (top_node.doc, top_node.id) == (row.doc, row.id) or states_quantity(top_node.text, name_forms(row.title)):
            return hits
        first = next((h for h in hits if (h.node.doc, h.node.id) == (row.doc, row.id)), None)
        first = first or Hit(0, hits[0].score, row, tuple(t for t in self.query_terms(q) if t in row.text))
        rest = [h for h in hits if h is not first][: k - 1]
        return [replace(h, rank=r) for r, h in enumerate([first, *rest], 1)]

    @functools.cached_property
    def _rows(self) -> list[int]:
        """The leaves that are table rows with columns (indicator-table candidates)."""
        return [i for i, n in enumerate(self.data.leaves) if n.kind == "row" and n.columns]

    def without_title(self, q: str) -> tuple[str, str | None]:
        """The query less a document's whole title it quotes, and that document (else ``q``, None).

        重庆市河长制条例自何时起施行 asks about one document, not about its title: ranked with the
        title in, the passage that repeats the title (the preamble) outranks the clause that answers.
        The document still gets its DOC_BOOST; a query that is little more than the title (what is
        left has fewer than TITLE_REST_MIN characters besides its question words) is kept whole.
        """
        qf = search_form(q)
        for doc, title in zip(self._titles, self._title_forms, strict=True):
            at = qf.find(title)
            if at >= 0:
                rest = (qf[:at] + " " + qf[at + len(title):]).strip()
                content = _CLOSING_PARTICLES.sub("", _frame_words().sub("", rest))
                if len(_HAN_CHAR.findall(content)) >= TITLE_REST_MIN:
                    return rest, doc
        return q, None

    def _search_text(self, leaf: int) -> str:
        """A leaf's text in search form, worked out once per leaf."""
        found = self._search_texts.get(leaf)
        if found is None:
            found = self._search_texts[leaf] = search_form(self.data.leaves[leaf].text)
        return found

    def _edition(self, leaf: int) -> str:
        """A leaf's edition_key (the same passage in another document has the same), worked out once."""
        found = self._editions.get(leaf)
        if found is None:
            found = self._editions[leaf] = edition_key(self.data.leaves[leaf].text)
        return found

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
