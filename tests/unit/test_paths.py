"""The networkx projection: paths over facts, co-mentions as a fallback, sync, GraphML."""

from __future__ import annotations

import io

import networkx as nx
import pytest

from graph.build import graph_iri
from graph.paths import EntityGraph, write_graphml
from graph.queries import EntityIndex
from graph.store import OxigraphStore
from tests import fictional


@pytest.fixture
def graph(store: OxigraphStore) -> EntityGraph:
    projection = EntityGraph()
    projection.sync(store)
    return projection


def steps(path) -> list[tuple[str, str, str | None]]:
    return [(h.source, h.target, h.fact[1] if h.fact else None) for h in path]


def test_a_fact_path_runs_through_posts_leads_and_participation(graph) -> None:
    found, weak = graph.shortest_paths("person/jane-holt", "council/riv")
    assert not weak
    [path] = found
    assert steps(path) == [
        ("person/jane-holt", "council/nsh", "headOf"),
        ("council/nsh", "programme/warm-homes-fund", "leads"),
        ("programme/warm-homes-fund", "council/riv", "participatesIn"),
    ]
    # the hop runs against the fact's direction: Riverton participates in the fund
    assert path[2].fact[0] == "council/riv"
    assert path[0].fact == ("person/jane-holt", "headOf", "council/nsh", "leader")


def test_a_fact_path_is_preferred_to_a_shorter_co_mention_path(graph) -> None:
    # Jane Holt and the fund are named in one passage (2 hops to Riverton that way),
    # but the 3-hop path over stated facts wins
    found, weak = graph.shortest_paths("person/jane-holt", "council/riv")
    assert not weak and len(found[0]) == 3


def test_hops_and_limit_cap_the_answer(graph) -> None:
    assert graph.shortest_paths("person/jane-holt", "council/riv", max_hops=1) == ([], False)
    # within two hops only co-mentions join them, so those are the answer
    found, weak = graph.shortest_paths("person/jane-holt", "council/riv", max_hops=2)
    assert weak and found and all(len(p) <= 2 for p in found)
    found, _ = graph.shortest_paths("person/sam-okoro", "council/nsh", max_hops=6, limit=10)
    assert [len(p) for p in found] == sorted(len(p) for p in found)
    assert len(found[0]) == 4  # Okoro - NCA - Riverton - fund - Northshire
    found, _ = graph.shortest_paths("person/sam-okoro", "council/nsh", max_hops=6, limit=1)
    assert len(found) == 1


def test_co_mentions_are_used_only_when_no_fact_path_exists(graph) -> None:
    found, weak = graph.shortest_paths("person/pat-lee", "person/sam-okoro")
    assert weak
    assert steps(found[0]) == [("person/pat-lee", "person/sam-okoro", None)]
    # paths of the same length prefer facts: fewer co-mention hops come first
    mixed = [p for p in found if len(p) == 3]
    assert mixed and any(h.fact for h in mixed[0])


def test_an_entity_without_any_link_has_no_path(graph) -> None:
    assert graph.shortest_paths("person/jane-holt", "person/nobody") == ([], False)


def test_the_projection_follows_graphs_dropped_and_added(store, graph) -> None:
    assert graph.shortest_paths("person/sam-okoro", "body/local-government-network")[0]
    store.drop_graph(str(graph_iri("association")))
    assert graph.sync(store)
    assert graph.shortest_paths("person/sam-okoro", "body/local-government-network") == (
        [],
        False,
    )
    assert not graph.facts.has_node("person/sam-okoro")
    # the forum's facts are untouched
    assert graph.shortest_paths("person/jane-holt", "council/riv")[0]
    fictional.write(store, ["association"])
    graph.sync(store)
    found, weak = graph.shortest_paths("person/sam-okoro", "body/local-government-network")
    assert not weak
    assert steps(found[0]) == [
        ("person/sam-okoro", "body/northern-councils-association", "holdsPost"),
        (
            "body/northern-councils-association",
            "body/local-government-network",
            "subOrganizationOf",
        ),
    ]


def test_the_projection_equals_a_fresh_build_after_changes(store, graph) -> None:
    store.drop_graph(str(graph_iri("forum")))
    graph.sync(store)
    fictional.write(store, ["forum"])
    graph.sync(store)
    fresh = EntityGraph()
    fresh.sync(store)
    assert sorted(graph.all_facts()) == sorted(fresh.all_facts())
    assert nx.utils.edges_equal(graph.links.edges, fresh.links.edges)


def test_graphml_loads_in_networkx_with_types_labels_predicates_and_evidence(store, graph) -> None:
    names = EntityIndex()
    names.sync(store)
    chunks = list(write_graphml(graph.all_facts(), names, chunk=512))
    assert len(chunks) > 1  # streamed in pieces
    loaded = nx.read_graphml(io.BytesIO(b"".join(chunks)))
    assert loaded.is_directed()
    assert loaded.nodes["council/nsh"]["type"] == "council"
    assert loaded.nodes["council/nsh"]["label"] == "Northshire County Council"
    assert loaded.nodes["council/nsh"]["gss"] == "E10000099"
    assert loaded.nodes["person/pat-lee"]["type"] == "person"  # named, with no facts
    edges = {(u, v, d["predicate"]): d for u, v, d in loaded.edges(data=True)}
    lead = edges[("council/nsh", "theme/affordable-warmth", "leads")]
    assert lead["evidence"] == 1
    assert edges[("person/jane-holt", "council/nsh", "headOf")]["role"] == "leader"
    assert edges[("council/eas", "programme/clean-streets-ratings", "rated")]["rating"] == "good"
    assert len(edges) == graph.fact_count()
