"""A tiny, randomly initialised BERT with a WordPiece tokenizer, for encoder tests without the real model."""

from __future__ import annotations

from pathlib import Path

#: The tokenizer's whole vocabulary: specials, a few hanzi and Latin words.
WORDS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "规", "划", "生", "态", "环", "境", "plan", "green", "x"]


def st_modules():
    """sentence-transformers' Normalize, Pooling and Transformer, wherever this version keeps them."""
    try:  # sentence-transformers >= 6
        from sentence_transformers.sentence_transformer.modules import Normalize, Pooling, Transformer
    except ImportError:  # pragma: no cover - 3.x to 5.x
        from sentence_transformers.models import Normalize, Pooling, Transformer
    return Normalize, Pooling, Transformer


def write_tiny_bert(root: Path, words: list[str] = WORDS) -> Path:
    """A 1-layer, 16-wide BERT and its tokenizer saved as a Hugging Face folder ``root/hf``."""
    from tokenizers import Tokenizer, models, normalizers, pre_tokenizers, processors
    from transformers import BertConfig, BertModel, PreTrainedTokenizerFast

    tok = Tokenizer(models.WordPiece({w: i for i, w in enumerate(words)}, unk_token="[UNK]"))
    tok.normalizer = normalizers.BertNormalizer()
    tok.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    tok.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]", special_tokens=[("[CLS]", 2), ("[SEP]", 3)]
    )
    fast = PreTrainedTokenizerFast(
        tokenizer_object=tok, unk_token="[UNK]", pad_token="[PAD]", cls_token="[CLS]", sep_token="[SEP]"
    )
    config = BertConfig(vocab_size=len(words), hidden_size=16, num_hidden_layers=1, num_attention_heads=2,
                        intermediate_size=32, max_position_embeddings=64)
    hf_dir = root / "hf"
    BertModel(config).save_pretrained(hf_dir)
    fast.save_pretrained(hf_dir)
    return hf_dir
