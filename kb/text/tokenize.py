"""Chinese tokenisation for BM25: jieba with a user dictionary learned from the corpus.

The tokenizer is a plain callable ``str -> list[str]`` so that the lexical index
does not care how text is cut; tests pass in simpler ones.
"""

from __future__ import annotations

import logging
import re
import threading
from collections import Counter
from collections.abc import Callable, Iterable
from functools import lru_cache
from pathlib import Path

from kb.lexicon import lexicon
from kb.text.chars import HAN, HAN_EXT
from kb.text.notation import search_form

Tokenizer = Callable[[str], list[str]]

#: Texts whose cut each tokenizer remembers: a search cuts its query four or five times, and an answer
#: weighs the same plan sentences question after question.
CACHE_SIZE = 8192

#: Words that carry no topic: function words, and the question words users type (kb/lexicon/data).
STOPWORDS = lexicon("stopwords").words

_PUNCT_OR_SPACE = re.compile(r"^[\W_]+$", re.UNICODE)
_CJK_RUN = re.compile(f"[{HAN_EXT}]+")


def normalize_query(text: str) -> str:
    """The search form of text (kb.text.notation): width, case, subscripts, units and pollutant names folded.

    ＰＭ２.５, PM_{2.5} and 细颗粒物 all become pm2.5, so index and query meet on one token.
    """
    return search_form(text).strip()


_NAME_END = re.compile(
    r"(?:局|厅|委员会|管委会|办公室|中心|公司|集团|水库|断面|工业园|经开区|新区|县|区|镇|河|湖|山)"
)


def corpus_terms(texts: Iterable[str], titles: Iterable[str] = ()) -> list[str]:
    """Terms worth keeping whole: quoted terms, names in 《》, headings' phrases, organisations and places.

    A name (…县, …水库, …局) is only taken where it starts on a jieba word boundary, so
    "生态经济强县" yields 经济强县, never the fragment 态经济强县.
    """
    found: Counter[str] = Counter()
    base = _fresh_jieba()
    for t in texts:
        for m in re.finditer(r"[“\"]([^”\"]{2,12})[”\"]", t):
            found[m.group(1)] += 1
        for m in re.finditer(r"《([^》]{2,20})》", t):
            found[m.group(1)] += 1
        found.update(_names(t, base))
    for title in titles:
        for part in re.split(r"[，、；：。（）()\s“”《》「」]+", title):
            part = re.sub(r"^第[一二三四五六七八九十]+[章节]|^专栏[一二三四五六七八九十]+|^[（(][一二三四五六七八九十]+[）)]", "", part)
            if 2 <= len(part) <= 10:
                found[part] += 1
    return sorted(w for w in found if not _PUNCT_OR_SPACE.match(w) and len(w) >= 2)


def _names(text: str, jieba_tok) -> list[str]:
    """Organisation and place names: the shortest stem (2–6 characters) that starts on a word boundary."""
    starts, pos = set(), 0
    for w in jieba_tok.cut(text):
        starts.add(pos)
        pos += len(w)
    out = []
    for m in _NAME_END.finditer(text):
        end = m.end()
        for length in range(2, min(6, m.start()) + 1):
            begin = m.start() - length
            stem = text[begin : m.start()]
            if not re.fullmatch(f"[{HAN}]+", stem) or re.search(r"[等和与及的或在对为]", stem):
                break
            if begin in starts:
                out.append(text[begin:end])
                break
    return out


_BASES: dict[str, object] = {}
_BASE_LOCK = threading.Lock()


def _dictionary() -> Path:
    """jieba's own dictionary file, the source of both the dict and the compact tables."""
    import jieba

    return Path(jieba.__file__).parent / jieba.DEFAULT_DICT_NAME


def _base(compact: bool):
    """The shared jieba tokenizer whose word table the others start from.

    ``compact``: its FREQ is the memory-mapped table of kb.text.wordfreq, and jieba's own dict
    (~1 s to load, ~60 MB) is never built, unless the table has to be made from it first.
    """
    import jieba

    kind = "compact" if compact else "dict"
    with _BASE_LOCK:
        if kind not in _BASES:
            jieba.setLogLevel(logging.WARNING)
            if compact:
                from kb.config import Config
                from kb.text import wordfreq

                table = wordfreq.table_for(_dictionary(), Config.from_env().home, _full_locked)
                tok = jieba.Tokenizer()
                tok.FREQ, tok.total, tok.initialized = table, table.total, True
            else:
                tok = _full_locked_tokenizer()
            _BASES[kind] = tok
        return _BASES[kind]


