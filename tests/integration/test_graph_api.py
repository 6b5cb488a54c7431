"""The graph's questions through a real server over a fictional corpus, asked by unmodified
clients: httpx for JSON, SPARQLWrapper and rdflib's SPARQLStore for SPARQL, and the command
line in a second process."""

from __future__ import annotations

import io
import json
import os
import subprocess
from pathlib import Path
from urllib.parse import quote

import httpx
import networkx as nx
import pytest

from graph.store import OxigraphStore
from tests import fictional
from tests.conftest import CLI, ROOT, Server

pytestmark = pytest.mark.integration

HASH_MODEL = {"CIVICGRAPH_MODEL": "hash"}


@pytest.fixture(scope="module")
def graph_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store folder holding the fictional corpus, built straight from its extraction."""
    folder = tmp_path_factory.mktemp("fictional") / "store"
    store = OxigraphStore(folder / "graph")
    fictional.write(store)
    store.close()
    return folder


@pytest.fixture(scope="module")
def graph_server(graph_store: Path):
    srv = Server(graph_store, env=HASH_MODEL)
    yield srv
    srv.stop()


def get(server: Server, path: str, **params) -> httpx.Response:
    return httpx.get(f"{server.url}{path}", params=params, timeout=30)


def cli(store: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*CLI, *args, "--store", str(store)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
        env={**os.environ, **HASH_MODEL},
    )


def test_leads_answer_in_the_documented_shape(graph_server: Server) -> None:
    response = get(graph_server, "/leads")
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"leads"}
    assert [(x["leader"]["id"], x["led"]["id"]) for x in body["leads"]] == [
        ("council/nsh", "theme/affordable-warmth"),
        ("council/nsh", "programme/warm-homes-fund"),
        ("council/riv", "theme/youth-employment"),
    ]
    lead = body["leads"][0]
    assert set(lead) == {"leader", "led", "evidence"}
    assert {"id", "label", "type", "gss"} <= set(lead["leader"])
    assert lead["leader"] == {
        "id": "council/nsh",
        "iri": "https://w3id.org/civicgraph/id/council/nsh",
        "label": "Northshire County Council",
        "type": "council",
        "gss": "E10000099",
    }
    assert {"id", "label", "type"} <= set(lead["led"])
    [evidence] = lead["evidence"]
    assert {"passage", "document", "quote"} <= set(evidence)
    assert evidence["document"] == "forum"
    assert "lead authority for the affordable warmth theme" in evidence["quote"]


def test_leads_filter_by_theme_and_council_names(graph_server: Server) -> None:
    body = get(graph_server, "/leads", theme="youth employment").json()
    assert [x["leader"]["label"] for x in body["leads"]] == ["Riverton Council"]
    body = get(graph_server, "/leads", council="NORTHSHIRE").json()
    assert {x["led"]["id"] for x in body["leads"]} == {
        "theme/affordable-warmth",
        "programme/warm-homes-fund",
    }


def test_an_ambiguous_name_answers_409_with_the_candidates(graph_server: Server) -> None:
    response = get(graph_server, "/entities/Chris Evans")
    assert response.status_code == 409
    error = response.json()["error"]
    assert error["code"] == "ambiguous"
    assert error["candidates"] == [
        {"id": "person/chris-evans", "label": "Chris Evans", "type": "person"},
        {"id": "person/chris-evans-2", "label": "Chris Evans", "type": "person"},
    ]
    assert get(graph_server, "/paths", source="Chris Evans", target="Riverton").status_code == 409


def test_an_unknown_name_answers_404_with_the_nearest_names(graph_server: Server) -> None:
    response = get(graph_server, "/entities/Rivertown")
    assert response.status_code == 404
    error = response.json()["error"]
    assert error["code"] == "not_found"
    assert error["nearest"][0] == {
        "id": "council/riv",
        "label": "Riverton Council",
        "type": "council",
    }
    assert get(graph_server, "/leads", council="Atlantis").status_code == 404


def test_entities_are_found_fuzzily_best_first(graph_server: Server) -> None:
    body = get(graph_server, "/entities", q="northshre county").json()
    assert body["query"] == "northshre county"
    assert body["entities"][0]["id"] == "council/nsh"
    assert {"id", "iri", "label", "type", "gss", "aliases", "score", "matched"} <= set(
        body["entities"][0]
    )
    body = get(graph_server, "/entities", q="nca", type="body").json()
    assert body["entities"][0]["label"] == "Northern Councils Association"
    listed = get(graph_server, "/entities", type="theme").json()["entities"]
    assert [e["label"] for e in listed] == ["affordable warmth", "youth employment"]
    assert get(graph_server, "/entities", type="planet").status_code == 422


def test_the_entity_card_by_id_name_or_iri(graph_server: Server) -> None:
    card = get(graph_server, "/entities/council/riv").json()
    assert card["id"] == "council/riv"
    assert card["type"] == "council"
    assert card["types"] == ["cg:Council", "org:FormalOrganization"]
    assert card["aliases"] == ["Riverton"]
    assert card["identifiers"]["gss"] == "E07000999"
    assert card["identifiers"]["statistical_geography"].endswith("/E07000999")
    assert {(r["predicate"], r["object"]["id"]) for r in card["outgoing"]} == {
        ("leads", "theme/youth-employment"),
        ("memberOf", "body/northern-councils-association"),
        ("participatesIn", "programme/warm-homes-fund"),
    }
    assert all(r["evidence"][0]["quote"] for r in card["outgoing"])
    assert {d["document"] for d in card["documents"]} == {"forum", "association", "ratings"}
    assert get(graph_server, "/entities/riverton").json() == card
    iri = quote("https://w3id.org/civicgraph/id/council/riv", safe="")
    assert get(graph_server, f"/entities/{iri}").json() == card


def test_relations_with_any_argument_named_any_way(graph_server: Server) -> None:
    body = get(graph_server, "/relations", object="Warm Homes Fund").json()
    assert {(r["subject"]["id"], r["predicate"]) for r in body["relations"]} == {
        ("council/nsh", "leads"),
        ("council/riv", "participatesIn"),
        ("council/eas", "participatesIn"),
    }
    body = get(graph_server, "/relations", subject="Jane Holt", predicate="headOf").json()
    [relation] = body["relations"]
    assert relation["role"] == "leader"
    assert relation["evidence"][0]["quote"] == "Jane Holt, leader of Northshire County Council"
    assert get(graph_server, "/relations", predicate="likes").status_code == 422


def test_paths_carry_predicate_direction_and_evidence(graph_server: Server) -> None:
    body = get(graph_server, "/paths", source="Jane Holt", target="council/riv").json()
    assert body["source"]["id"] == "person/jane-holt"
    assert body["target"]["id"] == "council/riv"
    assert body["max_hops"] == 4
    assert body["co_mention"] is False
    [path] = body["paths"]
    assert path["hops"] == 3
    assert [n["label"] for n in path["nodes"]] == [
        "Jane Holt",
        "Northshire County Council",
        "Warm Homes Fund",
        "Riverton Council",
    ]
    assert [(e["predicate"], e["direction"], e["kind"]) for e in path["edges"]] == [
        ("headOf", "forward", "fact"),
        ("leads", "forward", "fact"),
        ("participatesIn", "backward", "fact"),
    ]
    assert all(e["evidence"][0]["quote"] for e in path["edges"])


def test_paths_fall_back_to_labelled_co_mentions(graph_server: Server) -> None:
    body = get(graph_server, "/paths", source="Pat Lee", target="Sam Okoro", limit=2).json()
    assert body["co_mention"] is True
    edge = body["paths"][0]["edges"][0]
    assert (edge["predicate"], edge["kind"], edge["direction"]) == (
        "coMentioned",
        "co-mention",
        "none",
    )
    assert "Pat Lee" in edge["evidence"][0]["quote"]
    assert len(body["paths"]) <= 2


def test_paths_check_their_parameters(graph_server: Server) -> None:
    assert get(graph_server, "/paths", source="Jane Holt").status_code == 422
    bad = get(graph_server, "/paths", source="Jane Holt", target="Riverton", max_hops=0)
    assert bad.status_code == 422 and bad.json()["error"]["code"] == "bad_parameter"
    same = get(graph_server, "/paths", source="Jane Holt", target="person/jane-holt")
    assert same.status_code == 422
    far = get(graph_server, "/paths", source="Jane Holt", target="Riverton", max_hops=1).json()
    assert far["paths"] == []


def test_graphml_export_streams_a_graph_networkx_reads(graph_server: Server) -> None:
    with httpx.stream("GET", f"{graph_server.url}/export", params={"format": "graphml"}) as r:
        assert r.status_code == 200
        assert r.headers["content-type"].startswith("application/graphml+xml")
        assert r.headers.get("transfer-encoding") == "chunked"
        data = b"".join(r.iter_bytes())
    loaded = nx.read_graphml(io.BytesIO(data))
    assert loaded.nodes["council/riv"] == {
        "label": "Riverton Council",
        "type": "council",
        "iri": "https://w3id.org/civicgraph/id/council/riv",
        "gss": "E07000999",
    }
    edge = next(
        d
        for u, v, d in loaded.edges(data=True)
        if (u, v) == ("council/nsh", "theme/affordable-warmth")
    )
    assert edge == {"predicate": "leads", "evidence": 1}


LEADS_SPARQL = """
PREFIX cg: <https://w3id.org/civicgraph/ns#>
PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX prov: <http://www.w3.org/ns/prov#>
SELECT DISTINCT ?leaderLabel ?ledLabel ?quote WHERE {
  ?claim rdf:predicate cg:leads ; rdf:subject ?leader ; rdf:object ?led ;
         cg:quote ?quote ; prov:wasDerivedFrom ?passage .
  ?leader skos:prefLabel ?leaderLabel . ?led skos:prefLabel ?ledLabel .
} ORDER BY ?leaderLabel ?ledLabel
"""


def test_rdflib_sparqlstore_queries_the_leads_as_a_remote_store(graph_server: Server) -> None:
    from rdflib import Graph
    from rdflib.plugins.stores.sparqlstore import SPARQLStore

    remote = Graph(store=SPARQLStore(f"{graph_server.url}/sparql"))
    rows = [(str(a), str(b), str(q)) for a, b, q in remote.query(LEADS_SPARQL)]
    assert [(a, b) for a, b, _ in rows] == [
        ("Northshire County Council", "Warm Homes Fund"),
        ("Northshire County Council", "affordable warmth"),
        ("Riverton Council", "youth employment"),
    ]
    assert rows[2][2] == "Riverton Council is leading on youth employment"


def test_sparqlwrapper_queries_the_leads(graph_server: Server) -> None:
    from SPARQLWrapper import JSON, SPARQLWrapper

    client = SPARQLWrapper(f"{graph_server.url}/sparql")
    client.setQuery(LEADS_SPARQL)
    client.setReturnFormat(JSON)
    bindings = client.query().convert()["results"]["bindings"]
    assert len(bindings) == 3
    assert bindings[0]["leaderLabel"]["value"] == "Northshire County Council"


@pytest.mark.parametrize(
    ("args", "path", "params"),
    [
        (["leads"], "/leads", {}),
        (["leads", "--theme", "youth employment"], "/leads", {"theme": "youth employment"}),
        (["entity", "Riverton"], "/entities/Riverton", {}),
        (
            ["path", "Jane Holt", "Riverton Council", "--max-hops", "3"],
            "/paths",
            {"source": "Jane Holt", "target": "Riverton Council", "max_hops": 3},
        ),
    ],
)
def test_cli_json_is_the_http_body(
    graph_server: Server, graph_store: Path, args: list[str], path: str, params: dict
) -> None:
    result = cli(graph_store, *args, "--json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == get(graph_server, path, **params).json()


def test_cli_reads_like_text(graph_server: Server, graph_store: Path) -> None:
    leads = cli(graph_store, "leads")
    assert "Northshire County Council (council/nsh, E10000099) leads affordable warmth" in (
        leads.stdout
    )
    assert "“Northshire County Council is the lead authority" in leads.stdout
    card = cli(graph_store, "entity", "council/riv").stdout
    assert "Riverton Council  [council/riv]" in card
    assert "gss: E07000999" in card
    assert "→ memberOf Northern Councils Association" in card
    path = cli(graph_store, "path", "Jane Holt", "Riverton").stdout
    assert "Path 1 (3 hops)" in path
    assert "Warm Homes Fund ←participatesIn— Riverton Council" in path


def test_cli_errors_name_the_candidates(graph_server: Server, graph_store: Path) -> None:
    result = cli(graph_store, "entity", "Chris Evans")
    assert result.returncode == 1
    assert "Error: 'Chris Evans' names 2 entities" in result.stderr
    assert "(person/chris-evans-2)" in result.stderr
    result = cli(graph_store, "entity", "Chris Evans", "--json")
    assert json.loads(result.stdout)["error"]["status"] == 409


def test_openapi_documents_the_graph_endpoints(graph_server: Server) -> None:
    spec = get(graph_server, "/openapi.json").json()
    assert {"/leads", "/entities", "/entities/{key}", "/relations", "/paths"} <= set(spec["paths"])
    leads = spec["paths"]["/leads"]["get"]["responses"]
    assert leads["200"]["content"]["application/json"]["schema"]["$ref"].endswith("/LeadsOut")
    assert "409" in spec["paths"]["/paths"]["get"]["responses"]
    schemas = spec["components"]["schemas"]
    assert {"LeadsOut", "EntityCardOut", "EntitiesOut", "RelationsOut", "PathsOut"} <= set(schemas)
