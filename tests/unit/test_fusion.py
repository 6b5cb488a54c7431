"""Weighted reciprocal-rank fusion rewards agreement and follows the weights."""

from __future__ import annotations

from graph.fusion import rrf


def test_rrf_prefers_items_both_rankings_agree_on() -> None:
    fused = rrf({"dense": ["a", "b", "c"], "keyword": ["c", "b", "d"]})
    assert {key for key, _ in fused[:2]} == {"b", "c"}
    assert {key for key, _ in fused} == {"a", "b", "c", "d"}


def test_a_heavier_ranking_wins_a_tie_of_places() -> None:
    rankings = {"dense": ["a", "b"], "keyword": ["b", "a"]}
    assert rrf(rankings, weights={"dense": 1.0, "keyword": 0.5})[0][0] == "a"
    assert rrf(rankings, weights={"dense": 0.5, "keyword": 1.0})[0][0] == "b"
