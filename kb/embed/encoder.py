"""Former home of the encoder; its parts now live in base, resolve and sentence.

Kept so that ``from kb.embed.encoder import ModelError`` (and the like) keeps working.
New code imports from :mod:`kb.embed` or :mod:`kb.errors`.
"""

from __future__ import annotations

from kb.config import DEFAULT_MODEL
from kb.embed.base import Encoder, Kind, ModelSpec
from kb.embed.resolve import MODEL_ENV, resolve_model
from kb.embed.sentence import SentenceTransformerEncoder
from kb.errors import ModelError

__all__ = [
    "DEFAULT_MODEL", "MODEL_ENV", "Encoder", "Kind", "ModelError", "ModelSpec", "SentenceTransformerEncoder",
    "resolve_model",
]
