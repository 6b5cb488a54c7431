"""A real uvicorn server on loopback, queried by httpx and by SPARQLWrapper."""

from __future__ import annotations

import json
import re
import subprocess

import httpx
import pytest
import rdflib

from tests.conftest import CLI, ROOT, Server

pytestmark = pytest.mark.integration


def test_search_answers_with_passages_and_their_documents(server: Server) -> None:
    body = httpx.get(
        f"{server.url}/search", params={"q": "older people in hospital", "k": 3}
    ).json()
    assert body["query"] == "older people in hospital"
    assert len(body["results"]) == 3
    hit = body["results"][0]
    assert set(hit) >= {
        "passage",
        "document",
        "source",
        "title",
        "date",
        "text",
        "start",
        "end",
        "score",
        "entities",
    }
    assert hit["source"].endswith(".txt")
    assert "hospital" in hit["text"]


def test_search_filters_by_document(server: Server) -> None:
    docs = httpx.get(f"{server.url}/documents").json()["documents"]
    key = docs[-1]["key"]
    body = httpx.get(f"{server.url}/search", params={"q": "council", "document": key}).json()
    assert body["results"] and {r["document"] for r in body["results"]} == {key}


def test_documents_and_one_document_with_its_passages(server: Server) -> None:
    docs = httpx.get(f"{server.url}/documents").json()["documents"]
    assert len(docs) == 5
    assert {"key", "source", "title", "date", "passages"} <= set(docs[0])
    detail = httpx.get(f"{server.url}/documents/{docs[0]['key']}").json()
    assert len(detail["passages"]) == docs[0]["passages"]
    starts = [p["start"] for p in detail["passages"]]
    assert starts == sorted(starts)


def test_errors_are_json_with_the_right_status(server: Server) -> None:
    missing = httpx.get(f"{server.url}/documents/no-such-document")
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "not_found"
    bad = httpx.get(f"{server.url}/search", params={"q": "x", "k": 0})
    assert bad.status_code == 422 and bad.json()["error"]["status"] == 422
    syntax = httpx.get(f"{server.url}/sparql", params={"query": "SELECT ?x WHERE { ?x }"})
    assert syntax.status_code == 400
    assert "SPARQL syntax error" in syntax.json()["error"]["message"]
    update = httpx.post(f"{server.url}/sparql", data={"query": "INSERT DATA { <a:b> <a:c> 1 }"})
    assert update.status_code == 400 and "read-only" in update.json()["error"]["message"]
    update = httpx.post(f"{server.url}/sparql", data={"update": "DROP ALL"})
    assert update.status_code == 400


@pytest.mark.parametrize(
    ("accept", "media", "check"),
    [
        (
            "application/sparql-results+json",
            "application/sparql-results+json",
            lambda t: json.loads(t)["results"]["bindings"],
        ),
        (
            "application/sparql-results+xml",
            "application/sparql-results+xml",
            lambda t: "<sparql" in t,
        ),
        ("text/csv", "text/csv", lambda t: t.startswith("title")),
        ("text/tab-separated-values", "text/tab-separated-values", lambda t: "?title" in t),
    ],
)
def test_sparql_select_by_content_negotiation(server: Server, accept, media, check) -> None:
    query = "SELECT ?title WHERE { ?d a foaf:Document ; dcterms:title ?title }"
    response = httpx.get(
        f"{server.url}/sparql", params={"query": query}, headers={"Accept": accept}
    )
    assert response.status_code == 200
    assert response.headers["content-type"].startswith(media)
    assert check(response.text)


def test_sparql_construct_as_turtle_and_ntriples(server: Server) -> None:
    query = "CONSTRUCT { ?d dcterms:title ?t } WHERE { ?d dcterms:title ?t }"
    for accept, fmt in (("text/turtle", "turtle"), ("application/n-triples", "nt")):
        response = httpx.post(
            f"{server.url}/sparql", data={"query": query}, headers={"Accept": accept}
        )
        graph = rdflib.Graph().parse(data=response.text, format=fmt)
        assert len(graph) == 5


def test_sparqlwrapper_as_an_unmodified_client(server: Server) -> None:
    from SPARQLWrapper import JSON, POST, XML, SPARQLWrapper

    client = SPARQLWrapper(f"{server.url}/sparql")
    client.setQuery("""PREFIX cg: <https://w3id.org/civicgraph/ns#>
        SELECT (COUNT(?p) AS ?n) WHERE { ?p a cg:Passage }""")
    client.setReturnFormat(JSON)
    rows = client.query().convert()["results"]["bindings"]
    assert int(rows[0]["n"]["value"]) > 50
    client.setQuery("ASK { ?d a <http://xmlns.com/foaf/0.1/Document> }")
    assert client.query().convert()["boolean"] is True
    client.setMethod(POST)
    client.setReturnFormat(XML)
    client.setQuery("""CONSTRUCT { ?d <http://purl.org/dc/terms/title> ?t }
        WHERE { ?d <http://purl.org/dc/terms/title> ?t }""")
    graph = client.query().convert()
    assert len(graph) == 5


@pytest.mark.parametrize(
    ("fmt", "parser"), [("turtle", "turtle"), ("nquads", "nquads"), ("jsonld", "json-ld")]
)
def test_export_streams_a_parseable_graph(server: Server, fmt: str, parser: str) -> None:
    with httpx.stream("GET", f"{server.url}/export", params={"format": fmt}) as response:
        assert response.status_code == 200
        assert response.headers.get("transfer-encoding") == "chunked"
        data = b"".join(response.iter_bytes())
    dataset = rdflib.Dataset()
    dataset.parse(data=data, format=parser)
    assert sum(len(g) for g in dataset.graphs()) > 500


def test_health_reports_store_index_and_model(server: Server) -> None:
    body = httpx.get(f"{server.url}/health").json()
    assert body["status"] == "ok"
    assert body["store"]["documents"] == 5
    assert body["index"]["vectors"] == body["store"]["passages"]
    assert body["model"]["loaded"] is True


def test_openapi_and_docs(server: Server) -> None:
    spec = httpx.get(f"{server.url}/openapi.json").json()
    assert {"/search", "/sparql", "/documents", "/documents/{key}", "/export", "/health"} <= set(
        spec["paths"]
    )
    docs = httpx.get(f"{server.url}/docs")
    assert docs.status_code == 200
    # Swagger UI's files come from this server, not a CDN
    assets = re.findall(r'(?:src|href)="([^"]+)"', docs.text)
    assert len(assets) >= 3 and all(url.startswith("/docs-assets/") for url in assets), assets
    for url in assets:
        assert httpx.get(f"{server.url}{url}").status_code == 200, url
    assert "https://" not in docs.text


def test_a_second_process_can_query_while_the_server_runs(server: Server, seeded_store) -> None:
    result = subprocess.run(
        [
            *CLI,
            "sparql",
            "--store",
            str(seeded_store),
            "--json",
            "SELECT (COUNT(?d) AS ?n) WHERE { ?d a foaf:Document }",
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["results"]["bindings"][0]["n"]["value"] == "5"


def test_cli_search_json_equals_the_http_body(server: Server, seeded_store) -> None:
    result = subprocess.run(
        [*CLI, "search", "--store", str(seeded_store), "--json", "community safety", "-k", "4"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    body = httpx.get(f"{server.url}/search", params={"q": "community safety", "k": 4}).json()
    assert json.loads(result.stdout) == body
