"""Paths through who set a programme up and what it works on, on a document of our own:
a person reaches a council through their body, the forum it set up and the theme it leads."""

from __future__ import annotations

import pytest

from tests.conftest import FIXTURES

pytestmark = pytest.mark.integration

DOCUMENT = FIXTURES / "f09_wales_digital_forum_news.txt"


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory):
    from api.service import CivicGraph
    from api.settings import Settings

    store = tmp_path_factory.mktemp("programme-paths") / "store"
    service = CivicGraph.open(Settings(store=store, model="hash"), write=True)
    report = service.ingest([DOCUMENT])
    assert report.ok, report.failed
    yield service
    service.close()


def test_person_reaches_council_through_body_programme_and_theme(service) -> None:
    answer = service.paths("Ceri Rowlands", "Cardiff Council", max_hops=4, limit=5)
    assert not answer.co_mention
    best = answer.paths[0]
    assert [n.label for n in best.nodes] == [
        "Ceri Rowlands",
        "Welsh Local Government Association",
        "Digital Services Forum",
        "online payments",
        "City of Cardiff Council",
    ]
    assert [(e.predicate, e.direction) for e in best.edges] == [
        ("holdsPost", "forward"),
        ("createdBy", "backward"),
        ("hasTheme", "forward"),
        ("leads", "backward"),
    ]
    assert all(e.kind == "fact" and e.evidence for e in best.edges)
    assert "has set up the Digital Services Forum" in best.edges[1].evidence[0].quote


def test_programme_card_lists_its_creator_and_themes(service) -> None:
    card = service.entity("Smart Towns Programme")
    outgoing = {(r.predicate, r.object.label) for r in card.outgoing}
    assert ("createdBy", "Welsh Government") in outgoing
    assert {o for p, o in outgoing if p == "hasTheme"} == {
        "free public wifi",
        "footfall counting",
        "online marketplaces for independent shops",
    }


def test_relations_filter_by_the_new_predicates(service) -> None:
    created = service.relations(predicate="createdBy", limit=50)
    assert {(r.subject.label, r.object.label) for r in created} == {
        ("Digital Services Forum", "Welsh Local Government Association"),
        ("Smart Towns Programme", "Welsh Government"),
        ("Digital Champions Scheme", "Monmouthshire County Council"),
    }
    assert all(r.evidence for r in created)
