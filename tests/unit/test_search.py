"""BM25 ranks keyword matches; reciprocal-rank fusion rewards agreement between rankings."""

from __future__ import annotations

from graph.search import BM25, rrf, tokenize

TEXTS = [
    "Wigan Council proposes to reduce hospital admissions of older people.",
    "Hackney is the lead authority for community safety and anti-social behaviour.",
    "School improvement and early years are led by Stockport.",
    "The council budget was agreed by the cabinet on Tuesday.",
]


def test_tokenize_drops_stopwords_and_stems_plurals() -> None:
    assert tokenize("The admissions of Councils") == ["admission", "council"]
    assert tokenize("Kent's hospital") == ["kent", "hospital"]


def test_bm25_ranks_the_passage_with_the_query_words_first() -> None:
    bm25 = BM25(TEXTS)
    assert [i for i, _ in bm25.top("hospital admissions", 3)] == [0]
    assert bm25.top("community safety lead", 2)[0][0] == 1


def test_bm25_mask_limits_the_candidates() -> None:
    import numpy as np

    bm25 = BM25(TEXTS)
    allowed = np.array([False, True, True, True])
    assert bm25.top("hospital admissions", 3, allowed) == []


def test_rrf_prefers_items_both_rankings_agree_on() -> None:
    fused = rrf([["a", "b", "c"], ["c", "b", "d"]])
    assert {key for key, _ in fused[:2]} == {"b", "c"}
    assert {key for key, _ in fused} == {"a", "b", "c", "d"}
