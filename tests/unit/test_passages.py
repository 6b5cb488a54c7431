"""Passages are paragraph-aware, 40-180 words, never cut a sentence, and keep exact offsets."""

from __future__ import annotations

import itertools
import re
from pathlib import Path

import pytest

from graph.model import Document
from ingest.passages import MAX_WORDS, MIN_WORDS, sentence_spans, split_passages
from ingest.readers import read_document

SEEDS = sorted((Path(__file__).resolve().parents[2] / "seeds").iterdir())
FIXTURES = sorted((Path(__file__).resolve().parents[1] / "fixtures").glob("*.*"))


def doc(text: str) -> Document:
    return Document(key="d", source="d.txt", title="t", text=text)


def sentence(n: int, words: int = 15) -> str:
    return " ".join(f"word{n}x{i}" for i in range(words - 1)) + " end."


@pytest.mark.parametrize("path", SEEDS + FIXTURES, ids=lambda p: p.name)
def test_offsets_locate_every_passage_exactly(path: Path) -> None:
    document = read_document(path)
    passages = split_passages(document)
    assert passages
    for p in passages:
        assert document.text[p.start : p.end] == p.text
        assert len(p.text.split()) <= MAX_WORDS + 10
    # passages cover the text in order, without overlap
    assert all(a.end <= b.start for a, b in itertools.pairwise(passages))
    covered = "".join(document.text[p.start : p.end] for p in passages)
    assert len(re.sub(r"\s", "", covered)) == len(re.sub(r"\s", "", document.text))


def test_long_paragraph_splits_at_sentence_ends() -> None:
    text = " ".join(sentence(n) for n in range(30))  # 450 words in one paragraph
    passages = split_passages(doc(text))
    assert len(passages) >= 3
    for p in passages:
        assert p.text.endswith("end.")
        assert MIN_WORDS <= len(p.text.split()) <= MAX_WORDS


def test_short_paragraphs_are_grouped() -> None:
    text = "\n\n".join(sentence(n, 12) for n in range(12))
    passages = split_passages(doc(text))
    assert all(len(p.text.split()) >= MIN_WORDS for p in passages)
    assert len(passages) < 12


def test_heading_is_carried_as_context() -> None:
    body = " ".join(sentence(n) for n in range(5))
    text = f"Care of older people\n\n{body}\n\nCommunity safety\n\n{body}"
    passages = split_passages(doc(text))
    assert [p.heading for p in passages] == ["Care of older people", "Community safety"]
    assert passages[1].text.startswith("Community safety")


def test_passage_keys_follow_their_text_and_survive_edits_elsewhere() -> None:
    paragraphs = [" ".join(f"{sentence(n)} Ward {p}." for n in range(8)) for p in range(4)]
    first = split_passages(doc("\n\n".join(paragraphs)))
    assert [p.key for p in first] == [p.key for p in split_passages(doc("\n\n".join(paragraphs)))]
    assert len({p.key for p in first}) == len(first) > 3
    assert all(p.key.startswith("d-p") for p in first)
    # an edit to the second paragraph changes its passage's key and no other
    edited = [*paragraphs]
    edited[1] = edited[1].replace("Ward 1.", "Ward one.", 1)
    second = split_passages(doc("\n\n".join(edited)))
    changed = {p.key for p in first} ^ {p.key for p in second}
    assert len(changed) == 2
    assert {p.text for p in first if p.key not in changed} == {
        p.text for p in second if p.key not in changed
    }


def test_a_repeated_passage_gets_its_own_key() -> None:
    paragraph = " ".join(sentence(n) for n in range(8))
    passages = split_passages(doc(f"{paragraph}\n\n{paragraph}"))
    assert len(passages) == 2 and passages[0].text == passages[1].text
    assert passages[1].key == passages[0].key + "-2"


def test_sentences_do_not_split_on_abbreviations() -> None:
    text = "Cllr. Smith met Dr. Jones at 10 a.m. on Friday. Then they left."
    spans = [text[s:e] for s, e in sentence_spans(text)]
    assert spans == ["Cllr. Smith met Dr. Jones at 10 a.m. on Friday.", "Then they left."]


def test_bylines_and_datelines_are_not_headings() -> None:
    body = " ".join(sentence(n) for n in range(12))
    text = f"Harbour towns plan new ferry link\n\n3 March 2011\nBy Ola Brandt\n\n{body}"
    passages = split_passages(doc(text))
    assert {p.heading for p in passages} == {"Harbour towns plan new ferry link"}


def test_a_list_stays_with_the_sentence_that_introduces_it() -> None:
    opening = " ".join(sentence(n) for n in range(7))  # 105 words
    items = "\n".join(f"- Townsville item {n} of the list" for n in range(8))
    text = f"{opening}\n\nThe towns chosen are:\n\n{items}\n\n{opening}"
    passages = split_passages(doc(text))
    holding = [p for p in passages if "The towns chosen are:" in p.text]
    assert len(holding) == 1
    assert "Townsville item 0" in holding[0].text and "Townsville item 7" in holding[0].text
    assert holding[0].heading is None


def test_embedding_units_are_sentences_and_long_lists_are_cut() -> None:
    from graph.model import Passage
    from ingest.passages import UNIT_WORDS, embedding_units

    text = "First point here. Second point follows.\n" + "\n".join(
        f"row {n} of a table with no stops" for n in range(40)
    )
    units = embedding_units(Passage("k", "d", 0, len(text), text))
    assert units[0] == "First point here."
    assert all(len(u.split()) <= UNIT_WORDS for u in units)
    assert "row 39" in units[-1]


def test_a_passage_of_many_short_sentences_gets_at_most_max_units_vectors() -> None:
    from graph.model import Passage
    from ingest.passages import MAX_UNITS, embedding_units

    text = " ".join(f"Short sentence number {n} here." for n in range(15))
    units = embedding_units(Passage("k", "d", 0, len(text), text))
    assert len(units) == MAX_UNITS
    assert " ".join(units).split() == text.split()
