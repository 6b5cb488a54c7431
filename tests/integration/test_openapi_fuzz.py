"""schemathesis over the OpenAPI document: generated requests, valid and invalid, to every route
of the app (in-process, over a store on disk, SPARQL in its worker processes) find no server
error, no status the document does not list, and no answer that breaks its schema."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.python import asgi
from schemathesis.specs.openapi.checks import positive_data_acceptance

from api.app import create_app
from api.settings import Settings
from graph.store import OxigraphStore
from tests import fictional

pytestmark = pytest.mark.integration

# Generated requests for each route and method, valid and invalid ones together.
CASES_PER_ROUTE = 200

ROUTES = sorted(
    (path, method.upper())
    for path, item in create_app(Settings(store=Path("unused"), model="hash"))
    .openapi()["paths"]
    .items()
    for method in item
)


@pytest.fixture(scope="module")
def api_schema(tmp_path_factory: pytest.TempPathFactory) -> Iterator[schemathesis.BaseSchema]:
    folder = tmp_path_factory.mktemp("fuzz") / "store"
    store = OxigraphStore(folder / "graph")
    fictional.write(store)
    store.close()
    config = Settings(store=folder, model="hash", api_keys=["fuzz-key"], query_timeout_s=5)
    yield schemathesis.openapi.from_asgi("/openapi.json", create_app(config))
    asgi.shutdown_lifespans()  # closes the service, and with it the SPARQL workers


@pytest.mark.parametrize(("path", "method"), ROUTES, ids=[f"{m} {p}" for p, m in ROUTES])
def test_every_route_answers_as_its_openapi_says(
    api_schema: schemathesis.BaseSchema, path: str, method: str
) -> None:
    operation = api_schema[path][method]
    cases = st.one_of(
        operation.as_strategy(generation_mode=GenerationMode.POSITIVE),
        operation.as_strategy(generation_mode=GenerationMode.NEGATIVE),
    )
    ran = []

    @given(case=cases)
    @settings(
        max_examples=CASES_PER_ROUTE,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def check(case: schemathesis.Case) -> None:
        ran.append(case)
        # a string schema cannot say what SPARQL is: a query of any string may be refused
        excluded = [positive_data_acceptance] if path == "/sparql" else []
        case.call_and_validate(excluded_checks=excluded)

    check()
    print(f"{method} {path}: {len(ran)} cases")
    assert ran


def test_every_error_status_is_documented_in_the_one_error_shape() -> None:
    spec = create_app(Settings(store=Path("unused"), model="hash")).openapi()
    assert {("/search", "GET"), ("/sparql", "GET"), ("/sparql", "POST")} <= set(ROUTES)
    for path, method in ROUTES:
        responses = spec["paths"][path][method.lower()]["responses"]
        assert "414" in responses, (path, method)
        for status, response in responses.items():
            if status.startswith(("4", "5")):
                ref = response["content"]["application/json"]["schema"]["$ref"]
                assert ref.endswith("ErrorOut"), (path, method, status)
