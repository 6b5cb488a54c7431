"""The graph's questions on the seed corpus (through the real server over the seeded store)
and on a board paper written for testing, as the real ingest and extraction build them.

These need the extraction stage: on a store ingested without it there are no entities or
claims, and they fail. They check what issue 4 promises on the seeds: the innovation forum's
four lead councils with their quotes, Kent's card with its codes, and Phil Swann reaching
Sunderland Council within four hops; and the same leads question on another document.
"""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import httpx
import pytest

from tests.conftest import CLI, FIXTURES, ROOT, Server

pytestmark = pytest.mark.integration

FORUM_LEADS = {
    "Kent County Council": "care of older people",
    "London Borough of Camden": "community safety",
    "Blackburn with Darwen Borough Council": "school improvement",
    "Sunderland City Council": "public service integration",
}
GSS = {
    "Kent County Council": "E10000016",
    "London Borough of Camden": "E09000007",
    "Blackburn with Darwen Borough Council": "E06000008",
    "Sunderland City Council": "E08000024",
}


def collapse(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def document_text(server: Server, key: str) -> str:
    passages = httpx.get(f"{server.url}/documents/{key}").json()["passages"]
    return collapse(" ".join(p["text"] for p in passages))


def test_seed_leads_name_the_forums_four_lead_councils_with_quotes(server: Server) -> None:
    leads = httpx.get(f"{server.url}/leads").json()["leads"]
    found = {(x["leader"]["label"], x["led"]["label"].casefold()) for x in leads}
    for council, theme in FORUM_LEADS.items():
        assert any(c == council and theme in led for c, led in found), (council, theme, found)
    for lead in leads:
        if lead["leader"]["label"] in GSS:
            assert lead["leader"]["gss"] == GSS[lead["leader"]["label"]]
            assert lead["leader"]["type"] == "council"
        assert lead["leader"]["type"] in ("council", "body")
        assert lead["led"]["type"] in ("theme", "programme")
        assert lead["evidence"], lead
        for evidence in lead["evidence"]:
            # every quote is the document's own words
            assert collapse(evidence["quote"]) in document_text(server, evidence["document"])


def test_seed_kent_leads_care_of_older_people(server: Server) -> None:
    body = httpx.get(f"{server.url}/leads", params={"council": "Kent"}).json()
    [lead] = [x for x in body["leads"] if "older people" in x["led"]["label"].casefold()]
    assert lead["leader"]["gss"] == "E10000016"
    assert any("Kent" in e["quote"] for e in lead["evidence"])
    by_theme = httpx.get(f"{server.url}/leads", params={"theme": lead["led"]["id"]}).json()
    assert [x["leader"]["label"] for x in by_theme["leads"]] == ["Kent County Council"]


def test_seed_kent_card_has_its_codes_relations_and_documents(server: Server) -> None:
    card = httpx.get(f"{server.url}/entities/Kent County Council").json()
    assert card["type"] == "council"
    assert card["identifiers"]["gss"] == "E10000016"
    assert (
        card["identifiers"]["statistical_geography"]
        == "http://statistics.data.gov.uk/id/statistical-geography/E10000016"
    )
    assert any(
        r["predicate"] == "leads" and "older people" in r["object"]["label"]
        for r in card["outgoing"]
    )
    assert any(r["predicate"] in ("headOf", "holdsPost") for r in card["incoming"])
    assert card["documents"]
    assert httpx.get(f"{server.url}/entities/kent").json()["id"] == card["id"]


def test_seed_phil_swann_reaches_sunderland_within_four_hops(server: Server) -> None:
    params = {"source": "Phil Swann", "target": "Sunderland Council", "max_hops": 4, "limit": 20}
    body = httpx.get(f"{server.url}/paths", params=params).json()
    assert body["paths"], body
    assert all(p["hops"] <= 4 for p in body["paths"])
    assert body["target"]["label"] == "Sunderland City Council"
    assert body["co_mention"] is False  # a path over stated facts exists
    through = [
        [n["label"] for n in p["nodes"]]
        for p in body["paths"]
        if all(edge["kind"] == "fact" for edge in p["edges"])
    ]
    # Swann holds a post at the LGA, which set up the innovation forum, whose theme of
    # public service integration Sunderland leads
    assert any(
        "Local Government Association" in labels and "innovation forum" in labels
        for labels in through
    ), through
    for path in body["paths"]:
        for edge in path["edges"]:
            assert edge["evidence"], edge
            assert edge["kind"] == ("co-mention" if edge["predicate"] == "coMentioned" else "fact")


def test_seed_names_find_people_by_surname_and_bodies_by_abbreviation(server: Server) -> None:
    found = httpx.get(f"{server.url}/entities", params={"q": "Swann"}).json()["entities"]
    assert found[0]["label"] == "Phil Swann"
    found = httpx.get(f"{server.url}/entities", params={"q": "LGA"}).json()["entities"]
    assert found[0]["label"] == "Local Government Association"
    typo = httpx.get(f"{server.url}/entities", params={"q": "Sunderlnd"}).json()["entities"]
    assert typo[0]["label"] == "Sunderland City Council"


def test_seed_leads_through_rdflib_sparqlstore(server: Server) -> None:
    from rdflib import Graph
    from rdflib.plugins.stores.sparqlstore import SPARQLStore

    remote = Graph(store=SPARQLStore(f"{server.url}/sparql"))
    rows = remote.query("""
        PREFIX cg: <https://w3id.org/civicgraph/ns#>
        PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
        SELECT DISTINCT ?theme WHERE {
          ?council cg:gssCode "E10000016" ; cg:leads ?led . ?led skos:prefLabel ?theme }""")
    assert any("older people" in str(theme).casefold() for (theme,) in rows)


def test_seed_cli_leads_json_is_the_http_body(server: Server, seeded_store: Path) -> None:
    result = subprocess.run(
        [*CLI, "leads", "--store", str(seeded_store), "--json"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == httpx.get(f"{server.url}/leads").json()


def test_fixture_board_paper_leads_name_its_lead_councils(tmp_path: Path) -> None:
    store = tmp_path / "store"
    paper = FIXTURES / "f01_warm_homes_board_paper.txt"
    run = [*CLI, "ingest", "--store", str(store), str(paper)]
    assert subprocess.run(run, capture_output=True, cwd=ROOT, timeout=600).returncode == 0
    result = subprocess.run(
        [*CLI, "leads", "--store", str(store), "--json"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    leads = json.loads(result.stdout)["leads"]
    found = {(x["leader"]["label"], x["led"]["label"].casefold()) for x in leads}
    expected = {
        ("Newcastle City Council", "affordable warmth and healthy ageing programme"),
        ("Northumberland County Council", "affordable warmth and fuel poverty"),
        ("Durham County Council", "falls prevention and safe homes"),
        ("Gateshead Metropolitan Borough Council", "loneliness and social isolation"),
        ("North Tyneside Council", "hospital discharge and home adaptations"),
    }
    assert expected <= found, found
    text = collapse(paper.read_text())
    assert all(collapse(e["quote"]) in text for x in leads for e in x["evidence"])
