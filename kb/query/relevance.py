"""The answer gate: does the corpus answer this question, or is its best clause only the nearest noise?

A handful of features, each a question one would ask of the evidence, are combined by a logistic
model whose weights are data (kb/query/relevance.json), fitted by bench/fit_relevance.py across
corpora (fit on one index's questions, tested on the other's) so that it cannot memorise a plan:

- ``z``: the best window's cosine above the query's cosine to the corpus as a whole, in standard
  deviations (raw e5 cosines crowd together; their z does not);
- ``coverage``: the idf-weighted share of the question's words in one top hit (thesaurus words earn
  part credit);
- ``key``: whether that hit holds the question's key concept, its rarest content word (公租房 in
  怎么申请公租房), a word the corpus never uses counting as rarer than any it does;
- ``bound``: how much of the match is a word found only inside a longer corpus term (天气 in
  重污染天气): the corpus then talks about the longer thing, not about the word.  The model reads it
  through ``key`` (the key word's match times one less its boundness); on its own it is computed and
  shown but not fitted (bench/fit_relevance.DEFAULT_FEATURES says why);
- ``lexical``: the best BM25 score over the query's own best possible score, i.e. how much of the
  query the best passage can explain;
- ``agree``: the share of the lexical top list that the dense top list also holds;
- ``first``: whether each retriever's best passage is in the other's top five;
- ``maxsim``: late interaction, as ColBERT scores a passage: each token of the question (its frame
  left out) is matched to its nearest token of the top passage by the model's own token states, and
  the cosines are averaged.  A paraphrase (挖煤造成地面塌陷 / 采煤沉陷区) finds a near token for each of
  its words; an everyday question (快递丢了找谁赔) finds none for 丢 and 赔 however close its vector is;
- ``everyday``: the question's best cosine to a bank of everyday questions no plan answers
  (kb.query.everyday: 身份证丢了怎么挂失, 机票什么时候买最便宜 …), as an out-of-domain detector reads its
  nearest out-of-domain neighbour: 养老金每个月能领多少 comes nearer those than the corpus's clause on
  pensions does to it;
- ``cosine``: the hits' best cosine to the question, the same scale as ``everyday``, so that the model
  weighs the two sides against each other (``z`` measures the hit against the corpus instead).

Rules come before the model (Evidence.ruled): a question that quotes a span a hit holds, or points at a
document of a kind the corpus holds (这份通知由谁发布？), is answered; one none of whose words the corpus
knows (itself or through a thesaurus term: 种树 → 植树), whose best hit holds under COVERAGE_FLOOR of it,
or that asks a price (多少钱, 罚多少) no hit states, is declined.

The dense z is on the ranking's own query vector (the question without its frame), and the words a
hit must hold leave the frame out the same way (怎么回事 and 有哪些 are not rare unknown words).
Tried and not kept (bench/fit_relevance.py on both indexes; worst cross-corpus answered/declined and
held-out answered/declined, against 89.4/94.4 and 88.3/96.7 with ``first``): how far the best cosine
stands above the next nine, in z units, instead of z or beside it (z's weight then turns negative;
89.3/94.4, 87.0/96.7), the same for BM25 (89.4/95.3, 88.3/97.7 with all three below), the share of
the question in phrase runs of the top three hits (89.4/93.5, 88.3/97.2), the share of the question's
one-character words (怎么交) no top hit uses (90.9/95.3, 85.7/97.2, without ``first``), and coverage in
which a question word the hit lacks earns thesaurus credit when one of its 1–10 nearest corpus words by
e5 cosine (≥ 0.90–0.93) is in the hit (挖煤 → 采煤, 塌陷 → 沉陷; but also 信用卡 → 支付): held-out
85.7–88.3/96.3–96.7 in place of or beside ``coverage``, and several seconds of build time per plan.
Since ``everyday`` was not kept either (held-out answered/declined against 70/77 and 211/214 before it):
``maxsim`` as the best of the top three hits' (67/77, 209/214), ``maxsim`` of the question with its
thesaurus terms appended (70/77, 211/214), the share of the question's words the corpus knows, itself or
through the thesaurus (67–70/77), and a threshold set where the two error rates meet on out-of-corpus
scores (66/77, 211/214).
"""

