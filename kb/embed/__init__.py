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

    Passages (a build) go through sentence-transformers, which runs any model.  Queries
    go through the model's ONNX export with onnxruntime when it has one (or can be given
    one), so a search never imports torch; otherwise sentence-transformers again.
    """
    if queries:
        from kb.embed.onnx import load_query_encoder

        return load_query_encoder(spec, batch_size=batch_size)
    return SentenceTransformerEncoder(spec, batch_size=batch_size, show_progress=show_progress)


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

