"""Reciprocal rank fusion and the recency boost."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given
from hypothesis import strategies as st

from alex.knowledge.fusion import RRF_K, recency_factor, reciprocal_rank_fusion

RANKING = st.lists(st.integers(0, 40), unique=True, max_size=20)


@given(RANKING, RANKING)
def test_fused_scores_are_sums_of_reciprocal_ranks(a: list[int], b: list[int]) -> None:
    fused = reciprocal_rank_fusion({"keyword": a, "vector": b})
    assert set(fused) == set(a) | set(b)
    for item, (score, ranks) in fused.items():
        expected = sum(1 / (RRF_K + rank) for rank in ranks.values())
        assert abs(score - expected) < 1e-12
        if item in a:
            assert ranks["keyword"] == a.index(item) + 1


@given(RANKING.filter(bool))
def test_first_in_both_rankings_wins(ranking: list[int]) -> None:
    fused = reciprocal_rank_fusion({"keyword": ranking, "vector": ranking})
    best = max(fused, key=lambda item: fused[item][0])
    assert best == ranking[0]


def test_found_by_both_beats_first_in_one() -> None:
    fused = reciprocal_rank_fusion({"keyword": [1, 2], "vector": [3, 2]})
    assert max(fused, key=lambda item: fused[item][0]) == 2


def test_recency_halves_its_extra_every_half_life() -> None:
    today = date(2026, 12, 1)
    assert recency_factor(None, today, weight=0.2, half_life_days=100) == 1.0
    assert recency_factor(today, today, weight=0.2, half_life_days=100) == 1.2
    aged = recency_factor(today - timedelta(days=100), today, weight=0.2, half_life_days=100)
    assert abs(aged - 1.1) < 1e-12
    future = recency_factor(today + timedelta(days=9), today, weight=0.2, half_life_days=100)
    assert future == 1.2