from __future__ import annotations

import functools
import json
import re
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, fields
from importlib import resources
from typing import TYPE_CHECKING

import numpy as np

from kb.errors import KBError
from kb.text.chars import HAN_EXT
from kb.text.notation import search_form
from kb.text.questions import asks_money, document_referred, quoted
from kb.text.targets import states_money
from kb.text.tokenize import STOPWORDS, pos_cut

if TYPE_CHECKING:
    from kb.index.store import IndexData

#: The features the model reads, in the order of its weights.
FEATURES = ("z", "coverage", "key", "bound", "lexical", "agree", "first", "maxsim", "everyday", "cosine")
#: A thesaurus word (kb.query.expand) whose plan term is in the hit counts this much of itself.
THESAURUS_CREDIT = 0.7
#: The shortest quoted span whose verbatim presence in a hit answers the question (“十五五” is too common).
QUOTED_MIN = 4
#: The least share of the question's words (idf-weighted, kb.query.relevance.Gate.coverage) a top hit must
#: hold to answer it, whatever the model says: a passage that shares nothing of the question but a name
#: every passage of a city's plan has (X市有多少人口) does not answer it.  The lowest of the 150 in-scope dev questions
#: is 0.069 (砍掉树冠的那种树苗还能拿来搞绿化吗); 211 of the 456 everyday ones fall below 0.03.
COVERAGE_FLOOR = 0.03
#: How many of each retriever's best passages are compared for ``agree``.
AGREE_TOP = 20
#: How far down the other retriever's list ``first`` looks for each one's best passage.  Held-out
#: figures alike for 3, 5 and 10 (68/77 answered, 207/214 declined); worst cross-corpus answered
#: 89.4%, 89.4%, 90.9%, declined 94.4% for all three.
FIRST_TOP = 5
MODEL_FILE = "relevance.json"
BOUND_RIGHT = False
_HAN = re.compile(f"[{HAN_EXT}]")


class GateModelError(KBError):
    """The gate's coefficient file is missing or malformed."""


@dataclass(frozen=True)
class GateModel:
    """A logistic model over FEATURES: answer when ``bias + Σ weight·feature >= threshold``."""

    weights: Mapping[str, float]
    bias: float
    threshold: float = 0.0

    def score(self, values: Mapping[str, float]) -> float:
        return self.bias + sum(w * values[f] for f, w in self.weights.items())

    def to_dict(self) -> dict:
        return {"weights": dict(self.weights), "bias": self.bias, "threshold": self.threshold}


@functools.cache
def model() -> GateModel:
    """The fitted gate (kb/query/relevance.json), read once per process."""
    try:
        raw = json.loads(resources.files("kb.query").joinpath(MODEL_FILE).read_text(encoding="utf-8"))
        weights = {str(k): float(v) for k, v in raw["weights"].items()}
        unknown = set(weights) - set(FEATURES)
        if unknown:
            raise ValueError(f"unknown features {sorted(unknown)}")
        return GateModel(weights, float(raw["bias"]), float(raw.get("threshold", 0.0)))
    except (OSError, ValueError, KeyError, TypeError) as e:
        raise GateModelError(f"kb/query/{MODEL_FILE}: the relevance gate cannot be read ({e})") from e


