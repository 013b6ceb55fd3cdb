"""kb.embed.querytok: the per-query Unigram gives the full tokenizer's ids, and its cache is checked."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest
from tokenizers import Tokenizer, decoders, models, normalizers, pre_tokenizers, processors, trainers

from kb.embed import querytok

MAX_LENGTH = 48
TRAIN = [
    "巴中市空气质量持续改善，细颗粒物浓度下降。", "城镇污水处理率达到95%以上。", "加强饮用水水源地保护。",
    "农村生活垃圾收运处置体系基本建成。", "Water quality of the Ba River improves by 2025.",
    "query: 农民烧秸秆怎么管？", "passage: 秸秆综合利用率达到90%。", "ＰＭ２.５ 与 PM2.5，ＣＯＤ和氨氮。",
] * 20


def _unigram(folder: Path) -> Path:
    """A small SentencePiece-style tokenizer (NFKC, Metaspace, <s> $A </s>), trained here and saved."""
    tok = Tokenizer(models.Unigram())
    tok.normalizer = normalizers.Sequence([normalizers.NFKC(), normalizers.Replace("  ", " ")])
    tok.pre_tokenizer = pre_tokenizers.Metaspace()
    tok.decoder = decoders.Metaspace()
    trainer = trainers.UnigramTrainer(vocab_size=300, special_tokens=["<s>", "<pad>", "</s>", "<unk>"],
                                      unk_token="<unk>")
    tok.train_from_iterator(TRAIN, trainer)
    tok.post_processor = processors.TemplateProcessing(
        single="<s> $A </s>", special_tokens=[("<s>", tok.token_to_id("<s>")), ("</s>", tok.token_to_id("</s>"))])
    folder.mkdir(parents=True, exist_ok=True)
    tok.save(str(folder / "tokenizer.json"))
    return folder


def _prepare(tok: Tokenizer) -> Tokenizer:
    tok.enable_truncation(max_length=MAX_LENGTH)
    return tok


def _full(folder: Path) -> Tokenizer:
    return _prepare(Tokenizer.from_file(str(folder / "tokenizer.json")))


def _load(folder: Path) -> querytok.QueryTokenizer:
    return querytok.load(folder, _prepare, MAX_LENGTH, lambda: _full(folder))


def _texts() -> list[str]:
    rng = random.Random(7)
    pool = "巴中市空气质量污水处理率秸秆农民烧管怎么？，。%0123456789abcdeWRQ ＰＭ２ 𠀀😀é\t"
    fuzz = ["".join(rng.choice(pool) for _ in range(rng.randint(0, 40))) for _ in range(300)]
    return [*TRAIN[:8], *querytok.PROBES, "未见过的字龘靐齉", "x" * 200, *fuzz]


def test_the_fast_path_gives_the_full_tokenizers_ids(tmp_path: Path) -> None:
    folder = _unigram(tmp_path / "model")
    fast = _load(folder)
    full = _full(folder)
    texts = _texts()
    got = [fast.encode(t) for t in texts]
    assert all(g is not None for g in got)
    assert got == [full.encode(t).ids for t in texts]
    assert max(len(g) for g in got) == MAX_LENGTH  # truncation, special tokens included
    assert querytok.disagreement(fast, full, texts) is None


def test_text_holding_an_added_token_goes_to_the_full_tokenizer(tmp_path: Path) -> None:
    fast = _load(_unigram(tmp_path / "model"))
    assert fast.encode("问 <s> 答") is None and fast.encode("问答") is not None


def test_the_cache_is_made_once_and_remade_when_damaged_or_stale(tmp_path: Path) -> None:
    folder = _unigram(tmp_path / "model")
    calls: list[int] = []

    def full() -> Tokenizer:
        calls.append(1)
        return _full(folder)

    querytok.load(folder, _prepare, MAX_LENGTH, full)
    querytok.load(folder, _prepare, MAX_LENGTH, full)
    assert len(calls) == 1
    cache = querytok.cache_folder(folder)
    record = json.loads((cache / querytok.RECORD).read_text(encoding="utf-8"))
    assert record["agrees"] is True and record["pieces"] == _full(folder).get_vocab_size()

    pieces = cache / querytok.PIECES
    pieces.write_bytes(pieces.read_bytes()[:-40])  # damaged: remade, not used
    fast = querytok.load(folder, _prepare, MAX_LENGTH, full)
    assert len(calls) == 2 and fast.encode("城镇污水处理率") == _full(folder).encode("城镇污水处理率").ids

    data = json.loads((folder / "tokenizer.json").read_text(encoding="utf-8"))
    data["model"]["vocab"][-1][1] -= 1.0  # another tokenizer.json: the cache is stale
    (folder / "tokenizer.json").write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    querytok.load(folder, _prepare, MAX_LENGTH, full)
    assert len(calls) == 3


def test_a_cache_that_disagreed_is_never_used(tmp_path: Path) -> None:
    folder = _unigram(tmp_path / "model")
    _load(folder)
    record_file = querytok.cache_folder(folder) / querytok.RECORD
    record = json.loads(record_file.read_text(encoding="utf-8"))
    record_file.write_text(json.dumps({**record, "agrees": False}), encoding="utf-8")
    with pytest.raises(querytok.FastUnavailable):
        _load(folder)


def test_other_models_are_not_covered(tmp_path: Path) -> None:
    folder = tmp_path / "wordpiece"
    folder.mkdir()
    tok = Tokenizer(models.WordPiece({"[UNK]": 0, "a": 1}, unk_token="[UNK]"))
    tok.save(str(folder / "tokenizer.json"))
    with pytest.raises(querytok.FastUnavailable, match="WordPiece"):
        _load(folder)


def test_unknown_characters_score_against_the_whole_vocabulary(tmp_path: Path) -> None:
    """Unigram scores an unknown character 10 below the lowest piece of the whole vocabulary.

    Here "abc" is 'ab'+'c' (-40) under the full vocabulary (unknown 'a' costs -40, so '<unk>'+'bc'
    is -41); were the lowest piece ('z', never in the text) left out of the per-query
    vocabulary, the unknown 'a' would cost -30 and '<unk>'+'bc' (-31) would win.
    """
    folder = tmp_path / "handmade"
    folder.mkdir()
    vocab = [("<s>", 0.0), ("</s>", 0.0), ("<unk>", 0.0), ("▁", -1.0), ("ab", -20.0), ("c", -20.0),
             ("bc", -1.0), ("b", -5.0), ("z", -30.0)]
    tok = Tokenizer(models.Unigram(vocab, unk_id=2, byte_fallback=False))
    tok.pre_tokenizer = pre_tokenizers.Metaspace()
    tok.post_processor = processors.TemplateProcessing(single="<s> $A </s>", special_tokens=[("<s>", 0), ("</s>", 1)])
    tok.save(str(folder / "tokenizer.json"))
    full = _full(folder)
    assert full.encode("abc").tokens == ["<s>", "▁", "ab", "c", "</s>"]
    fast = _load(folder)
    assert fast.encode("abc") == full.encode("abc").ids
