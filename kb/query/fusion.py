"""Rank fusion: pure functions that merge several rankings of the same items.

Kept free of I/O and models so the search can be reasoned about and tested alone.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from typing import TypeVar

K = TypeVar("K", bound=Hashable)


def rrf(rankings: Sequence[Sequence[K]], k: float = 60.0, weights: Sequence[float] | None = None) -> dict[K, float]:
    """Reciprocal rank fusion: score(d) = Σ wᵢ / (k + rankᵢ(d)), ranks starting at 1.

    Robust to the very different score scales of BM25 and cosine similarity.
    """
    if weights is None:
        weights = [1.0] * len(rankings)
    if len(weights) != len(rankings):
        raise ValueError("one weight per ranking")
    fused: dict[K, float] = {}
    for ranking, w in zip(rankings, weights, strict=True):
        for rank, item in enumerate(ranking, start=1):
            fused[item] = fused.get(item, 0.0) + w / (k + rank)
    return fused


def minmax(scores: Mapping[K, float]) -> dict[K, float]:
    """Scale scores to [0, 1]; a constant list maps to 1.0 so it neither helps nor hurts the order."""
    if not scores:
        return {}
    lo, hi = min(scores.values()), max(scores.values())
    if hi - lo < 1e-12:
        return dict.fromkeys(scores, 1.0)
    return {key: (v - lo) / (hi - lo) for key, v in scores.items()}


def weighted(score_maps: Sequence[Mapping[K, float]], weights: Sequence[float]) -> dict[K, float]:
    """Convex combination of min-max normalised scores; an item missing from a list scores 0 there."""
    if len(weights) != len(score_maps):
        raise ValueError("one weight per score map")
    fused: dict[K, float] = {}
    for scores, w in zip(score_maps, weights, strict=True):
        for key, v in minmax(scores).items():
            fused[key] = fused.get(key, 0.0) + w * v
    return fused


def top(scores: Mapping[K, float], n: int) -> list[tuple[K, float]]:
    """The n best items, ties broken by key order for stable output."""
    return sorted(scores.items(), key=lambda kv: (-kv[1], str(kv[0])))[:n]
