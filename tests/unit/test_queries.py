"""Named queries and the name index, on a fictional corpus built into an in-memory store."""

from __future__ import annotations

import pytest

from graph import queries
from graph.build import graph_iri, passage_iri
from graph.errors import Ambiguous, BadParameter, NotFound
from graph.queries import EntityIndex, normalise
from graph.store import OxigraphStore
from graph.vocab import ID
from tests import fictional


@pytest.fixture
def names(store: OxigraphStore) -> EntityIndex:
    index = EntityIndex()
    index.sync(store)
    return index


def test_leads_answer_every_leader_with_its_quote(store, names) -> None:
    found = queries.leads(store, names)
    pairs = [(r.subject.ref, r.object.ref) for r in found]
    assert pairs == [
        ("council/nsh", "theme/affordable-warmth"),
        ("council/nsh", "programme/warm-homes-fund"),
        ("council/riv", "theme/youth-employment"),
    ]
    first = found[0]
    assert first.subject.label == "Northshire County Council"
    assert first.subject.gss == "E10000099"
    assert first.object.kind == "theme"
    [evidence] = first.evidence
    assert evidence.document == "forum"
    assert evidence.passage == "forum-p0001"
    text = fictional.TEXTS["forum"]
    assert text[evidence.start : evidence.end] == evidence.quote
    assert "lead authority for the affordable warmth theme" in evidence.quote


def test_leads_on_a_store_without_facts_are_empty() -> None:
    store = OxigraphStore(None)
    index = EntityIndex()
    index.sync(store)
    assert queries.leads(store, index) == []


def test_names_resolve_by_key_iri_label_and_alias_ignoring_case_and_punctuation(names) -> None:
    expected = "council/nsh"
    for name in (
        "council/nsh",
        f"{ID}council/nsh",
        "Northshire County Council",
        "northshire county council",
        "  NORTHSHIRE-County, Council. ",
        "Northshire",
    ):
        assert names.resolve(name).ref == expected, name
    assert names.resolve("NCA").ref == "body/northern-councils-association"
    assert names.resolve("LGN").ref == "body/local-government-network"


def test_a_label_of_several_entities_is_ambiguous_with_the_candidates(names) -> None:
    with pytest.raises(Ambiguous) as raised:
        names.resolve("chris evans")
    assert raised.value.status == 409
    assert raised.value.extra["candidates"] == [
        {"id": "person/chris-evans", "label": "Chris Evans", "type": "person"},
        {"id": "person/chris-evans-2", "label": "Chris Evans", "type": "person"},
    ]


def test_an_unknown_name_is_not_found_with_the_nearest_names(names) -> None:
    with pytest.raises(NotFound) as raised:
        names.resolve("Rivertown Council")
    assert raised.value.status == 404
    nearest = raised.value.extra["nearest"]
    assert nearest[0] == {"id": "council/riv", "label": "Riverton Council", "type": "council"}
    assert "Riverton Council" in raised.value.message
    with pytest.raises(NotFound):
        names.resolve(f"{ID}council/nowhere")
    with pytest.raises(BadParameter):
        names.resolve("  ")


def test_find_is_fuzzy_typo_tolerant_and_best_first(names) -> None:
    assert names.find("Rivertn")[0].entity.ref == "council/riv"
    assert names.find("eastvale district")[0].entity.ref == "council/eas"
    best = names.find("NCA")[0]
    assert (best.entity.ref, best.matched, best.score) == (
        "body/northern-councils-association",
        "NCA",
        100.0,
    )
    assert names.find("warm homes fund")[0].entity.ref == "programme/warm-homes-fund"
    people = names.find("okoro", kind="person")
    assert [m.entity.ref for m in people][:1] == ["person/sam-okoro"]
    assert all(m.entity.kind == "person" for m in people)
    scores = [m.score for m in names.find("council", limit=10)]
    assert scores == sorted(scores, reverse=True)
    with pytest.raises(BadParameter):
        names.find("x", kind="planet")


def test_listing_without_a_query_is_in_label_order(names) -> None:
    councils = names.browse(kind="council")
    assert [m.entity.label for m in councils] == [
        "Eastvale District Council",
        "Northshire County Council",
        "Riverton Council",
    ]


def test_entity_card_of_a_council(store, names) -> None:
    card = queries.entity_card(store, names, "council/riv")
    assert card.entity.label == "Riverton Council"
    assert card.labels == ("Riverton Council",)
    assert card.aliases == ("Riverton",)
    assert card.types == ("cg:Council", "org:FormalOrganization")
    assert card.identifiers == {
        "key": "riv",
        "gss": "E07000999",
        "statistical_geography": "http://statistics.data.gov.uk/id/statistical-geography/E07000999",
    }
    outgoing = {(r.predicate, r.object.ref): r for r in card.outgoing}
    assert set(outgoing) == {
        ("leads", "theme/youth-employment"),
        ("memberOf", "body/northern-councils-association"),
        ("participatesIn", "programme/warm-homes-fund"),
    }
    assert all(r.evidence and r.evidence[0].quote for r in card.outgoing)
    assert card.incoming == ()
    documents = {d.document: d.passages for d in card.documents}
    assert documents == {"forum": 2, "association": 2, "ratings": 1}


def test_entity_card_of_a_person_shows_the_post_with_its_role(store, names) -> None:
    card = queries.entity_card(store, names, "person/jane-holt")
    assert card.types == ("foaf:Person",)
    facts = {(r.predicate, r.object.ref, r.role) for r in card.outgoing}
    assert facts == {
        ("headOf", "council/nsh", "leader"),
        ("holdsPost", "council/nsh", "leader"),
    }
    incoming = queries.entity_card(store, names, "council/nsh").incoming
    assert {(r.subject.ref, r.predicate) for r in incoming} == {
        ("person/jane-holt", "headOf"),
        ("person/jane-holt", "holdsPost"),
    }


