"""Dense embeddings: the encoder contract (base), which model (resolve), and the encoders.

Importing this package is cheap: torch and sentence-transformers load only when a
model does (see :func:`load_encoder`).
"""

from __future__ import annotations

from kb.config import DEFAULT_MODEL
from kb.embed.base import Encoder, Kind, LazyEncoder, ModelSpec
from kb.embed.resolve import MODEL_ENV, resolve_model
from kb.embed.sentence import SentenceTransformerEncoder  # cheap: it imports torch only to load
from kb.errors import ConvertError, ModelError

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
    "resolve_model",
]


def load_encoder(spec: ModelSpec, *, show_progress: bool = False, batch_size: int = 32) -> Encoder:
    """The encoder for ``spec``, loaded now; the one place that picks an engine.

    Today every model runs through sentence-transformers.  A faster engine for some
    models (ONNX for queries) is chosen here, so callers never name an engine.
    """
    return SentenceTransformerEncoder(spec, batch_size=batch_size, show_progress=show_progress)

