"""A light query path: the model as ONNX, encoded with onnxruntime + tokenizers only.

Importing sentence-transformers (and with it torch and transformers) costs seconds,
far more than embedding one question.  This module exports a sentence-transformers
folder's transformer to ``onnx/model.onnx`` beside the model (the layout
sentence-transformers' own ONNX backend reads), once, and then encodes with
onnxruntime and the folder's ``tokenizer.json``, applying the pooling, normalisation,
maximum length and prompts that the folder records, so the vectors match
sentence-transformers' own.

The weights go to ``onnx/model.onnx_data`` (ONNX external data), which onnxruntime
maps rather than copies.  The export is checked before use: ``onnx/kb-export.json``
records both files' sha256 and size and the hashes of the source files they came
from.  A missing, damaged or stale export is rebuilt (which needs torch, once) or
reported; it is never used silently.  Models this path cannot reproduce (extra modules such as Dense, no fast
tokenizer, an unwritable folder) fall back to sentence-transformers with a note.

torch and transformers are imported only inside :func:`export_onnx`.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import tempfile
import warnings
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from kb.embed import querytok
from kb.embed.base import Encoder, Kind, ModelSpec
from kb.embed.cache import file_sha256, remove_stale
from kb.embed.resolve import looks_like_path, relocate_default, resolve_model
from kb.errors import ModelError

if TYPE_CHECKING:
    import onnxruntime
    from tokenizers import Tokenizer

log = logging.getLogger(__name__)

ONNX_DIR = "onnx"
ONNX_FILE = "model.onnx"
ONNX_DATA_FILE = "model.onnx_data"
RECORD_FILE = "kb-export.json"
#: Bumped whenever the export itself changes, so older exports are rebuilt.
EXPORT_FORMAT = 1
#: opset 17 has LayerNormalization as one op; onnxruntime >= 1.14 runs it.
OPSET = 17
OUTPUT_NAME = "last_hidden_state"
#: Files whose content decides the exported graph (tokenizer files do not).
_SOURCE_GLOBS = ("config.json", "*.safetensors", "*.bin")
#: Largest |onnx - torch| on the export's self-check, in hidden-state units.
_EXPORT_TOLERANCE = 1e-3
_MODULE_KINDS = ("Transformer", "Pooling", "Normalize")

ExportState = Literal["ok", "missing", "damaged", "stale"]


class OnnxUnavailable(ModelError):
    """This model cannot take the ONNX path; the message says why (callers fall back)."""


# --------------------------------------------------------------------------- the folder


@dataclass(frozen=True)
class Pipeline:
    """What the folder says happens after the transformer, read from its config files."""

    pooling: tuple[str, ...]  # sentence-transformers' mode names, concatenated in this order
    include_prompt: bool
    normalize: bool
    max_seq_length: int
    do_lower_case: bool
    type_ids: bool  # the tokenizer hands token_type_ids to the model (else zeros)
    padding_side: str
    pad_token: str | None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


_LEGACY_POOLING = (  # the order sentence-transformers concatenates legacy flags in
    ("pooling_mode_cls_token", "cls"),
    ("pooling_mode_max_tokens", "max"),
    ("pooling_mode_mean_tokens", "mean"),
    ("pooling_mode_mean_sqrt_len_tokens", "mean_sqrt_len_tokens"),
    ("pooling_mode_weightedmean_tokens", "weightedmean"),
    ("pooling_mode_lasttoken", "lasttoken"),
)
_POOLING_MODES = {mode for _, mode in _LEGACY_POOLING}


def _read_json(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as exc:
        raise OnnxUnavailable(f"{path} is unreadable: {exc}") from None
    return data if isinstance(data, dict) else {}


def read_pipeline(folder: Path) -> Pipeline:
    """The folder's modules as a :class:`Pipeline`; anything else raises :class:`OnnxUnavailable`."""
    folder = Path(folder)
    try:
        modules = json.loads((folder / "modules.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise OnnxUnavailable(f"{folder} has no readable modules.json ({exc})") from None
    kinds = [str(m.get("type", "")).rsplit(".", 1)[-1] for m in modules]
    if not kinds or kinds[0] != "Transformer" or any(k not in _MODULE_KINDS for k in kinds):
        raise OnnxUnavailable(
            f"{folder}: modules {kinds} (only Transformer, Pooling, Normalize are exported)"
        )
    if not (folder / "tokenizer.json").is_file():
        raise OnnxUnavailable(f"{folder} has no tokenizer.json (a fast tokenizer is needed)")
    if kinds.count("Pooling") > 1 or kinds.count("Normalize") > 1:
        raise OnnxUnavailable(f"{folder}: modules {kinds} repeat a module")
    pooling_dir = next(
        (m.get("path", "") for m in modules if str(m.get("type", "")).endswith("Pooling")), None
    )
    pooling_cfg = _read_json(folder / pooling_dir / "config.json") if pooling_dir is not None else {}
    modes = _pooling_modes(pooling_cfg) if pooling_dir is not None else ()
    if not modes:
        raise OnnxUnavailable(f"{folder}: no Pooling module (token embeddings are not a sentence vector)")

    st_cfg = _read_json(folder / "sentence_bert_config.json")
    tok_cfg = _read_json(folder / "tokenizer_config.json")
    model_cfg = _read_json(folder / "config.json")
    max_len = st_cfg.get("max_seq_length")
    if not isinstance(max_len, int):  # sentence-transformers: the tokenizer's, capped by the positions
        candidates = [tok_cfg.get("model_max_length"), model_cfg.get("max_position_embeddings")]
        ints = [c for c in candidates if isinstance(c, int) and 0 < c < 1_000_000]
        if not ints:
            raise OnnxUnavailable(f"{folder}: no maximum sequence length recorded")
        max_len = min(ints)
    input_names = tok_cfg.get("model_input_names") or ["input_ids", "token_type_ids", "attention_mask"]
    normalize = "Normalize" in kinds and kinds.index("Normalize") > kinds.index("Pooling")
    return Pipeline(
        pooling=modes,
        include_prompt=bool(pooling_cfg.get("include_prompt", True)),
        normalize=normalize,
        max_seq_length=int(max_len),
        do_lower_case=bool(st_cfg.get("do_lower_case", False)),
        type_ids="token_type_ids" in input_names,
        padding_side=str(tok_cfg.get("padding_side", "right")),
        pad_token=_token_text(tok_cfg.get("pad_token")),
    )


def _pooling_modes(cfg: dict[str, Any]) -> tuple[str, ...]:
    """Both config spellings: ``pooling_mode`` (str or list) and the legacy boolean flags."""
    mode = cfg.get("pooling_mode")
    if isinstance(mode, str):
        modes: tuple[str, ...] = (mode,)
    elif isinstance(mode, list):
        modes = tuple(str(m) for m in mode)
    else:
        modes = tuple(name for key, name in _LEGACY_POOLING if cfg.get(key)) or ("mean",)
    unknown = [m for m in modes if m not in _POOLING_MODES]
    if unknown:
        raise OnnxUnavailable(f"unknown pooling mode(s) {unknown}")
    return modes


def _token_text(token: Any) -> str | None:
    if isinstance(token, dict):  # AddedToken serialised
        token = token.get("content")
    return token if isinstance(token, str) else None


def model_folder(spec: ModelSpec) -> Path:
    """The local folder behind ``spec``: the folder itself, or a hub id's cached snapshot."""
    path = Path(spec.path).expanduser()
    if path.is_dir():
        return path
    if looks_like_path(spec.path):
        raise OnnxUnavailable(f"model folder {spec.path} does not exist")
    try:
        from huggingface_hub import snapshot_download

        return Path(snapshot_download(spec.path, local_files_only=True))
    except Exception:  # not in the local cache, or no huggingface_hub: sentence-transformers says why
        raise OnnxUnavailable(f"{spec.path} is not a local folder nor in the Hugging Face cache") from None


# --------------------------------------------------------------------------- the record


@dataclass(frozen=True)
class FileStamp:
    """One file's content hash, with the size and mtime that let a reader skip re-hashing."""

    sha256: str
    size: int
    mtime_ns: int

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def of(cls, path: Path) -> FileStamp:
        st = path.stat()
        return cls(file_sha256(path), st.st_size, st.st_mtime_ns)

    def matches_stat(self, path: Path) -> bool:
        st = path.stat()
        return (st.st_size, st.st_mtime_ns) == (self.size, self.mtime_ns)


@dataclass(frozen=True)
class ExportRecord:
    """What ``onnx/kb-export.json`` says: the export's files, their sources and how they were made."""

    files: dict[str, FileStamp]  # model.onnx (the graph) and model.onnx_data (the weights), in onnx/
    sources: dict[str, FileStamp]  # config.json and the weights, in the model folder
    source_sha256: str
    inputs: tuple[str, ...]
    opset: int
    torch: str
    transformers: str
    max_abs_diff: float
    format: int = EXPORT_FORMAT

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["inputs"] = list(self.inputs)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ExportRecord:
        return cls(
            files={k: FileStamp(**v) for k, v in data["files"].items()},
            sources={k: FileStamp(**v) for k, v in data["sources"].items()},
            source_sha256=str(data["source_sha256"]),
            inputs=tuple(data["inputs"]),
            opset=int(data["opset"]),
            torch=str(data["torch"]),
            transformers=str(data["transformers"]),
            max_abs_diff=float(data["max_abs_diff"]),
            format=int(data["format"]),
        )


@dataclass(frozen=True)
class ExportCheck:
    """Whether a folder's ONNX export can be used, and if not, why."""

    state: ExportState
    reason: str = ""
    record: ExportRecord | None = field(default=None, compare=False)

    @property
    def ok(self) -> bool:
        return self.state == "ok"

    def to_dict(self) -> dict[str, Any]:
        return {"state": self.state, "reason": self.reason}


def onnx_path(folder: Path) -> Path:
    """Where sentence-transformers' ONNX backend looks for the model: ``onnx/model.onnx``."""
    return Path(folder) / ONNX_DIR / ONNX_FILE


def _record_path(folder: Path) -> Path:
    return Path(folder) / ONNX_DIR / RECORD_FILE



def _source_files(folder: Path) -> list[Path]:
    found = {p for pattern in _SOURCE_GLOBS for p in Path(folder).glob(pattern) if p.is_file()}
    return sorted(found, key=lambda p: p.name)


def _combined(stamps: dict[str, FileStamp]) -> str:
    return hashlib.sha256(
        "\n".join(f"{name} {s.sha256}" for name, s in sorted(stamps.items())).encode()
    ).hexdigest()


def _verify(stamps: dict[str, FileStamp], base: Path, full: bool) -> tuple[str | None, dict[str, FileStamp]]:
    """The first file under ``base`` whose content differs from its stamp, and the stamps refreshed.

    A file whose size and mtime still match is taken as stamped; one whose stat changed
    is hashed, and kept (with its new stat) when the content is the same.
    """
    current = dict(stamps)
    for name, stamp in stamps.items():
        path = base / name
        if not path.is_file():
            return name, current
        if full or not stamp.matches_stat(path):
            now = FileStamp.of(path)
            if (now.sha256, now.size) != (stamp.sha256, stamp.size):
                return name, current
            current[name] = now
    return None, current


def check_export(folder: Path, *, full: bool = False) -> ExportCheck:
    """Is ``onnx/model.onnx`` (with its weights file) the intact export of this folder's weights?

    Files whose size and mtime still match the record are taken as recorded (hashing
    470 MB on every query would cost more than the query); a file whose stat changed is
    hashed, and a copy with the same content is accepted.  ``full`` always hashes.
    """
    folder = Path(folder)
    target, record_file = onnx_path(folder), _record_path(folder)
    if not target.is_file():
        return ExportCheck("missing", f"{target} does not exist")
    try:
        record = ExportRecord.from_dict(json.loads(record_file.read_text(encoding="utf-8")))
    except FileNotFoundError:
        return ExportCheck("damaged", f"{record_file} is missing, so {target} cannot be verified")
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        return ExportCheck("damaged", f"{record_file} is unreadable ({type(exc).__name__}: {exc})")
    if record.format != EXPORT_FORMAT or ONNX_FILE not in record.files:
        return ExportCheck("stale", f"{target} was exported by export format {record.format}", record)

    bad, files = _verify(record.files, target.parent, full)
    if bad is not None:
        path = target.parent / bad
        what = "does not exist" if not path.is_file() else "does not match its recorded sha256"
        return ExportCheck("damaged", f"{path} {what}", record)
    present = {p.name for p in _source_files(folder)}
    if present != set(record.sources):
        return ExportCheck("stale", f"the model files in {folder} changed since the export", record)
    changed, sources = _verify(record.sources, folder, full)
    if changed is not None:
        return ExportCheck("stale", f"{folder / changed} changed since {target} was exported", record)
    if (files, sources) != (record.files, record.sources):
        # same content, new stat (a copy, a touch): remember it, so the next start is fast again
        record = replace(record, files=files, sources=sources)
        _write_record(folder, record, quiet=True)
    return ExportCheck("ok", "", record)


def _write_record(folder: Path, record: ExportRecord, *, quiet: bool = False) -> None:
    target = _record_path(folder)
    try:
        _atomic_write(target, json.dumps(record.to_dict(), indent=2, ensure_ascii=False).encode("utf-8"))
    except OSError:
        if not quiet:
            raise


def _atomic_write(target: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        _publish(Path(tmp), target)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def _publish(tmp: Path, target: Path) -> None:
    """Rename a finished temp file into place, readable as a normal file (mkstemp makes 0600)."""
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp, 0o666 & ~umask)
    os.replace(tmp, target)


# --------------------------------------------------------------------------- export


def export_onnx(folder: Path, *, hf_model: Any = None, opset: int = OPSET) -> ExportRecord:
    """Export the folder's transformer to ``onnx/model.onnx`` + ``model.onnx_data`` and record it.

    Needs torch, transformers and onnx.  The weights go to the external data file so
    that onnxruntime maps them instead of copying: a query touches a few hundred rows of
    the 250k-word embedding table, so a process holds ~150 MB instead of ~500 MB and
    opens the model in a fraction of the time.

    ``hf_model`` reuses a transformers model already in memory (e.g. a loaded
    sentence-transformers model's ``[0].auto_model``) instead of loading the folder again.
    The export is checked against torch on a padded batch of another shape before it is
    kept, so a model that does not trace faithfully is rejected rather than used.
    """
    folder = Path(folder)
    read_pipeline(folder)  # refuse folders the encoder could not use anyway
    try:
        import onnx
        import torch
        import transformers
    except ImportError as exc:
        raise OnnxUnavailable(f"exporting to ONNX needs torch, transformers and onnx ({exc})") from None
    sources = {p.name: FileStamp.of(p) for p in _source_files(folder)}
    if hf_model is None:
        try:
            hf_model = transformers.AutoModel.from_pretrained(
                str(folder), local_files_only=True, attn_implementation="eager"
            )
        except Exception as exc:
            raise OnnxUnavailable(f"cannot load {folder} with transformers: {_first_line(exc)}") from None
    import inspect

    accepted = inspect.signature(hf_model.forward).parameters
    inputs = tuple(n for n in ("input_ids", "attention_mask", "token_type_ids") if n in accepted)
    if inputs[:2] != ("input_ids", "attention_mask"):
        raise OnnxUnavailable(f"{folder}: the model does not take input_ids and attention_mask")

    class _LastHidden(torch.nn.Module):
        def __init__(self, inner: Any) -> None:
            super().__init__()
            self.inner = inner

        def forward(self, *args: Any) -> Any:
            return self.inner(**dict(zip(inputs, args, strict=True)), return_dict=True).last_hidden_state

    wrapper = _LastHidden(hf_model).eval()  # eval: export restores this mode, and dropout must stay off
    was_training = hf_model.training
    target = onnx_path(folder)
    try:
        target.parent.mkdir(exist_ok=True)
        remove_stale(target.parent, ".export-*")
        work = Path(tempfile.mkdtemp(prefix=".export-", dir=target.parent))
    except OSError as exc:
        raise OnnxUnavailable(f"cannot write {target.parent}: {exc}") from None
    try:
        traced = work / "traced.onnx"
        # The example batch must hold padding: a trace of an all-ones mask may drop the mask.
        example = _example_batch(torch, inputs, batch=2, length=8, vocab=_vocab_size(hf_model))
        axes = {name: {0: "batch_size", 1: "sequence_length"} for name in (*inputs, OUTPUT_NAME)}
        with torch.no_grad(), warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the TorchScript exporter's deprecation and tracer notes
            torch.onnx.export(
                wrapper,
                example,
                str(traced),
                dynamo=False,
                input_names=list(inputs),
                output_names=[OUTPUT_NAME],
                dynamic_axes=axes,
                opset_version=opset,
                do_constant_folding=True,
            )
            graph = onnx.load(str(traced))
            traced.unlink()
            onnx.save_model(
                graph,
                str(work / ONNX_FILE),
                save_as_external_data=True,
                all_tensors_to_one_file=True,
                location=ONNX_DATA_FILE,
                size_threshold=1024,
            )
            del graph
            diff = _self_check(torch, wrapper, work / ONNX_FILE, inputs, _vocab_size(hf_model))
        if not diff <= _EXPORT_TOLERANCE:
            raise OnnxUnavailable(f"{folder}: the ONNX export differs from torch by {diff:.2g}")
        # weights first: a reader that sees the new graph early fails its check and waits for the record
        written = [name for name in (ONNX_DATA_FILE, ONNX_FILE) if (work / name).is_file()]
        stale_data = target.parent / ONNX_DATA_FILE
        if ONNX_DATA_FILE not in written and stale_data.exists():  # a model small enough to inline
            stale_data.unlink()
        for name in written:
            _publish(work / name, target.parent / name)
    except OnnxUnavailable:
        raise
    except Exception as exc:
        raise OnnxUnavailable(f"exporting {folder} to ONNX failed: {_first_line(exc)}") from None
    finally:
        hf_model.train(was_training)
        shutil.rmtree(work, ignore_errors=True)
    record = ExportRecord(
        files={name: FileStamp.of(target.parent / name) for name in sorted(written)},
        sources=sources,
        source_sha256=_combined(sources),
        inputs=inputs,
        opset=opset,
        torch=str(torch.__version__),
        transformers=str(transformers.__version__),
        max_abs_diff=float(diff),
    )
    _write_record(folder, record)
    log.info("exported %s (max |onnx - torch| = %.2g)", target, diff)
    return record


def _vocab_size(hf_model: Any) -> int:
    return int(getattr(hf_model.config, "vocab_size", 100) or 100)


def _example_batch(torch: Any, inputs: Sequence[str], *, batch: int, length: int, vocab: int) -> tuple:
    generator = torch.Generator().manual_seed(len(inputs) * 1000 + length)
    ids = torch.randint(min(5, vocab - 1), vocab, (batch, length), generator=generator)
    mask = torch.ones_like(ids)
    mask[-1, length // 2 :] = 0
    values = {"input_ids": ids, "attention_mask": mask, "token_type_ids": torch.zeros_like(ids)}
    return tuple(values[name] for name in inputs)


def _self_check(torch: Any, wrapper: Any, path: Path, inputs: Sequence[str], vocab: int) -> float:
    """Largest |onnx - torch| over the real tokens of a padded batch unlike the export's."""
    import onnxruntime as ort

    example = _example_batch(torch, inputs, batch=3, length=13, vocab=vocab)
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    got = session.run([OUTPUT_NAME], {n: t.numpy() for n, t in zip(inputs, example, strict=True)})[0]
    want = wrapper(*example).numpy()
    real = example[1].numpy().astype(bool)
    if got.shape != want.shape:
        return float("inf")
    return float(np.abs(got - want)[real].max())


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def ensure_onnx(folder: Path, *, hf_model: Any = None) -> ExportRecord:
    """A verified export of ``folder``: the existing one, or a new one if missing, damaged or stale."""
    check = check_export(folder)
    if check.ok and check.record is not None:
        return check.record
    if check.state != "missing":
        log.warning("kb: %s; exporting the model to ONNX again", check.reason)
    else:
        log.info("kb: exporting %s to ONNX once, for torch-free queries", folder)
    return export_onnx(folder, hf_model=hf_model)


# --------------------------------------------------------------------------- the encoder


class OnnxEncoder(Encoder):
    """The Encoder contract (``spec``, ``dim``, ``encode``) over onnxruntime and tokenizers.

    Construction verifies the export (see :func:`check_export`) and, when ``export`` is
    true, rebuilds a missing, damaged or stale one; otherwise it raises
    :class:`OnnxUnavailable`.  ``model_file`` runs another ONNX file of the same
    graph (e.g. an int8 quantisation) without that check.  ``threads`` caps
    onnxruntime's intra-op threads (default: one per core); ``spin`` lets them busy-wait.
    Queries are tokenized by :mod:`kb.embed.querytok` where the model allows
    (``fast_queries``): the full ``tokenizer.json`` then loads only if passages are embedded.
    """

    def __init__(
        self,
        spec: ModelSpec | None = None,
        *,
        batch_size: int = 32,
        export: bool = True,
        model_file: Path | None = None,
        threads: int | None = None,
        spin: bool = False,
        show_progress: bool = False,
        fast_queries: bool = True,
    ) -> None:
        self.spec = relocate_default(spec if spec is not None else resolve_model())
        self.batch_size = batch_size
        self.show_progress = show_progress
        self.folder = model_folder(self.spec)
        self.pipeline = read_pipeline(self.folder)
        if model_file is None:
            check = check_export(self.folder)
            if not check.ok:
                if not export:
                    raise OnnxUnavailable(f"{check.reason}; run once with export allowed to rebuild it")
                ensure_onnx(self.folder)
            model_file = onnx_path(self.folder)
        self.model_file = Path(model_file)
        try:
            import onnxruntime  # noqa: F401
        except ImportError:
            raise OnnxUnavailable("onnxruntime is not installed") from None
        self._full: Tokenizer | None = None
        self._fast = self._fast_tokenizer() if fast_queries else None
        if self._fast is None:
            self._full_tokenizer()  # now, so that a broken tokenizer.json is reported here
        self._session = self._open_session(threads, spin, retry=model_file == onnx_path(self.folder))
        self._inputs = tuple(i.name for i in self._session.get_inputs())
        self._prompt_lengths: dict[str, int] = {}
        self._dim = self._measure_dim()

    # -- loading

    def _full_tokenizer(self) -> Tokenizer:
        """The folder's tokenizer.json, set up as sentence-transformers calls it (loaded once)."""
        if self._full is None:
            try:
                self._full = _prepare_tokenizer(self.folder / "tokenizer.json", self.pipeline)
            except Exception as exc:
                raise OnnxUnavailable(f"{self.folder}/tokenizer.json: {_first_line(exc)}") from None
        return self._full

    def _fast_tokenizer(self) -> querytok.QueryTokenizer | None:
        """The per-query Unigram (kb.embed.querytok), made once per model; None where it cannot be used."""
        try:
            fast = querytok.load(self.folder, lambda t: _setup_tokenizer(t, self.pipeline),
                                 self.pipeline.max_seq_length, self._full_tokenizer)
        except (querytok.FastUnavailable, OSError, ValueError, KeyError, TypeError) as exc:
            log.info("kb: queries use the full tokenizer (%s)", _first_line(exc))
            return None
        except OnnxUnavailable:
            return None
        pad = self.pipeline.pad_token
        self._pad_id = (fast.piece_id(pad) if pad else None) or 0
        return fast

    def _open_session(self, threads: int | None, spin: bool, *, retry: bool) -> onnxruntime.InferenceSession:
        import onnxruntime as ort

        options = ort.SessionOptions()
        options.log_severity_level = 3
        if threads:
            options.intra_op_num_threads = threads
        # Busy-waiting worker threads buy a few ms on an idle machine and cost 2x on a shared
        # one (measured: one query 42 ms without, 89 ms with, two threads on a loaded 2-core box).
        options.add_session_config_entry("session.intra_op.allow_spinning", "1" if spin else "0")
        try:
            return ort.InferenceSession(str(self.model_file), options, providers=["CPUExecutionProvider"])
        except Exception as exc:  # a file that passed its stat check but is not a model after all
            if not retry:
                raise OnnxUnavailable(
                    f"onnxruntime cannot load {self.model_file}: {_first_line(exc)}"
                ) from None
            log.warning(
                "kb: onnxruntime cannot load %s (%s); exporting again", self.model_file, _first_line(exc)
            )
            export_onnx(self.folder)
            return ort.InferenceSession(str(self.model_file), options, providers=["CPUExecutionProvider"])

    def _measure_dim(self) -> int:
        out = self._session.get_outputs()[0].shape[-1]
        width = out if isinstance(out, int) else self._forward(["x"], "query")[1].shape[-1]
        return int(width) * len(self.pipeline.pooling)

    # -- encoding

    @property
    def dim(self) -> int:
        return self._dim

    def encode(self, texts: Sequence[str], kind: Kind) -> np.ndarray:
        """Embed ``texts`` with the prompt for ``kind``: float32, shape (n, dim), unit rows if Normalize."""
        prompt = self.spec.prompt(kind)
        if (empty := self._none_or_empty(texts)) is not None:
            return empty
        prompted = [prompt + str(t) for t in texts]
        # Each distinct text once (a build's windows repeat across granularities), then copied back.
        slot: dict[str, int] = {}
        rows = np.array([slot.setdefault(t, len(slot)) for t in prompted], dtype=np.int64)
        distinct = list(slot)
        # Longest first, as sentence-transformers does: batches of similar length pad little.
        order = sorted(range(len(distinct)), key=lambda i: -len(distinct[i]))
        out = np.empty((len(distinct), self.dim), dtype=np.float32)
        batches = range(0, len(order), self.batch_size)
        if self.show_progress and kind == "passage" and len(order) > self.batch_size:
            from tqdm.auto import tqdm

            batches = tqdm(batches, desc="Batches", unit="batch")
        for start in batches:
            chunk = order[start : start + self.batch_size]
            mask, hidden = self._forward([distinct[i] for i in chunk], kind)
            out[chunk] = self._pool(hidden, mask, prompt)
        if self.pipeline.normalize:
            norms = np.linalg.norm(out, axis=1, keepdims=True)
            out /= np.maximum(norms, 1e-12)  # torch.nn.functional.normalize's eps
        return out if len(distinct) == len(prompted) else out[rows]

    def token_states(self, texts: Sequence[str], kind: Kind) -> list[np.ndarray]:
        """The last layer's unit token vectors of each text, its prompt and special tokens left out."""
        if isinstance(texts, str):
            raise TypeError("token_states() takes a sequence of texts, not a single string")
        return self.encode_with_states(texts, kind)[1]

    def encode_with_states(self, texts: Sequence[str], kind: Kind) -> tuple[np.ndarray, list[np.ndarray]]:
        """The vectors and the token states of ``texts`` from one pass of the model per text."""
        if isinstance(texts, str):
            raise TypeError("token_states() takes a sequence of texts, not a single string")
        prompt = self.spec.prompt(kind)
        skip = self._prompt_length(prompt) if prompt else 1  # [CLS] and the prompt's pieces
        vectors = np.zeros((len(texts), self.dim), dtype=np.float32)
        states = []
        for i, t in enumerate(texts):  # one at a time: no padding to strip, and the gate asks for one or two
            # The fast tokenizer gives the full one's ids for any text; a passage must not load the
            # 17 MB tokenizer.json into a query process (0.7 s).
            mask, hidden = self._forward([prompt + str(t)], "query")
            vectors[i] = self._pool(hidden, mask, prompt)[0]
            h = hidden[0][mask[0] > 0][skip:-1].astype(np.float32)
            states.append(h / np.maximum(np.linalg.norm(h, axis=1, keepdims=True), 1e-12))
        if self.pipeline.normalize and len(texts):
            vectors /= np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
        return vectors, states

    def _forward(self, texts: list[str], kind: Kind) -> tuple[np.ndarray, np.ndarray]:
        fast = [self._fast.encode(t) for t in texts] if kind == "query" and self._fast is not None else None
        types = None
        if fast is not None and all(f is not None for f in fast):
            ids, mask = self._pad(fast)  # type: ignore[arg-type]
        else:
            encodings = self._full_tokenizer().encode_batch(texts, add_special_tokens=True)
            ids = np.array([e.ids for e in encodings], dtype=np.int64)
            mask = np.array([e.attention_mask for e in encodings], dtype=np.int64)
            types = [e.type_ids for e in encodings] if self.pipeline.type_ids else None
        feed = {"input_ids": ids, "attention_mask": mask}
        if "token_type_ids" in self._inputs:
            feed["token_type_ids"] = np.array(types, dtype=np.int64) if types else np.zeros_like(ids)
        hidden = self._session.run([OUTPUT_NAME], {k: v for k, v in feed.items() if k in self._inputs})[0]
        return mask, hidden

    def _pad(self, rows: list[list[int]]) -> tuple[np.ndarray, np.ndarray]:
        """Fast-path ids padded to the longest, on the side the tokenizer pads."""
        width = max(len(r) for r in rows)
        ids = np.full((len(rows), width), self._pad_id, dtype=np.int64)
        mask = np.zeros((len(rows), width), dtype=np.int64)
        left = self.pipeline.padding_side == "left"
        for i, r in enumerate(rows):
            span = slice(width - len(r), width) if left else slice(0, len(r))
            ids[i, span] = r
            mask[i, span] = 1
        return ids, mask

    def _pool(self, hidden: np.ndarray, mask: np.ndarray, prompt: str) -> np.ndarray:
        """sentence-transformers' Pooling, padded branch, in numpy."""
        original = mask
        if prompt and not self.pipeline.include_prompt:
            mask = _exclude_prompt(mask, self._prompt_length(prompt))
        hidden = hidden.astype(np.float32, copy=False)
        weights = mask[..., None].astype(np.float32)
        parts = []
        for mode in self.pipeline.pooling:
            if mode == "cls":
                first = mask.argmax(axis=1)
                parts.append(hidden[np.arange(len(hidden)), first])
            elif mode == "max":
                parts.append(np.where(weights > 0, hidden, -np.inf).max(axis=1))
            elif mode in ("mean", "mean_sqrt_len_tokens"):
                total = (hidden * weights).sum(axis=1)
                count = np.maximum(weights.sum(axis=1), 1e-9)
                parts.append(total / (count if mode == "mean" else np.sqrt(count)))
            elif mode == "weightedmean":
                positions = np.arange(1, hidden.shape[1] + 1, dtype=np.float32)[None, :]
                positions = positions - original.argmax(axis=1)[:, None]
                w = weights * positions[..., None]
                parts.append((hidden * w).sum(axis=1) / np.maximum(w.sum(axis=1), 1e-9))
            elif mode == "lasttoken":
                flipped = mask[:, ::-1]
                last = hidden.shape[1] - 1 - flipped.argmax(axis=1)
                last = np.where(flipped.max(axis=1) == 0, 0, last)
                parts.append((hidden * weights)[np.arange(len(hidden)), last])
        return np.concatenate(parts, axis=1) if len(parts) > 1 else parts[0]

    def _prompt_length(self, prompt: str) -> int:
        """Tokens of the prompt alone, less a trailing special token (sentence-transformers' rule)."""
        if prompt not in self._prompt_lengths:
            fast = self._fast.encode(prompt) if self._fast is not None else None
            if fast is not None:  # the same ids, with the same special tokens, without tokenizer.json
                self._prompt_lengths[prompt] = len(fast) - (1 if self._fast.suffix else 0)
                return self._prompt_lengths[prompt]
            tokenizer = self._full_tokenizer()
            ids = tokenizer.encode(prompt, add_special_tokens=True).ids  # one text: no padding
            decoder = tokenizer.get_added_tokens_decoder()
            special = {i for i, token in decoder.items() if token.special}
            self._prompt_lengths[prompt] = len(ids) - (1 if ids and ids[-1] in special else 0)
        return self._prompt_lengths[prompt]


def _exclude_prompt(mask: np.ndarray, length: int) -> np.ndarray:
    mask = mask.copy()
    first = mask.argmax(axis=1)  # 0 unless left-padded
    positions = np.arange(mask.shape[1])[None, :]
    mask[positions < (first + length)[:, None]] = 0
    return mask


def _prepare_tokenizer(path: Path, pipeline: Pipeline) -> Tokenizer:
    """tokenizer.json set up as sentence-transformers calls it: truncate, pad, maybe lowercase."""
    from tokenizers import Tokenizer

    return _setup_tokenizer(Tokenizer.from_file(str(path)), pipeline)


def _setup_tokenizer(tokenizer: Tokenizer, pipeline: Pipeline) -> Tokenizer:
    from tokenizers import normalizers

    if pipeline.do_lower_case:
        current = tokenizer.normalizer
        parts = list(current) if isinstance(current, normalizers.Sequence) else [current] if current else []
        if not any(isinstance(p, normalizers.Lowercase) for p in parts):
            tokenizer.normalizer = normalizers.Sequence([normalizers.Lowercase(), *parts])
    tokenizer.enable_truncation(max_length=pipeline.max_seq_length)
    _enable_padding(tokenizer, pipeline)
    return tokenizer


def _enable_padding(tokenizer: Tokenizer, pipeline: Pipeline) -> None:
    pad = pipeline.pad_token
    pad_id = tokenizer.token_to_id(pad) if pad else None
    tokenizer.enable_padding(
        direction="left" if pipeline.padding_side == "left" else "right",
        pad_id=pad_id if pad_id is not None else 0,
        pad_token=pad if pad_id is not None else "[PAD]",
    )


# --------------------------------------------------------------------------- choosing


def load_query_encoder(spec: ModelSpec | None = None, **kwargs: Any) -> Encoder:
    """The light encoder for ``spec`` when it can be exported, else sentence-transformers'.

    The fallback is logged: it is slower to start but embeds the same vectors.
    """
    spec = spec if spec is not None else resolve_model()
    # One intra-op thread: a query is one short text, whose small matrix products gain little from a
    # second thread and lose more to the wait for it on a shared machine (measured on 150 dev questions,
    # load ~5 on 2 cores: p50 22 ms vs 26 ms, p95 37 vs 56; CPU 15.4 vs 18.5 ms a query).
    kwargs.setdefault("threads", 1)
    try:
        return OnnxEncoder(spec, **kwargs)
    except OnnxUnavailable as exc:
        log.warning("kb: %s; embedding queries with sentence-transformers instead", exc)
    from kb.embed.sentence import SentenceTransformerEncoder

    return SentenceTransformerEncoder(spec, batch_size=kwargs.get("batch_size", 32))
