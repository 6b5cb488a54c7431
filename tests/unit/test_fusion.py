"""Weighted reciprocal-rank fusion rewards agreement and follows the weights."""

from __future__ import annotations

from graph.fusion import entity_ranking, rrf


def test_rrf_prefers_items_both_rankings_agree_on() -> None:
    fused = rrf({"dense": ["a", "b", "c"], "keyword": ["c", "b", "d"]})
    assert {key for key, _ in fused[:2]} == {"b", "c"}
    assert {key for key, _ in fused} == {"a", "b", "c", "d"}


def test_a_heavier_ranking_wins_a_tie_of_places() -> None:
    rankings = {"dense": ["a", "b"], "keyword": ["b", "a"]}
    assert rrf(rankings, weights={"dense": 1.0, "keyword": 0.5})[0][0] == "a"
    assert rrf(rankings, weights={"dense": 0.5, "keyword": 1.0})[0][0] == "b"


def test_entity_evidence_ranks_by_entities_named_then_by_the_other_rankings() -> None:
    counts = {"p1": 1, "p2": 2, "p3": 1, "p4": 1}
    order = [("p3", 0.5), ("p1", 0.4)]
    assert entity_ranking(counts, order, 10) == ["p2", "p3", "p1", "p4"]
    assert entity_ranking(counts, order, 2) == ["p2", "p3"]
