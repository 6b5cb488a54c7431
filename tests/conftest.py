"""Shared fixtures: stores on the real model and the real Oxigraph store, and a live server."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from graph.children import die_with_parent
from tests.servers import OxigraphServer, PostgresServer, VirtuosoServer, free_port

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
FIXTURES = ROOT / "tests" / "fixtures"
GOLD = ROOT / "tests" / "gold"
# documents of the genre written by others, with gold: the development set (never shipped)
DEVCORPUS = ROOT.parent / "shared" / "devcorpus"
CLI = [sys.executable, "-m", "api.cli"]
# Children started by tests end with the test process, however it ends (`kill -9` included):
# pass as `preexec_fn`.
DIES_WITH_US = die_with_parent

os.environ.setdefault("HF_HUB_OFFLINE", "1")


def run_cli(
    *args: str, env: dict[str, str] | None = None, timeout: int = 600
) -> subprocess.CompletedProcess[str]:
    """`civicgraph ARGS` run from the repository root, ending with the test process."""
    return subprocess.run(
        [*CLI, *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=timeout,
        env=env,
        preexec_fn=DIES_WITH_US,
    )


@pytest.fixture(scope="session")
def seeded_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store with the seeds ingested by the real command, real model and real store."""
    store = tmp_path_factory.mktemp("seeded") / "store"
    result = subprocess.run(
        [*CLI, "ingest", "--store", str(store), str(SEEDS)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=900,
        preexec_fn=DIES_WITH_US,
    )
    assert result.returncode == 0, result.stderr
    return store


@pytest.fixture(scope="session")
def seeded_service(seeded_store: Path, tmp_path_factory: pytest.TempPathFactory):
    """A CivicGraph over a copy of the seeded store (copied so servers can open the original)."""
    from api.service import CivicGraph
    from api.settings import Settings

    copy = tmp_path_factory.mktemp("service") / "store"
    shutil.copytree(seeded_store, copy)
    service = CivicGraph.open(Settings(store=copy))
    yield service
    service.close()


class Server:
    """A `civicgraph serve` subprocess on loopback."""

    def __init__(self, store: Path, env: dict[str, str] | None = None) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process = subprocess.Popen(
            [*CLI, "serve", "--store", str(store), "--host", "127.0.0.1", "--port", str(self.port)],
            cwd=ROOT,
            env={**os.environ, **(env or {})},
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            preexec_fn=DIES_WITH_US,
        )
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited: {self.process.stdout.read()}")
            try:
                if httpx.get(f"{self.url}/health", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.3)
        self.stop()
        raise RuntimeError("server did not answer within 120 s")

    def stop(self) -> None:
        """Stop the server and wait for it."""
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()


@pytest.fixture(scope="session")
def server(seeded_store: Path) -> Iterator[Server]:
    """A real uvicorn server over the seeded store, with an API key for writes."""
    srv = Server(seeded_store, env={"CIVICGRAPH_API_KEYS": '["test-key"]'})
    yield srv
    srv.stop()


# -- engines beyond one machine, for the backend contract tests ---------------------------------


@pytest.fixture(scope="session")
def oxigraph_server() -> Iterator[OxigraphServer]:
    """Oxigraph server on loopback, for the remote SPARQL store."""
    server = OxigraphServer()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """PostgreSQL with pgvector on loopback."""
    server = PostgresServer()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def virtuoso_server() -> Iterator[VirtuosoServer]:
    """Virtuoso on loopback, a second SPARQL 1.1 store with a dialect of its own."""
    server = VirtuosoServer()
    yield server
    server.stop()


# The backends every contract and graph-answer suite runs on: the embedded default, and the
# engines beyond one machine (a SPARQL 1.1 store, PostgreSQL), which need their servers; the
# graph in Virtuoso is tested with the embedded vector and keyword indexes.
BACKENDS = [
    pytest.param("embedded", id="embedded"),
    pytest.param("remote", id="sparql+postgres", marks=pytest.mark.integration),
    pytest.param("virtuoso", id="virtuoso", marks=pytest.mark.integration),
]


@pytest.fixture(params=BACKENDS)
def backend_settings(request: pytest.FixtureRequest) -> dict[str, str]:
    """The settings that choose a backend: none for the embedded one; for the remote one, an
    emptied SPARQL store and a new PostgreSQL database."""
    if request.param == "embedded":
        return {}
    if request.param == "virtuoso":
        virtuoso = request.getfixturevalue("virtuoso_server")
        virtuoso.clear()
        return {
            "store_backend": "sparql",
            "sparql_endpoint": virtuoso.query_endpoint,
            "sparql_update_endpoint": virtuoso.update_endpoint,
        }
    oxigraph = request.getfixturevalue("oxigraph_server")
    postgres = request.getfixturevalue("postgres_server")
    oxigraph.clear()
    return {
        "store_backend": "sparql",
        "sparql_endpoint": oxigraph.query_endpoint,
        "sparql_update_endpoint": oxigraph.update_endpoint,
        "vector_backend": "pgvector",
        "keyword_backend": "postgres",
        "postgres_url": postgres.database(f"t{uuid.uuid4().hex}"),
    }
