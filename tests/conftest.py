"""Shared fixtures: stores on the real model and the real Oxigraph store, and a live server."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from graph.children import die_with_parent

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


def free_port() -> int:
    """A free TCP port on loopback."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


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