def _full_locked_tokenizer():
    """jieba's own dictionary, loaded once (the caller holds _BASE_LOCK)."""
    import jieba

    if "dict" not in _BASES:
        tok = jieba.Tokenizer()
        tok.initialize()
        _BASES["dict"] = tok
    return _BASES["dict"]


def _full_locked() -> tuple[dict, int]:
    tok = _full_locked_tokenizer()
    return tok.FREQ, tok.total


def _fresh_jieba(compact: bool = False):
    """A jieba tokenizer with its own word table, over the shared one (jieba's dict, or the compact table)."""
    import jieba

    base = _base(compact)
    tok = jieba.Tokenizer()
    tok.FREQ = base.FREQ.child() if compact else dict(base.FREQ)
    tok.total = base.total
    tok.initialized = True
    return tok


_TAGGER = None


def pos_cut(text: str) -> list[tuple[str, str]]:
    """jieba's (word, part of speech) pairs for ``text``, as ``jieba.posseg.lcut`` gives them.

    The tagger reads the word table the tokenizers already loaded (jieba's dict in a build, the
    compact table otherwise; jieba.posseg's default would load the dict a second time), and its
    word-tag table is the compact one of kb.text.postags (jieba.posseg's own is a 40 MB dict).
    """
    global _TAGGER
    if _TAGGER is None:
        from kb.config import Config
        from kb.text import postags

        base = _base(compact="dict" not in _BASES)
        table = postags.table_for(_dictionary(), Config.from_env().home)
        posseg = postags.import_posseg(table)
        tagger = posseg.POSTokenizer.__new__(posseg.POSTokenizer)
        tagger.__dict__.update(tokenizer=base, word_tag_tab=table)
        _TAGGER = tagger
    return [(p.word, p.flag) for p in _TAGGER.lcut(text)]


class JiebaTokenizer:
    """jieba search-mode words plus CJK character bigrams and unigrams, stopwords removed.

    Search mode yields both 污水处理厂 and 污水/处理; bigrams let a colloquial
    query share evidence with the plan's wording where jieba cuts the two differently.
    """

    def __init__(self, user_words: Iterable[str] = (), bigrams: bool = True, compact: bool = False):
        """``compact``: cut with kb.text.wordfreq's table, for an index that is queried (a build cuts
        the whole corpus and keeps jieba's faster dict); both cut exactly alike."""
        self._jieba = _fresh_jieba(compact)
        self.user_words = sorted(set(user_words))
        for w in self.user_words:
            self._jieba.add_word(w)
        self.bigrams = bigrams
        # Per tokenizer (its word table is its own), bounded, thread-safe; callers get fresh lists.
        self._words = lru_cache(maxsize=CACHE_SIZE)(lambda text: tuple(self._cut_words(text)))
        self._tokens = lru_cache(maxsize=CACHE_SIZE)(lambda text: tuple(self._cut_tokens(text)))

    def words(self, text: str) -> list[str]:
        """jieba words (search mode), normalised, without stopwords or punctuation."""
        return list(self._words(text))

    def __call__(self, text: str) -> list[str]:
        return list(self._tokens(text))

    def _cut_words(self, text: str) -> list[str]:
        text = normalize_query(text)
        out = []
        for w in self._jieba.cut_for_search(text):
            w = w.strip()
            if w and w not in STOPWORDS and not _PUNCT_OR_SPACE.match(w):
                out.append(w)
        return out

    def _cut_tokens(self, text: str) -> list[str]:
        tokens = self.words(text)
        if self.bigrams:
            for run in self._content_runs(normalize_query(text)):
                tokens.extend("#" + run[i : i + 2] for i in range(len(run) - 1))
                # Single characters carry the morphemes that colloquial and official wording share
                # (发黑发臭 / 黑臭, 游船 / 船舶); BM25's idf keeps common ones cheap.
                tokens.extend("@" + ch for ch in run)
        return tokens

    def _content_runs(self, text: str) -> list[str]:
        """Stretches of CJK text between stopwords and punctuation, for character bigrams."""
        runs, cur = [], ""
        for w in self._jieba.cut(text):
            if w in STOPWORDS or not _CJK_RUN.fullmatch(w):
                if cur:
                    runs.append(cur)
                cur = ""
            else:
                cur += w
        if cur:
            runs.append(cur)
        return runs
