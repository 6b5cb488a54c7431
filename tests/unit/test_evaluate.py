"""Unit tests for scoring a store against gold (ingest/evaluate.py), on a hand-built graph."""

from __future__ import annotations

import json

import pytest

from graph.build import build_quads
from graph.model import Claim, Document, Entity, EntityKind, Extraction, Mention, Passage, Predicate
from graph.store import OxigraphStore
from ingest.evaluate import GoldError, evaluate_store

TEXT = (
    "Kent County Council is the lead authority for community safety.\n\n"
    "Jane Holt, leader of Kent Council, spoke. Sam Lee also spoke."
)


def build_store() -> OxigraphStore:
    document = Document(key="d1", source="/corpus/news.txt", title="News", text=TEXT)
    first = TEXT.index("\n\n")
    passages = [
        Passage("d1-p0000", "d1", 0, first, TEXT[:first]),
        Passage("d1-p0001", "d1", first + 2, len(TEXT), TEXT[first + 2 :]),
    ]
    kent = Entity(
        "ken", EntityKind.COUNCIL, "Kent County Council", ("Kent Council",), {"gss": "E10000016"}
    )
    theme = Entity("community-safety", EntityKind.THEME, "community safety")
    holt = Entity("jane-holt", EntityKind.PERSON, "Jane Holt")
    lee = Entity("sam-lee", EntityKind.PERSON, "Sam Lee")

    def mention(passage: Passage, text: str, entity: Entity) -> Mention:
        start = TEXT.index(text)
        return Mention(passage.key, start, start + len(text), text, entity.kind, entity.ref)

    def claim(subject: Entity, predicate: Predicate, obj: Entity, quote: str, **extra) -> Claim:
        start = TEXT.index(quote)
        passage = passages[0] if start < first else passages[1]
        return Claim(
            subject.ref,
            predicate,
            obj.ref,
            passage.key,
            start,
            start + len(quote),
            quote,
            "rule:test",
            0.9,
            **extra,
        )

    extraction = Extraction(
        entities=(kent, theme, holt, lee),
        mentions=(
            mention(passages[0], "Kent County Council", kent),
            mention(passages[0], "community safety", theme),
            mention(passages[1], "Jane Holt", holt),
            mention(passages[1], "Sam Lee", lee),
        ),
        claims=(
            claim(kent, Predicate.LEADS, theme, "Kent County Council is the lead authority"),
            claim(holt, Predicate.HOLDS_POST, kent, "Jane Holt, leader", role="leader"),
            claim(holt, Predicate.HEAD_OF, kent, "Sam Lee also spoke", role="leader"),
        ),
    )
    store = OxigraphStore(None)
    store.replace_graph(
        "https://w3id.org/civicgraph/id/graph/d1", build_quads(document, passages, extraction)
    )
    return store


GOLD = {
    "corpus": "test",
    "documents": ["news.txt", "missing.txt"],
    "entities": [
        {
            "kind": "council",
            "label": "Kent County Council",
            "aliases": ["Kent"],
            "gss": "E10000016",
            "documents": ["news.txt"],
        },
        {"kind": "theme", "label": "community safety", "aliases": [], "documents": ["news.txt"]},
        {"kind": "person", "label": "Jane Holt", "aliases": [], "documents": ["news.txt"]},
        {
            "kind": "body",
            "label": "Local Government Association",
            "aliases": ["LGA"],
            "documents": ["news.txt"],
        },
    ],
    "relations": [
        {
            "subject": "Kent County Council",
            "predicate": "leads",
            "object": "community safety",
            "document": "news.txt",
            "quote": "Kent County Council is the lead authority for community safety.",
        },
        {
            "subject": "Jane Holt",
            "predicate": "holdsPost",
            "object": "Kent County Council",
            "role": "leader",
            "document": "news.txt",
            "quote": "Jane Holt, leader of Kent Council",
        },
        {
            "subject": "Jane Holt",
            "predicate": "headOf",
            "object": "Kent County Council",
            "role": "leader",
            "document": "news.txt",
            "quote": "Jane Holt, leader of Kent Council",
        },
    ],
}


@pytest.fixture(scope="module")
def report():
    store = build_store()
    yield evaluate_store(store, GOLD)
    store.close()


def test_entities_are_scored_by_kind(report) -> None:
    assert report.missing_documents == ["missing.txt"]
    council = report.entities["council"]
    assert (council.gold, council.found, council.extracted, council.correct) == (1, 1, 1, 1)
    person = report.entities["person"]
    assert person.recall == 1.0 and person.precision == 0.5  # Sam Lee is not in the gold
    assert report.entities["body"].recall == 0.0
    assert {row["label"] for row in report.missed_entities} == {"Local Government Association"}


def test_relations_are_scored_strictly_and_with_evidence(report) -> None:
    leads = report.relations["leads"]
    assert leads.recall == 1.0 and leads.recall_with_evidence == 1.0
    holds = report.relations["holdsPost"]
    assert holds.recall == 1.0 and holds.recall_with_evidence == 1.0
    head = report.relations["headOf"]
    assert head.recall == 1.0 and head.recall_with_evidence == 0.0  # the quote is elsewhere
    assert report.groups["roles"].gold == 2


def test_report_is_json_and_text(report) -> None:
    data = json.loads(json.dumps(report.as_dict()))
    assert data["entities"]["council"]["recall"] == 1.0
    assert data["relations"]["headOf"]["recall_with_evidence"] == 0.0
    text = report.render_text()
    assert "entities" in text and "headOf" in text and "[roles]" in text


def test_a_bad_gold_file_is_refused() -> None:
    store = OxigraphStore(None)
    with pytest.raises(GoldError):
        evaluate_store(store, {"documents": []})