@dataclass(frozen=True)
class Evidence:
    """How strongly the corpus answers a query (the features above), and the gate's verdict."""

    z: float
    coverage: float
    known: float
    key: float = 0.0
    bound: float = 0.0
    lexical: float = 0.0
    agree: float = 0.0
    first: float = 0.0
    maxsim: float = 0.0
    everyday: float = 0.0
    cosine: float = 0.0
    #: Whether a hit holds, word for word, a span of QUOTED_MIN or more characters the question
    #: quotes (“深入推进新城建设”是第几章？): the question is then about this corpus whatever the model says.
    quoted: float = 0.0
    #: Whether the question points at a document of a kind the corpus holds (这份通知由谁发布？): it is
    #: about the user's own documents, whatever the model says.
    document: float = 0.0
    #: Whether the question asks for an amount of money (多少钱, 罚多少) that no hit states: a plan
    #: that names no price does not answer 健身房年卡多少钱, however near its clause on fitness.
    unpriced: float = 0.0

    def features(self) -> dict[str, float]:
        return {f: float(getattr(self, f)) for f in FEATURES}

    @property
    def score(self) -> float:
        """The model's log-odds that the corpus answers the query, less its threshold."""
        m = model()
        return m.score(self.features()) - m.threshold

    @property
    def ruled(self) -> bool | None:
        """The verdict of the rules that come before the model, or None where the model decides.

        A quoted span or a pointed-at document answers; a question none of whose words the corpus
        knows, a hit holding under COVERAGE_FLOOR of it, or a price no hit states, does not.
        """
        if self.quoted > 0 or self.document > 0:
            return True
        if self.unpriced > 0 or self.known <= 0 or self.coverage < COVERAGE_FLOOR:
            return False
        return None

    @property
    def relevant(self) -> bool:
        ruled = self.ruled
        return self.score >= 0.0 if ruled is None else ruled

    def to_dict(self) -> dict:
        out = {f.name: round(float(getattr(self, f.name)), 4) for f in fields(self)}
        out.update(score=round(self.score, 4), relevant=self.relevant)
        return out


def content_words(words: Sequence[str]) -> list[str]:
    """The words a match can be judged on: two characters or more, not stopwords, each once."""
    return sorted({w for w in words if len(w) >= 2 and w not in STOPWORDS})


#: A word just before a noun makes a compound with it when jieba tags it a noun (n…), verbal noun
#: (vn), adjective (a…, not the adverbial ad) or distinguishing word (b): 重污染 + 天气, not 引导 + 农民.


@functools.lru_cache(maxsize=8192)
def modifies(before: str) -> bool:
    """Whether the word that ends ``before`` would modify a noun that follows it (not 引导 in 引导农民)."""
    words = pos_cut(before) if before else []
    if not words:
        return False
    flag = words[-1][1]
    return flag == "vn" or (flag[:1] in ("n", "a", "b") and flag != "ad")


def generic_words(query: str, words: Sequence[str]) -> list[str]:
    """The words the question uses in their general sense: not names, and not already narrowed.

    A name (jieba: person, place, organisation) is never a general word inside a longer term, and a
    word the question itself modifies (辰山植物园, not 植物园) already names the specific thing.
    """
    q = search_form(query)
    out = []
    for w in words:
        start = q.find(w)
        if start < 0:
            continue
        tagged = pos_cut(q[start : start + len(w)])
        if len(tagged) == 1 and tagged[0][1] in ("nr", "ns", "nt", "nrt", "nrfg"):
            continue
        if start and _HAN.match(q[start - 1]) and modifies(q[max(0, start - 8) : start]):
            continue
        out.append(w)
    return out


