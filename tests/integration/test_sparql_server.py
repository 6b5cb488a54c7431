"""The public SPARQL endpoint of a real server, probed as a hostile client would: it fetches no
other server, survives deep nesting and over-long URLs, and heavy queries neither starve the
other routes nor keep burning CPU past their limit."""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import shutil
import signal
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import CLI, ROOT, Server
from tests.loopback import Listener
from tests.processes import alive, children, tree_cpu_s

pytestmark = pytest.mark.integration

LIMIT_S = 3
# every triple against every triple, three times over: far past any limit
HEAVY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
SMALL = "SELECT ?t WHERE { ?d a foaf:Document ; dcterms:title ?t }"


# The hash model stands in for the embedding model: what is measured is how SPARQL load weighs
# on the server, not how fast the model encodes on this machine under other load.
HASH = {"CIVICGRAPH_MODEL": "hash"}


@pytest.fixture(scope="module")
def hash_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The seeds ingested by the real command into a store of their own."""
    store = tmp_path_factory.mktemp("sparql") / "store"
    result = subprocess.run(
        [*CLI, "ingest", "--store", str(store), str(ROOT / "seeds")],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, **HASH},
        timeout=600,
    )
    assert result.returncode == 0, result.stderr
    return store


@pytest.fixture(scope="module")
def sparql_server(hash_store: Path) -> Iterator[Server]:
    server = Server(hash_store, env={**HASH, "CIVICGRAPH_QUERY_TIMEOUT_S": str(LIMIT_S)})
    yield server
    server.stop()


def test_service_clauses_never_reach_the_server_they_name(
    sparql_server: Server, tmp_path: Path
) -> None:
    listener = Listener()
    target = f"<{listener.url}>"
    queries = [
        f"SELECT * WHERE {{ SERVICE {target} {{ ?s ?p ?o }} }}",
        f"SELECT * WHERE {{ SERVICE SILENT {target} {{ ?s ?p ?o }} }}",
        f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ SERVICE SILENT {target} {{ ?s ?p ?o }} }}",
        f"ASK {{ ?s ?p ?o OPTIONAL {{ service {target} {{ ?s ?p ?o }} }} }}",
        f"PREFIX e: <{listener.url}#> SELECT * WHERE {{ SERVICEe:x {{ ?s ?p ?o }} }}",
    ]
    try:
        for query in queries:
            answers = [
                httpx.get(f"{sparql_server.url}/sparql", params={"query": query}),
                httpx.post(f"{sparql_server.url}/sparql", data={"query": query}),
                httpx.post(
                    f"{sparql_server.url}/sparql",
                    content=query,
                    headers={"Content-Type": "application/sparql-query"},
                ),
            ]
            for answer in answers:
                assert answer.status_code == 400, query
                error = answer.json()["error"]
                assert "SERVICE" in error["message"] and "refused" in error["message"]
        cli = subprocess.run(
            [*CLI, "sparql", "--store", str(tmp_path / "store"), queries[0]],
            capture_output=True,
            text=True,
            cwd=ROOT,
            env={**os.environ, **HASH},
            timeout=120,
        )
        assert cli.returncode == 1 and "SERVICE" in cli.stderr
        time.sleep(0.5)
        assert listener.connections == []
    finally:
        listener.close()


@pytest.mark.parametrize("levels", [5_000, 50_000])
def test_deep_nesting_is_refused_and_the_server_stays_up(sparql_server: Server, levels) -> None:
    query = "SELECT * WHERE " + "{" * levels + "}" * levels
    for answer in (
        httpx.post(
            f"{sparql_server.url}/sparql",
            content=query,
            headers={"Content-Type": "application/sparql-query"},
        ),
        httpx.post(f"{sparql_server.url}/sparql", data={"query": query}),
    ):
        assert answer.status_code == 400
        assert "deep" in answer.json()["error"]["message"]
    assert sparql_server.process.poll() is None
    assert httpx.get(f"{sparql_server.url}/health").status_code == 200
    small = httpx.get(f"{sparql_server.url}/sparql", params={"query": SMALL})
    assert small.status_code == 200 and len(small.json()["results"]["bindings"]) == 5


def test_a_megabyte_get_query_is_answered_414(sparql_server: Server) -> None:
    for size in (300_000, 1_000_000, 4_000_000):
        # http.client sends the whole request before reading, as most clients do; a server
        # that closes early leaves it with a reset connection instead of an answer
        connection = http.client.HTTPConnection("127.0.0.1", sparql_server.port, timeout=30)
        connection.request("GET", "/sparql?query=" + "x" * size)
        answer = connection.getresponse()
        body = json.loads(answer.read())
        connection.close()
        assert answer.status == 414, size
        assert body["error"]["code"] == "uri_too_long"
        assert "POST" in body["error"]["message"]
    assert httpx.get(f"{sparql_server.url}/health").status_code == 200


def test_errors_name_positions_in_the_users_own_text(sparql_server: Server) -> None:
    unknown = httpx.get(
        f"{sparql_server.url}/sparql",
        params={"query": "SELECT ?x WHERE {\n  ?x a ex:Thing }"},
    ).json()["error"]
    assert unknown["message"].startswith("unknown prefix ex: (at line 2, column 8)")
    syntax = httpx.get(
        f"{sparql_server.url}/sparql",
        params={"query": "SELECT ?t WHERE {\n  ?d dcterms:title ?t .\n  ?d ?t }"},
    ).json()["error"]
    assert syntax["message"].startswith("SPARQL syntax error at line 3, column")
    assert syntax["line"] == 3


def test_a_slow_query_holds_neither_the_event_loop_nor_the_other_routes(
    sparql_server: Server,
) -> None:
    url = sparql_server.url
    for send in (
        lambda: httpx.post(f"{url}/sparql", data={"query": HEAVY}, timeout=30),
        lambda: httpx.post(
            f"{url}/sparql",
            content=HEAVY,
            headers={"Content-Type": "application/sparql-query"},
            timeout=30,
        ),
        lambda: httpx.get(f"{url}/sparql", params={"query": HEAVY}, timeout=30),
    ):
        slow = threading.Thread(target=send)
        slow.start()
        time.sleep(0.5)  # it is running, and long, by now
        with httpx.Client(timeout=10) as client:
            for _ in range(5):
                for path, params in (
                    ("/health", {}),
                    ("/search", {"q": "council leaders"}),
                    ("/sparql", {"query": SMALL}),
                ):
                    started = time.perf_counter()
                    assert client.get(f"{url}{path}", params=params).status_code == 200
                    assert time.perf_counter() - started < 0.2, path
        slow.join()


def test_heavy_queries_neither_starve_the_server_nor_outlive_their_limit(
    sparql_server: Server,
) -> None:
    url = sparql_server.url
    latencies: dict[str, list[tuple[float, int]]] = {"health": [], "search": [], "small": []}
    probes = {
        "health": lambda c: c.get(f"{url}/health"),
        "search": lambda c: c.get(f"{url}/search", params={"q": "older people in hospital"}),
        "small": lambda c: c.get(f"{url}/sparql", params={"query": SMALL}),
    }
    stop = threading.Event()

    def probe() -> None:
        with httpx.Client(timeout=10) as client:
            while not stop.is_set():
                for name, send in probes.items():
                    started = time.perf_counter()
                    status = send(client).status_code
                    latencies[name].append((time.perf_counter() - started, status))
                time.sleep(0.05)

    heavy: list[tuple[int, float, str | None]] = []

    def run_heavy(client: httpx.Client) -> None:
        started = time.perf_counter()
        answer = client.post(f"{url}/sparql", data={"query": HEAVY})
        heavy.append(
            (answer.status_code, time.perf_counter() - started, answer.headers.get("retry-after"))
        )

    # the CPU the SPARQL workers use, sampled every 0.25 s: (seconds since the burst, cores).
    # A worker killed within a window is counted at the rate it ran in the window before, so
    # that the moment a query is stopped is never hidden by its process vanishing.
    pid = sparql_server.process.pid
    samples: list[tuple[float, float]] = []

    def sample() -> None:
        last = {child: tree_cpu_s(child) for child in children(pid)}
        rates: dict[int, float] = {}
        while not stop.is_set():
            time.sleep(0.25)
            now = {child: tree_cpu_s(child) for child in children(pid)}
            cores = {child: (used - last.get(child, 0.0)) / 0.25 for child, used in now.items()}
            ended = sum(rate for child, rate in rates.items() if child not in now)
            samples.append((time.perf_counter() - burst, sum(cores.values()) + ended))
            last, rates = now, cores

    clients = [httpx.Client(timeout=60) for _ in range(8)]
    prober = threading.Thread(target=probe)
    prober.start()
    time.sleep(0.3)
    burst = time.perf_counter()
    sampler = threading.Thread(target=sample)
    sampler.start()
    threads = [threading.Thread(target=run_heavy, args=(c,)) for c in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    time.sleep(1.0)  # "right after" the heavy queries
    stop.set()
    prober.join()
    sampler.join()
    for client in clients:
        client.close()

    # every heavy query is answered 503 by the limit: stopped as one long query too many
    # (with Retry-After) or at the time limit
    assert len(heavy) == 8
    assert all(status == 503 for status, _, _ in heavy)
    assert max(seconds for _, seconds, _ in heavy) < LIMIT_S + 2
    assert any(retry for _, _, retry in heavy)
    # and meanwhile every other question was answered, each within 500 ms
    for name, measured in latencies.items():
        assert measured and all(status == 200 for _, status in measured), name
        slowest = max(seconds for seconds, _ in measured)
        print(f"{name}: {len(measured)} answers, slowest {slowest * 1000:.0f} ms")
        assert slowest < 0.5, (name, slowest)

    # the workers' CPU fell to the small probes' share within the limit, and stayed there: no
    # heavy query went on holding a core (each one holds a whole core while it runs)
    print("workers' cores:", [(round(at, 2), round(cores, 2)) for at, cores in samples])
    busy = [at for at, cores in samples if cores >= 0.5]
    idle_at = max(busy, default=0.0)
    print(f"workers' CPU idle {idle_at:.2f} s after the burst began (limit {LIMIT_S} s)")
    assert samples[-1][0] > LIMIT_S and idle_at <= LIMIT_S + 0.5
    # and the server with its workers, the probes stopped, used under 5% of a core over 1 s
    window = 1.0
    before = tree_cpu_s(pid)
    time.sleep(window)
    used = tree_cpu_s(pid) - before
    print(f"CPU in the second after the probes: {used / window:.3f} cores")
    assert used / window < 0.05


def test_the_workers_end_when_the_server_is_killed(hash_store: Path, tmp_path: Path) -> None:
    copy = tmp_path / "store"
    shutil.copytree(hash_store, copy)
    server = Server(copy, env={**HASH, "CIVICGRAPH_QUERY_TIMEOUT_S": "60"})
    try:

        def run_heavy() -> None:
            with contextlib.suppress(httpx.HTTPError):  # the server is killed under it
                httpx.post(f"{server.url}/sparql", data={"query": HEAVY}, timeout=60)

        running = threading.Thread(target=run_heavy)
        running.start()
        time.sleep(1.0)
        workers = children(server.process.pid)
        assert len(workers) >= 2 and all(alive(pid) for pid in workers)
        os.kill(server.process.pid, signal.SIGKILL)
        server.process.wait()
        running.join()
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and any(alive(pid) for pid in workers):
            time.sleep(0.05)
        assert not [pid for pid in workers if alive(pid)]
    finally:
        if server.process.poll() is None:
            server.stop()
