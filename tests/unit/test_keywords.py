"""The keyword index: FTS5 bm25 over passages, stemmed, per document, on disk."""

from __future__ import annotations

from graph.keywords import KeywordPassage, SqliteKeywordIndex, match_expression, query_words

WIGAN = [
    KeywordPassage("w-p0", "Wigan Council proposes to cut hospital admissions of older people."),
    KeywordPassage("w-p1", "The council budget was agreed by the cabinet on Tuesday."),
]
HACKNEY = [KeywordPassage("h-p0", "Hackney leads on community safety.", "Crime", "Hackney news")]


def test_the_passage_with_the_query_words_ranks_first_and_stems_match() -> None:
    index = SqliteKeywordIndex(None)
    index.upsert("w", WIGAN)
    index.upsert("h", HACKNEY)
    assert [key for key, _ in index.search("hospital admission", 5)] == ["w-p0"]
    assert index.search("proposed community safety", 5)[0][0] == "h-p0"


def test_heading_and_title_count_but_less_than_the_text() -> None:
    index = SqliteKeywordIndex(None)
    index.upsert("h", HACKNEY)
    index.upsert("x", [KeywordPassage("x-p0", "Crime figures in Hackney fell this year.")])
    assert [key for key, _ in index.search("crime", 5)] == ["x-p0", "h-p0"]


def test_query_words_are_quoted_so_none_is_an_operator() -> None:
    words = query_words('the "NEAR" AND council* the')
    assert words == ["the", "near", "and", "council"]
    assert match_expression(words) == '"the" OR "near" OR "and" OR "council"'
    assert match_expression(query_words(" -- ")) is None
    assert SqliteKeywordIndex(None).search("*", 5) == []


def test_words_most_passages_hold_are_left_out(monkeypatch) -> None:
    index = SqliteKeywordIndex(None)
    index.upsert("w", WIGAN)
    index.upsert("h", HACKNEY)
    # "council" is in two of three passages: bm25 weighs it at nearly nothing
    assert [key for key, _ in index.search("council safety", 5)] == ["h-p0"]
    # a query of such words only still matches in a small index, not in a large one
    assert {key for key, _ in index.search("council", 5)} == {"w-p0", "w-p1"}
    monkeypatch.setattr("graph.keywords.SMALL_INDEX", 2)
    assert index.search("council", 5) == []
