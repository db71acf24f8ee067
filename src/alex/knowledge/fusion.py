"""Reciprocal rank fusion of ranked lists, and the recency boost for dated notes. Pure
functions: the measured choices (k, weights, half-life) are arguments with defaults."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from datetime import date

RRF_K = 60
"""Cormack, Clarke & Büttcher (2009): 60 works across collections; ranks, not scores, fuse."""


def reciprocal_rank_fusion(
    rankings: Mapping[str, Sequence[int]], *, k: int = RRF_K
) -> dict[int, tuple[float, dict[str, int]]]:
    """id → (fused score, {ranking name: 1-based rank}) over every id in any ranking."""
    fused: dict[int, tuple[float, dict[str, int]]] = {}
    for name, ids in rankings.items():
        for position, item in enumerate(ids, start=1):
            score, ranks = fused.get(item, (0.0, {}))
            if name in ranks:  # a ranking that repeats an id counts its best rank only
                continue
            fused[item] = (score + 1.0 / (k + position), {**ranks, name: position})
    return fused


def recency_factor(
    published: date | None, today: date, *, weight: float, half_life_days: float
) -> float:
    """1 for an undated passage; up to 1 + weight for one published today, halving its extra
    every `half_life_days`. A date in the future counts as today."""
    if published is None or weight == 0:
        return 1.0
    age = max((today - published).days, 0)
    return 1.0 + weight * math.pow(0.5, age / half_life_days)
