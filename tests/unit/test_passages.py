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
