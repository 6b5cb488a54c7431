"""GET /ask through a real server over the fictional corpus, and `civicgraph ask` in a second
process: the documented shape, the same body under --json, readable text, errors, OpenAPI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import Server
from tests.integration.test_graph_api import cli, get, graph_server, graph_store

pytestmark = pytest.mark.integration

__all__ = ["graph_server", "graph_store"]  # the fictional store and its server, shared


def test_ask_answers_in_the_documented_shape(graph_server: Server) -> None:
    response = get(graph_server, "/ask", q="Which councils have joined the Warm Homes Fund?")
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"question", "interpretation", "answers", "passages"}
    reading = body["interpretation"]
    assert reading["shape"] == "participants"
    assert reading["predicates"] == ["participatesIn"]
    [link] = reading["entities"]
    assert link["entity"]["id"] == "programme/warm-homes-fund" and link["score"] == 100
    assert {a["entity"]["id"] for a in body["answers"]} == {"council/riv", "council/eas"}
    answer = body["answers"][0]
    assert set(answer) == {"entity", "facts", "path", "description", "evidence"}
    [evidence] = answer["evidence"]
    assert set(evidence) == {"passage", "document", "title", "date", "quote", "start", "end"}
    assert evidence["date"] == "2012-05-01"
    assert body["passages"] and set(body["passages"][0]) >= {"passage", "document", "text"}


def test_ask_takes_a_time_and_says_how_it_read_it(graph_server: Server) -> None:
    body = get(graph_server, "/ask", q="who leads the warm homes fund", as_of="2012-04").json()
    assert body["answers"] == []
    assert body["interpretation"]["time"] == {
        "text": "as of 2012-04",
        "start": None,
        "end": "2012-04-30",
        "at": "2012-04-30",
    }
    body = get(graph_server, "/ask", q="who leads the warm homes fund in 2012").json()
    assert [a["entity"]["id"] for a in body["answers"]] == ["council/nsh"]


def test_ask_refuses_an_empty_question_and_a_bad_date(graph_server: Server) -> None:
    for params in ({"q": ""}, {"q": "who leads Riverton", "as_of": "soon"}, {}):
        response = get(graph_server, "/ask", **params)
        assert response.status_code == 422
        assert response.json()["error"]["code"] == "bad_parameter"


def test_ask_names_an_unknown_entity_and_still_gives_passages(graph_server: Server) -> None:
    body = get(graph_server, "/ask", q="Who is the leader of Northdale Borough?").json()
    assert body["answers"] == []
    [unknown] = body["interpretation"]["unknown"]
    assert unknown["message"].startswith("no such entity 'Northdale Borough'; nearest: ")
    assert unknown["nearest"][0]["id"] == "council/nsh"
    assert body["passages"]


@pytest.mark.parametrize(
    "question",
    ["Who is the leader of Northshire?", "How is Jane Holt connected to Riverton Council?"],
)
def test_cli_ask_json_is_the_http_body(
    graph_server: Server, graph_store: Path, question: str
) -> None:
    result = cli(graph_store, "ask", question, "--json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == get(graph_server, "/ask", q=question).json()


def test_cli_ask_reads_like_text(graph_server: Server, graph_store: Path) -> None:
    out = cli(graph_store, "ask", "Who is the leader of Northshire?").stdout
    assert "Read as: who holds the post of leader at Northshire County Council" in out
    assert "1. Jane Holt (person/jane-holt) — headOf (leader) Northshire County Council" in out
    assert "“Jane Holt, leader of Northshire County Council”" in out
    assert "2012-05-01" in out and "Passages" in out
    unknown = cli(graph_store, "ask", "who leads the frobnitz quartet")
    assert unknown.returncode == 0
    assert "no such entity 'the frobnitz quartet'" in unknown.stdout


def test_openapi_describes_ask(graph_server: Server) -> None:
    spec = get(graph_server, "/openapi.json").json()
    route = spec["paths"]["/ask"]["get"]
    assert route["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].endswith(
        "/AskOut"
    )
    assert {"422", "503"} <= set(route["responses"])
    assert {p["name"] for p in route["parameters"]} == {"q", "as_of", "k"}
    assert "interpretation" in route["description"]
    schemas = spec["components"]["schemas"]
    assert {"AskOut", "InterpretationOut", "AnswerOut", "DatedEvidenceOut"} <= set(schemas)
