"""Reciprocal rank fusion of ranked lists, the same code for every backend (it needs no engine licence)."""
from __future__ import annotations

from collections.abc import Sequence

RRF_K = 60  # the constant of Cormack et al. (2009): damps the weight of the very first places
# The words' list weighs half when no product matched every word and the search fell back to any word
# (most questions asked in sentences): a stray word ("each", "our") should not outvote the meaning.
ANY_WORD_WEIGHT = 0.5


def rrf(*lists: Sequence[int], k: int = RRF_K, weights: Sequence[float] | None = None) -> list[int]:
    """Ids ordered by Σ weight / (k + rank) over the lists they appear in (ties: first list's order)."""
    weights = weights or [1.0] * len(lists)
    scores: dict[int, float] = {}
    for ranked, weight in zip(lists, weights, strict=True):
        for rank, pk in enumerate(ranked, start=1):
            scores[pk] = scores.get(pk, 0.0) + weight / (k + rank)
    first_seen: dict[int, int] = {}
    for ranked in lists:
        for pk in ranked:
            first_seen.setdefault(pk, len(first_seen))
    return sorted(scores, key=lambda pk: (-scores[pk], first_seen[pk]))