class Gate:
    """Computes Evidence against one loaded index (corpus statistics are gathered once, lazily)."""

    def __init__(
        self,
        data: IndexData,
        thesaurus: Mapping[str, Sequence[str]] | None = None,
        content: Callable[[str], str] | None = None,
    ):
        """``content`` takes a question's frame out (kb.query.search.question_content), so that
        怎么回事 or 有哪些 is not taken for a rare word the corpus lacks; the ranking uses the same rule."""
        self.data = data
        self.thesaurus = thesaurus or {}
        self.content = content or (lambda q: q)
        self._text: str | None = None
        self._vocabulary: set[str] | None = None

    # ------------------------------------------------------------------ corpus statistics

    @property
    def idf(self) -> dict[str, float]:
        return self.data.lexical.idf()

    @functools.cached_property
    def rare(self) -> float:
        """The idf of a word the corpus never uses: that of its rarest word."""
        return max(self.idf.values(), default=1.0)

    @property
    def vocabulary(self) -> set[str]:
        if self._vocabulary is None:
            self._vocabulary = self.data.lexical.vocabulary()
        return self._vocabulary

    def known(self, word: str) -> bool:
        """Whether the corpus uses ``word``: as a BM25 token, or written out inside a longer cut
        (jieba may cut 河长制、湖长制 as 河长 / 制 in the plan and 河长制 in the question)."""
        return word in self.vocabulary or word in self.corpus_text

    def bridged(self, word: str) -> bool:
        """Whether the corpus uses ``word`` or one of its thesaurus terms (种树 → 植树造林)."""
        return self.known(word) or any(self.known(t) for t in self.thesaurus.get(word, ()))

    @property
    def corpus_text(self) -> str:
        if self._text is None:
            self._text = "\n".join(search_form(n.text) for n in self.data.leaves)
        return self._text

    @functools.lru_cache(maxsize=4096)  # noqa: B019 - one Gate per loaded index, kept for its life
    def neighbours(self, word: str) -> tuple[Counter, Counter, int]:
        """The characters just before and just after ``word`` across the corpus, and its count."""
        text = self.corpus_text
        left: Counter = Counter()
        right: Counter = Counter()
        n = 0
        start = text.find(word)
        while start >= 0:
            n += 1
            end = start + len(word)
            if start > 0:
                left[text[start - 1]] += 1
            if end < len(text):
                right[text[end]] += 1
            start = text.find(word, start + 1)
        return left, right, n

    # ------------------------------------------------------------------ features

    def weight(self, word: str) -> float:
        return self.idf.get(word, self.rare)

    def found(self, word: str, text: str) -> float:
        """1 when ``text`` has the word, THESAURUS_CREDIT when it has one of its plan terms, else 0."""
        if word in text:
            return 1.0
        if any(t in text for t in self.thesaurus.get(word, ())):
            return THESAURUS_CREDIT
        return 0.0

    def coverage(self, words: Sequence[str], text: str) -> float:
        """The idf-weighted share of ``words`` that ``text`` contains (thesaurus terms earn part credit)."""
        total = sum(self.weight(w) for w in words)
        got = sum(self.weight(w) * self.found(w, text) for w in words)
        return got / total if total else 0.0

    def key_word(self, words: Sequence[str]) -> str | None:
        """The question's key concept: its rarest content word (unknown words rarest of all)."""
        return max(words, key=lambda w: (self.weight(w), len(w), w), default=None)

    def key(self, words: Sequence[str], text: str, query: str | None = None) -> float:
        """How far ``text`` holds the key concept, a match inside a longer term counting less."""
        word = self.key_word(words)
        if word is None:
            return 0.0
        query = "".join(words) if query is None else query
        bound = self.boundness(word, text, query) if word in generic_words(query, [word]) else 0.0
        return self.found(word, text) * (1.0 - bound)

    def boundness(self, word: str, text: str, query: str) -> float:
        """How surely every occurrence of ``word`` in ``text`` belongs to a longer corpus term.

        An occurrence belongs to one when the character before it is, across the corpus, nearly
        always before the word (染 before 天气: 重污染天气) and ends a word that modifies a noun
        (jieba's part of speech: 引导农民 is no term).  Only the left side counts: Chinese compounds
        are head-final, so 重污染天气 is a kind of weather the question did not ask about, while
        秸秆综合利用 is still about 秸秆 (measured: right-hand neighbours too, pooled cross-corpus AUC
        0.973 but 94.4-95.8% held-out declines; left-only with the part-of-speech check, 0.964 and 97.2%).
        The share is smoothed by one unseen occurrence so that a word seen once is not taken for a term.  A neighbour the question
        itself has (生活 in 生活污水怎么处理) makes the longer term the question's own.
        """
        if word not in text:
            return 0.0
        left, right, n = self.neighbours(word)
        if not n:
            return 0.0
        least = 1.0
        start = text.find(word)
        while start >= 0:
            end = start + len(word)
            shares = [0.0]
            pairs = [(text[start - 1] if start else "", left)]
            if BOUND_RIGHT:
                pairs.append((text[end] if end < len(text) else "", right))
            for ch, counts in pairs:
                if ch and _HAN.match(ch) and ch not in query and modifies(text[max(0, start - 8) : start]):
                    shares.append(counts[ch] / (n + 1))
            least = min(least, max(shares))
            start = text.find(word, start + 1)
        return least

    def bound(self, words: Sequence[str], text: str, query: str) -> float:
        """The idf-weighted share of the question's words that ``text`` holds only inside longer terms."""
        total = sum(self.weight(w) for w in words)
        generic = set(generic_words(query, words))
        got = sum(self.weight(w) * self.boundness(w, text, query) for w in words if w in text and w in generic)
        return got / total if total else 0.0

    def lexical(self, query: str, best: float) -> float:
        """``best`` (a BM25 score) over the query's own score: Σ idf of its tokens, unknown ones rarest."""
        tokens = set(self.data.tokenizer(query))
        own = sum(self.idf.get(t, self.rare) for t in tokens)
        return best / own if own > 0 else 0.0

    @staticmethod
    def agree(lexical: Mapping[int, float], dense: Mapping[int, float], top: int = AGREE_TOP) -> float:
        """The share of the lexical top list that the dense top list also holds."""
        if not lexical or not dense:
            return 0.0
        lex = sorted(lexical, key=lambda i: -lexical[i])[:top]
        den = set(sorted(dense, key=lambda i: -dense[i])[:top])
        return sum(i in den for i in lex) / top

    @staticmethod
    def first(lexical: Mapping[int, float], dense: Mapping[int, float], top: int = FIRST_TOP) -> float:
        """Whether each retriever's best passage is among the other's ``top``: half a point each.

        Two unlike retrievers that pick the same passage rarely both err; for the nearest noise
        each picks its own (``agree`` looks at the whole top lists, where noise overlaps too).
        """
        if not lexical or not dense:
            return 0.0
        lex = sorted(lexical, key=lambda i: -lexical[i])[:top]
        den = sorted(dense, key=lambda i: -dense[i])[:top]
        return ((lex[0] in den) + (den[0] in lex)) / 2

    @staticmethod
    def quotes(query: str, texts: Sequence[str]) -> float:
        """1 when one of ``texts`` (in search form) holds a span the query quotes, word for word."""
        spans = [search_form(s) for s in quoted(query, QUOTED_MIN)]
        return float(any(span in t for span in spans for t in texts))

    def evidence(
        self,
        query: str,
        texts: Sequence[str],
        z: float,
        lexical: Mapping[int, float],
        dense: Mapping[int, float],
        best_lexical: float | None = None,
        titles: Sequence[str] = (),
        maxsim: float = 0.0,
        everyday: float = 0.0,
        cosine: float = 0.0,
    ) -> Evidence:
        """The features for a (clean) query whose top hits have ``texts``.

        ``best_lexical`` is the best raw BM25 score of the query, when the caller already has it;
        ``titles`` are the hits' headings, where a quoted span may be found too; ``maxsim`` is the
        token-level match of the question and the top hit (kb.query.search.Searcher.maxsim);
        ``everyday`` its best cosine to the everyday questions no plan answers (kb.query.everyday), and
        ``cosine`` the hits' best cosine to it (their dense score), on the same scale.
        """
        content = self.content(query)
        words = content_words(self.data.tokenizer.words(content))
        known = sum(self.bridged(w) for w in words) / len(words) if words else 0.0
        forms = [search_form(t) for t in texts]
        cover = [self.coverage(words, t) for t in forms]
        best = int(np.argmax(cover)) if cover else -1
        text = forms[best] if cover else ""
        if best_lexical is None:
            raw = self.data.lexical.scores(query)
            best_lexical = float(raw.max()) if len(raw) else 0.0
        return Evidence(
            z=z,
            coverage=cover[best] if cover else 0.0,
            known=known,
            key=max((self.key(words, t, query) for t in forms), default=0.0),
            bound=self.bound(words, text, query) if text else 0.0,
            lexical=self.lexical(content, best_lexical),
            agree=self.agree(lexical, dense),
            first=self.first(lexical, dense),
            maxsim=maxsim,
            everyday=everyday,
            cosine=cosine,
            quoted=self.quotes(query, [*forms, *(search_form(t) for t in titles)]),
            document=self.document(query),
            unpriced=float(asks_money(query) and not any(states_money(t) for t in texts)),
        )

    def document(self, query: str) -> float:
        """1 when the query points at a kind of document (这份通知) that the corpus's text names."""
        kind = document_referred(query)
        return float(kind is not None and kind in self.corpus_text)
