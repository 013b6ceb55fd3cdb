"""A query tokenizer that starts in milliseconds: the model's own Unigram, built per query.

Loading a multilingual model's ``tokenizer.json`` (e5: 250,002 SentencePiece pieces,
17 MB) takes about a second, longer than everything else a one-off ``kb search``
does beyond the bare interpreter.  A query of a few dozen characters uses a handful
of those pieces.  So, once per model, the pieces are saved as a sorted array
(``kb-query-tokenizer/``, memory-mapped on load), with the tokenizer minus its
vocabulary; a query looks up every substring of its pre-tokenized words in the array
and runs ``tokenizers``' own Unigram model over just the pieces found.

Unigram's Viterbi only ever considers pieces that occur in the text, and its unknown
score is derived from the lowest piece score, which is always included, so the ids
are those of the full tokenizer.  That is checked when the cache is made (on probe
texts; a disagreement turns the fast path off for that model) and tested on every
corpus window.  Text holding an added token (``<s>``, ``<mask>``…), a model that is
not Unigram, or a post-processor other than ``<s> $A </s>`` fall back to the full
tokenizer, as does anything unexpected: the fast path is an optimisation, never
another tokenizer.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from kb.embed.cache import file_sha256

if TYPE_CHECKING:
    from tokenizers import Tokenizer

log = logging.getLogger(__name__)

CACHE_DIR = "kb-query-tokenizer"
RECORD = "record.json"
CORE = "core.json"
PIECES, IDS, SCORES = "pieces.npy", "ids.npy", "scores.npy"
#: Bumped whenever the cache's layout changes.
FORMAT = 1
#: Texts the cache must tokenize exactly as the full tokenizer before it is used.
PROBES = (
    "某市空气质量的目标是什么？",
    "query: 农民烧秸秆怎么管？",
    "passage: 到2025年，城镇污水处理率达到95%以上，PM2.5浓度下降10％。",
    "ＰＭ２.５  与 PM_{2.5} 、ＣＯＤ和NH3-N；“十四五”《规划》（2021—2025年）",
    "Represent this sentence for searching relevant passages: Water quality in the Yellow River",
    "  leading and trailing   spaces\tand\ttabs\n and lines  ",
    "émigré naïve café Ærø ß ﬁ ① ㈱ ｶﾀｶﾅ 한국어 русский العربية हिन्दी",
    "emoji 😀🚀 and rare 𠀀𪚥 characters ⿰⿱ \u200b\u00a0 zero-width",
    "1234567890 3.14159 1e-5 100km² 10^6 m³/s ±5% ≤ ≥ → ×",
    "",
    " ",
    "草" * 600,
)


class FastUnavailable(Exception):
    """This tokenizer cannot take the fast path (the message says why)."""


@dataclass(frozen=True)
class _Stamp:
    size: int
    mtime_ns: int
    sha256: str

    @classmethod
    def of(cls, path: Path) -> _Stamp:
        st = path.stat()
        return cls(st.st_size, st.st_mtime_ns, file_sha256(path))

    def to_dict(self) -> dict[str, Any]:
        return {"size": self.size, "mtime_ns": self.mtime_ns, "sha256": self.sha256}



class QueryTokenizer:
    """``encode(texts)`` → ids for each text, as the full tokenizer gives them (or None: use it)."""

    def __init__(self, folder: Path, core: Tokenizer, post: tuple[list[int], list[int]], max_length: int):
        from tokenizers.models import Unigram

        self._Unigram = Unigram
        record = json.loads((folder / RECORD).read_text(encoding="utf-8"))
        self.pieces = np.load(folder / PIECES, mmap_mode="r", allow_pickle=False)
        self.ids = np.load(folder / IDS, mmap_mode="r", allow_pickle=False)
        self.scores = np.load(folder / SCORES, mmap_mode="r", allow_pickle=False)
        n = len(self.pieces)
        if self.pieces.ndim != 1 or len(self.ids) != n or len(self.scores) != n or n != record["pieces"]:
            raise FastUnavailable(f"{folder}: the cached pieces disagree in length")
        self.max_piece = int(record["max_piece"])
        self.floor = (str(record["min_piece"]), float(record["min_score"]), int(record["min_id"]))
        self.unk = (str(record["unk_piece"]), float(record["unk_score"]), int(record["unk_id"]))
        self.added = tuple(record["added"])
        self.normalizer = core.normalizer
        self.pre_tokenizer = core.pre_tokenizer
        self.prefix, self.suffix = post
        self.room = max_length - len(self.prefix) - len(self.suffix)

    def encode(self, text: str) -> list[int] | None:
        """The ids of ``text`` with the special tokens, truncated; None where the full tokenizer must decide."""
        if any(token in text for token in self.added):
            return None
        normalized = self.normalizer.normalize_str(text) if self.normalizer is not None else text
        words = ([w for w, _ in self.pre_tokenizer.pre_tokenize_str(normalized)]
                 if self.pre_tokenizer is not None else [normalized])
        words = [w for w in words if w]
        found = self._lookup({w[i:j] for w in words for i in range(len(w))
                              for j in range(i + 1, min(len(w), i + self.max_piece) + 1)})
        vocab = [(p, s) for p, (s, _) in found.items()]
        real = [i for _, i in found.values()]
        for piece, score, real_id in (self.floor, self.unk):
            if piece not in found:
                vocab.append((piece, score))
                real.append(real_id)
        unk_local = next(i for i, (p, _) in enumerate(vocab) if p == self.unk[0])
        model = self._Unigram(vocab, unk_local, False)
        ids = [real[t.id] for w in words for t in model.tokenize(w)]
        return [*self.prefix, *ids[: max(self.room, 0)], *self.suffix]

    def piece_id(self, piece: str) -> int | None:
        """The id of one piece (the padding token's, say), or None."""
        found = self._lookup({piece})
        return found[piece][1] if piece in found else None

    def _lookup(self, candidates: set[str]) -> dict[str, tuple[float, int]]:
        """piece → (score, id) for the candidates that are pieces."""
        wanted = sorted(c for c in candidates if len(c) <= self.max_piece)
        if not wanted:
            return {}
        keys = np.array(wanted, dtype=self.pieces.dtype)
        at = np.searchsorted(self.pieces, keys)
        at = np.minimum(at, len(self.pieces) - 1)
        hit = self.pieces[at] == keys
        return {w: (float(self.scores[a]), int(self.ids[a])) for w, a, h in zip(wanted, at, hit, strict=True) if h}


# --------------------------------------------------------------------------- the cache


def cache_folder(model_folder: Path) -> Path:
    return Path(model_folder) / CACHE_DIR


def load(model_folder: Path, prepare: Callable[[Tokenizer], Tokenizer], max_length: int,
         full: Callable[[], Tokenizer]) -> QueryTokenizer:
    """The fast tokenizer of ``model_folder``, making (and checking) its cache first if needed.

    ``prepare`` sets a tokenizer up as the encoder uses it (lower-casing, truncation,
    padding); ``full`` gives the full prepared tokenizer, only called to make the cache.
    Raises :class:`FastUnavailable` when the fast path cannot be used.
    """
    source = Path(model_folder) / "tokenizer.json"
    folder = cache_folder(model_folder)
    state = _check(folder, source)
    if state is None:
        core = prepare(_core(folder))
        return QueryTokenizer(folder, core, _post(folder), max_length)
    if state == "off":
        raise FastUnavailable(f"{source}: the fast query tokenizer disagreed with it when made")
    log.info("kb: %s (%s); making the fast query tokenizer", folder, state)
    make(model_folder, prepare, max_length, full())
    if _check(folder, source) is not None:
        raise FastUnavailable(f"{source}: the fast query tokenizer does not agree with it")
    return QueryTokenizer(folder, prepare(_core(folder)), _post(folder), max_length)


def _check(folder: Path, source: Path) -> str | None:
    """None when the cache is there and made from this tokenizer.json; else what is wrong ("off": it disagreed)."""
    try:
        record = json.loads((folder / RECORD).read_text(encoding="utf-8"))
        if record.get("format") != FORMAT:
            return "stale"
        stamp = record["source"]
        st = source.stat()
        if (st.st_size, st.st_mtime_ns) != (stamp["size"], stamp["mtime_ns"]) and file_sha256(source) != stamp["sha256"]:
            return "stale"
        for name, size in record["files"].items():
            if (folder / name).stat().st_size != size:
                return "damaged"
        return None if record.get("agrees") else "off"
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return "missing"


def _core(folder: Path) -> Tokenizer:
    from tokenizers import Tokenizer

    return Tokenizer.from_file(str(folder / CORE))


def _post(folder: Path) -> tuple[list[int], list[int]]:
    record = json.loads((folder / RECORD).read_text(encoding="utf-8"))
    return list(record["prefix"]), list(record["suffix"])


def _special_ends(post: dict[str, Any] | None) -> tuple[list[int], list[int]]:
    """The ids a single-sequence post-processor puts before and after the text; else FastUnavailable."""
    if not post:
        return [], []
    kind = post.get("type")
    if kind == "TemplateProcessing":
        single, specials = post.get("single") or [], post.get("special_tokens") or {}
        seq = [i for i, part in enumerate(single) if "Sequence" in part]
        if len(seq) != 1 or any("SpecialToken" not in p for i, p in enumerate(single) if i != seq[0]):
            raise FastUnavailable("an unusual post-processor template")
        if any(int(next(iter(p.values())).get("type_id", 0)) for p in single):
            raise FastUnavailable("type ids other than 0")

        def ids(parts: list[dict[str, Any]]) -> list[int]:
            return [int(i) for p in parts for i in specials[p["SpecialToken"]["id"]]["ids"]]

        return ids(single[: seq[0]]), ids(single[seq[0] + 1 :])
    if kind in ("RobertaProcessing", "BertProcessing"):
        return [int(post["cls"][1])], [int(post["sep"][1])]
    raise FastUnavailable(f"a {kind} post-processor")


def make(model_folder: Path, prepare: Callable[[Tokenizer], Tokenizer], max_length: int, full: Tokenizer) -> None:
    """Write ``kb-query-tokenizer/`` for the folder's Unigram tokenizer, and record whether it agrees.

    Raises :class:`FastUnavailable` for tokenizers it does not cover; an unwritable folder is
    an OSError.  Written into a temporary folder and renamed into place.
    """
    from tokenizers import Tokenizer

    source = Path(model_folder) / "tokenizer.json"
    data = json.loads(source.read_text(encoding="utf-8"))
    model = data.get("model") or {}
    if model.get("type") != "Unigram" or model.get("byte_fallback"):
        raise FastUnavailable(f"{source}: a {model.get('type')} model (the fast path covers Unigram)")
    vocab = [(str(p), float(s)) for p, s in model["vocab"]]
    unk_id = model.get("unk_id")
    if unk_id is None or not 0 <= int(unk_id) < len(vocab):
        raise FastUnavailable(f"{source}: no unknown piece")
    prefix, suffix = _special_ends(data.get("post_processor"))
    pieces = [p for p, _ in vocab]
    if len(set(pieces)) != len(pieces) or any(p == "" or p.endswith("\x00") for p in pieces):
        raise FastUnavailable(f"{source}: pieces a sorted array cannot hold")
    order = sorted(range(len(vocab)), key=lambda i: pieces[i])
    min_id = min(range(len(vocab)), key=lambda i: vocab[i][1])
    core = dict(data)
    core["model"] = {**model, "vocab": [list(vocab[i]) for i in sorted({0, int(unk_id), min_id})]}
    core["model"]["unk_id"] = sorted({0, int(unk_id), min_id}).index(int(unk_id))
    core["added_tokens"] = []
    core["truncation"] = core["padding"] = None

    target = cache_folder(model_folder)
    work = Path(tempfile.mkdtemp(prefix=f".{CACHE_DIR}-", dir=model_folder))
    try:
        (work / CORE).write_text(json.dumps(core, ensure_ascii=False), encoding="utf-8")
        np.save(work / PIECES, np.array([pieces[i] for i in order]), allow_pickle=False)
        np.save(work / IDS, np.array(order, dtype=np.int32), allow_pickle=False)
        np.save(work / SCORES, np.array([vocab[i][1] for i in order], dtype=np.float64), allow_pickle=False)
        st = source.stat()
        record = {
            "format": FORMAT,
            "source": {"size": st.st_size, "mtime_ns": st.st_mtime_ns, "sha256": file_sha256(source)},
            "pieces": len(pieces),
            "max_piece": max(len(p) for p in pieces),
            "min_piece": vocab[min_id][0], "min_score": vocab[min_id][1], "min_id": min_id,
            "unk_piece": vocab[int(unk_id)][0], "unk_score": vocab[int(unk_id)][1], "unk_id": int(unk_id),
            "added": sorted({str(t["content"]) for t in data.get("added_tokens") or []}),
            "prefix": prefix, "suffix": suffix,
            "agrees": False,
        }
        record["files"] = {name: (work / name).stat().st_size for name in (CORE, PIECES, IDS, SCORES)}
        (work / RECORD).write_text(json.dumps(record, ensure_ascii=False), encoding="utf-8")
        fast = QueryTokenizer(work, prepare(Tokenizer.from_file(str(work / CORE))), (prefix, suffix), max_length)
        record["agrees"] = disagreement(fast, full, PROBES) is None
        if not record["agrees"]:
            log.warning("kb: the fast query tokenizer of %s disagrees with it; queries load the full one", source)
        (work / RECORD).write_text(json.dumps(record, ensure_ascii=False), encoding="utf-8")
        os.chmod(work, 0o755)
        if target.exists():
            shutil.rmtree(target, ignore_errors=True)
        os.replace(work, target)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def disagreement(fast: QueryTokenizer, full: Tokenizer, texts: Sequence[str]) -> str | None:
    """The first text the two tokenize differently, or None (one text at a time is never padded)."""
    for text in texts:
        ids = fast.encode(text)
        if ids is not None and ids != full.encode(text).ids:
            return text
    return None
