"""Dense embeddings: the encoder contract (base), which model (resolve), and the encoders.

Importing this package is cheap: torch and sentence-transformers load only when a
model does (see :func:`load_encoder`).
"""

from __future__ import annotations

import logging

from kb.config import DEFAULT_MODEL
from kb.embed.base import Encoder, Kind, LazyEncoder, ModelSpec
from kb.embed.resolve import MODEL_ENV, resolve_model
from kb.embed.sentence import SentenceTransformerEncoder  # cheap: it imports torch only to load
from kb.errors import ConvertError, ModelError

log = logging.getLogger(__name__)

__all__ = [
    "DEFAULT_MODEL",
    "MODEL_ENV",
    "ConvertError",
    "Encoder",
    "Kind",
    "LazyEncoder",
    "ModelError",
    "ModelSpec",
    "SentenceTransformerEncoder",
    "load_encoder",
    "prepare_queries",
    "resolve_model",
]


def load_encoder(spec: ModelSpec, *, show_progress: bool = False, batch_size: int = 32,
                 queries: bool = False) -> Encoder:
    """The encoder for ``spec``, loaded now; the one place that picks an engine.

    Queries go through the model's ONNX export with onnxruntime when it has one (or can
    be given one), so a search never imports torch; otherwise sentence-transformers.
    Passages (a build) go through the export too once it exists and checks out: the
    vectors agree with sentence-transformers' to cosine 0.9999998 and a build skips
    importing torch (seconds) and runs faster (measured in bench/peer.py).  The first
    build with a model, or one that cannot be exported, runs sentence-transformers,
    which runs any model; :func:`prepare_queries` then makes the export.
    """
    from kb.embed.onnx import OnnxUnavailable, load_query_encoder

    if queries:
        return load_query_encoder(spec, batch_size=batch_size)
    if _onnx_ready(spec):
        try:
            from kb.embed.onnx import OnnxEncoder

            return OnnxEncoder(spec, batch_size=batch_size, export=False, show_progress=show_progress)
        except OnnxUnavailable as exc:
            log.info("kb: embedding passages with sentence-transformers (%s)", exc)
    return SentenceTransformerEncoder(spec, batch_size=batch_size, show_progress=show_progress)


def _onnx_ready(spec: ModelSpec) -> bool:
    """True if the model folder holds a verified export (a stat check; hashing only what changed)."""
    from kb.embed.onnx import check_export, model_folder

    try:
        return check_export(model_folder(spec)).ok
    except Exception:  # an unresolvable folder or an unreadable record: the sentence-transformers path
        return False


def prepare_queries(encoder: Encoder) -> None:
    """After a build has loaded the model: export it for torch-free queries, once.

    Doing it here costs seconds inside ``kb build`` instead of on the first ``kb search``.
    A model that cannot be exported is searched with sentence-transformers; that is logged.
    """
    if isinstance(encoder, LazyEncoder):
        if not encoder.loaded:
            return  # nothing was embedded: the model (and its export) were not needed
        encoder = encoder.encoder
    inner = encoder
    if not isinstance(inner, SentenceTransformerEncoder):
        return
    from kb.embed.onnx import ensure_onnx, model_folder

    try:
        ensure_onnx(model_folder(inner.spec), hf_model=inner.transformer)
    except Exception as e:  # the build itself succeeded; queries fall back to sentence-transformers
        log.warning("kb: no ONNX export for %s (%s); queries will use sentence-transformers", inner.spec.name, e)