def test_entity_card_of_a_rating_scheme_lists_who_it_rated(store, names) -> None:
    card = queries.entity_card(store, names, "programme/clean-streets-ratings")
    [rated] = card.incoming
    assert (rated.subject.ref, rated.predicate, rated.rating) == ("council/eas", "rated", "good")
    assert rated.evidence[0].quote.startswith("Eastvale District Council was rated good")


def test_a_fact_no_claim_states_is_a_relation_without_evidence(store, names) -> None:
    card = queries.entity_card(store, names, "body/northern-councils-association")
    [parent] = [r for r in card.outgoing if r.predicate == "subOrganizationOf"]
    assert parent.object.ref == "body/local-government-network"
    assert parent.evidence == ()
    incoming = {(r.subject.ref, r.predicate, r.role) for r in card.incoming}
    assert incoming == {
        ("council/riv", "memberOf", None),
        ("person/sam-okoro", "holdsPost", "director of policy"),
    }


def test_entity_card_of_an_unknown_ref_is_not_found(store, names) -> None:
    with pytest.raises(NotFound):
        queries.entity_card(store, names, "council/nowhere")


def test_relations_filter_by_subject_predicate_and_object(store, names) -> None:
    everything = queries.relations(store, names)
    assert len(everything) == 11  # ten stated facts and one from reference data
    by_subject = queries.relations(store, names, subject="council/riv")
    assert {r.predicate for r in by_subject} == {"leads", "memberOf", "participatesIn"}
    joined = queries.relations(store, names, object="programme/warm-homes-fund")
    assert {(r.subject.ref, r.predicate) for r in joined} == {
        ("council/nsh", "leads"),
        ("council/riv", "participatesIn"),
        ("council/eas", "participatesIn"),
    }
    posts = queries.relations(store, names, predicate="holdsPost")
    assert {r.subject.ref for r in posts} == {"person/jane-holt", "person/sam-okoro"}
    rated = queries.relations(store, names, object="programme/clean-streets-ratings")
    assert [(r.predicate, r.rating) for r in rated] == [("rated", "good")]
    assert len(queries.relations(store, names, limit=2)) == 2
    with pytest.raises(BadParameter, match="unknown predicate"):
        queries.relations(store, names, predicate="likes")


def test_name_index_follows_graphs_added_and_dropped() -> None:
    store = OxigraphStore(None)
    fictional.write(store, ["forum"])
    index = EntityIndex()
    assert index.sync(store)
    assert index.get("body/northern-councils-association") is None
    assert not index.sync(store)  # nothing changed
    fictional.write(store, ["association"])
    index.sync(store)
    assert index.resolve("NCA").ref == "body/northern-councils-association"
    assert index.get("council/riv") is not None
    store.drop_graph(str(graph_iri("association")))
    index.sync(store)
    assert index.get("body/northern-councils-association") is None
    assert index.get("council/riv") is not None  # still named in the forum document
    with pytest.raises(NotFound):
        index.resolve("NCA")


def test_co_mention_evidence_quotes_the_passage_around_both_names(store, names) -> None:
    [evidence] = queries.co_mention_evidence(store, names, "person/pat-lee", "person/sam-okoro")
    assert evidence.document == "association"
    assert "Sam Okoro spoke to Pat Lee" in evidence.quote
    text = fictional.TEXTS["association"]
    assert text[evidence.start : evidence.end] == evidence.quote


def test_co_mentions_quotes_each_pairs_own_passages_from_one_read(store, names) -> None:
    pair = ("person/pat-lee", "person/sam-okoro")
    [named] = queries.co_mention_evidence(store, names, *pair)
    iri = str(passage_iri(named.passage))
    found = queries.co_mentions(store, names, {pair: [iri], ("council/nsh", "council/riv"): []})
    assert found[pair] == (named,)
    assert found[("council/nsh", "council/riv")] == ()  # no passages given, none quoted
    unknown = queries.co_mentions(store, names, {pair: [str(passage_iri("no-such-passage"))]})
    assert unknown == {pair: ()}


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("Blackburn-with-Darwen", "blackburn with darwen"),
        ("Department for Culture, Media & Sport", "department for culture media and sport"),
        ("Camden’s", "camdens"),
        ("Camden's", "camdens"),
        ("  Kent  ", "kent"),
        ("Zoë", "zoe"),
    ],
)
def test_normalise_folds_case_accents_and_punctuation(text: str, folded: str) -> None:
    assert normalise(text) == folded


def test_names_in_a_text_are_found_longest_first(names) -> None:
    found = names.named_in("Did Northshire County Council and the NCA meet Jane Holt?")
    assert {"council/nsh", "body/northern-councils-association"} <= found
    assert names.named_in("what happened to the budget") == set()


def test_naming_counts_the_entities_each_passage_names_among_those_given(store) -> None:
    refs = {"council/nsh", "theme/affordable-warmth"}
    everywhere = dict(queries.naming(store, refs))
    assert everywhere["forum-p0001"] == 2
    among = sorted(everywhere)[:1]
    assert queries.naming(store, refs, passages=among) == [(among[0], everywhere[among[0]])]
    # passages that name none of the entities are left out, and none given answers none
    assert queries.naming(store, {"council/nsh"}, passages=["no-such-passage"]) == []
    assert queries.naming(store, refs, passages=[]) == []
