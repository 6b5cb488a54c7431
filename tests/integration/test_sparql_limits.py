"""The largest query each bound lets through does not crash the engine: it answers, or it is
stopped at its time limit, but its worker never dies."""

from __future__ import annotations

import contextlib

import pytest

from graph.errors import QueryTimeout
from graph.sparql import MAX_DEPTH, MAX_OPERATORS, MAX_TRIPLE_PATTERNS, prepare_query
from graph.sparql_pool import SparqlPool
from graph.sparql_protocol import negotiate
from graph.store import OxigraphStore
from tests import fictional

pytestmark = pytest.mark.integration

P = "<http://example.org/p>"
LEVELS = MAX_DEPTH - 1  # inside the WHERE group


def nested(open_: str, close: str, inner: str, levels: int = LEVELS) -> str:
    return open_ * levels + inner + close * levels


SHAPES = {
    "groups": "SELECT * WHERE " + nested("{ ", " }", "?s ?p ?o", MAX_DEPTH),
    "collections": "SELECT * { ?s ?p " + nested("( ", " )", "?o") + " }",
    "blank nodes": "SELECT * { ?s ?p " + nested(f"[ {P} ", " ]", "?o") + " }",
    "quoted triples": "SELECT * { ?s ?p " + nested("<< ?s ?p ", " >>", "?o") + " }",
    "FILTER EXISTS": "SELECT * { ?s ?p ?o " + nested("FILTER EXISTS { ?s ?p ?o ", "}", "") + " }",
    "calls": "SELECT * { ?s ?p ?o FILTER(" + nested("STR(", ")", "?o", LEVELS - 1) + ") }",
    "path": "SELECT ?o { ?s " + "/".join([P] * (MAX_OPERATORS + 1)) + " ?o }",
    "negations": "SELECT ?o { ?s ?p ?o FILTER(" + "!" * MAX_OPERATORS + "true) }",
    "conjunctions": "SELECT ?o { ?s ?p ?o FILTER(" + " && ".join(["true"] * 257) + ") }",
    "unions": "SELECT ?o { " + " UNION ".join(["{ ?s ?p ?o }"] * (MAX_TRIPLE_PATTERNS - 1)) + " }",
    "patterns": "SELECT * { "
    + " . ".join(f"?s <http://example.org/p{i}> ?o{i}" for i in range(MAX_TRIPLE_PATTERNS))
    + " }",
}


@pytest.fixture(scope="module")
def pool(tmp_path_factory: pytest.TempPathFactory):
    path = tmp_path_factory.mktemp("limits") / "graph"
    store = OxigraphStore(path)
    fictional.write(store, ["forum"])
    store.close()
    opened = SparqlPool(path, timeout_s=10.0)
    yield opened
    opened.close()


@pytest.mark.parametrize("shape", SHAPES)
def test_the_largest_query_allowed_does_not_crash_the_engine(pool: SparqlPool, shape: str) -> None:
    prepared = prepare_query(SHAPES[shape])  # just inside every bound
    # stopped at its limit is an answer too: that worker was killed on purpose; one that the
    # query kills would be answered QueryAborted, and fail the test
    with contextlib.suppress(QueryTimeout):
        pool.run(prepared, negotiate(None, graph=False))
