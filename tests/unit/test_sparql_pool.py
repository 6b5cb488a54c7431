"""The SPARQL worker pool over a store on disk: the time limit stops a query, long queries are
bounded, a dead worker is answered and replaced, writes are seen, and workers end with their
server even when it is killed."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest

from graph.errors import Busy, QueryAborted, QueryTimeout
from graph.sparql import prepare_query
from graph.sparql_pool import LONG_AFTER_S, SparqlPool, _Worker
from graph.sparql_protocol import negotiate
from graph.store import OxigraphStore
from tests import fictional
from tests.conftest import ROOT
from tests.processes import alive

# every quad against every quad, four times over: it runs until it is stopped
HEAVY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
SMALL = "SELECT ?t WHERE { ?d a foaf:Document ; dcterms:title ?t }"


@pytest.fixture
def store_path(tmp_path: Path) -> Path:
    path = tmp_path / "graph"
    store = OxigraphStore(path)
    fictional.write(store, ["forum"])
    store.close()
    return path


def ask(pool: SparqlPool, query: str) -> bytes:
    prepared = prepare_query(query)
    return pool.run(prepared, negotiate("text/csv", graph=prepared.graph)).body


def worker_pids(pool: SparqlPool) -> set[int]:
    return {w.process.pid for w in pool._workers}


def test_a_query_past_its_limit_is_stopped_and_its_worker_replaced(store_path: Path) -> None:
    pool = SparqlPool(store_path, timeout_s=1.0)
    try:
        assert b"Northshire" in ask(pool, SMALL)
        before = worker_pids(pool)
        started = time.monotonic()
        with pytest.raises(QueryTimeout, match="limit of 1 s"):
            ask(pool, HEAVY)
        assert time.monotonic() - started < 2.0
        stopped = before - worker_pids(pool)
        assert len(stopped) == 1 and not alive(stopped.pop())
        assert b"Northshire" in ask(pool, SMALL)  # the pool goes on with a fresh worker
    finally:
        pool.close()


def test_one_long_query_too_many_is_stopped_with_retry_after(store_path: Path) -> None:
    pool = SparqlPool(store_path, timeout_s=3.0, max_long=1)
    errors: list[Exception] = []

    def first() -> None:
        try:
            ask(pool, HEAVY)
        except QueryTimeout as exc:
            errors.append(exc)

    try:
        thread = threading.Thread(target=first)
        thread.start()
        time.sleep(0.6)  # the first is long by now
        started = time.monotonic()
        with pytest.raises(Busy) as raised:
            ask(pool, HEAVY)
        assert time.monotonic() - started < 1.0  # stopped at the short budget, not the limit
        assert 1 <= raised.value.extra["retry_after"] <= 3
        assert raised.value.headers() == {"Retry-After": str(raised.value.extra["retry_after"])}
        assert b"Northshire" in ask(pool, SMALL)  # small queries still run beside it
        thread.join()
        assert len(errors) == 1
    finally:
        pool.close()


def test_a_small_query_kept_off_the_cpu_past_the_short_budget_is_not_refused(
    store_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On a busy machine a small query can wait for a core longer than LONG_AFTER_S: with the
    long slots full it is still answered (it has used little CPU), not taken for one long
    query too many. Its worker is stopped (SIGSTOP) for a while, as a descheduled process
    is, and let go on."""
    pool = SparqlPool(store_path, timeout_s=5.0, max_long=1)
    send = _Worker.send
    held: list[int] = []

    def send_and_hold(worker: _Worker, message: tuple) -> None:
        send(worker, message)
        if SMALL in message[2] and not held:
            held.append(worker.process.pid)
            os.kill(worker.process.pid, signal.SIGSTOP)
            threading.Timer(4 * LONG_AFTER_S, os.kill, (worker.process.pid, signal.SIGCONT)).start()

    errors: list[Exception] = []

    def long_one() -> None:
        try:
            ask(pool, HEAVY)
        except QueryTimeout as exc:
            errors.append(exc)

    try:
        assert b"Northshire" in ask(pool, SMALL)  # a worker is up
        thread = threading.Thread(target=long_one)
        thread.start()
        time.sleep(0.6 + LONG_AFTER_S)  # the one long slot is taken by now
        monkeypatch.setattr(_Worker, "send", send_and_hold)
        started = time.monotonic()
        assert b"Northshire" in ask(pool, SMALL)
        assert held and time.monotonic() - started >= 4 * LONG_AFTER_S
        thread.join()
        assert len(errors) == 1  # the long one still ran to its limit
    finally:
        pool.close()


def test_a_worker_that_dies_mid_query_is_answered_and_replaced(store_path: Path) -> None:
    pool = SparqlPool(store_path, timeout_s=20.0)
    try:
        ask(pool, SMALL)
        victim = next(iter(worker_pids(pool)))
        threading.Timer(0.5, os.kill, (victim, signal.SIGKILL)).start()
        with pytest.raises(QueryAborted, match="memory"):
            ask(pool, HEAVY)
        assert victim not in worker_pids(pool)
        assert b"Northshire" in ask(pool, SMALL)
    finally:
        pool.close()


def test_workers_see_a_write_once_the_generation_changes(tmp_path: Path) -> None:
    path = tmp_path / "graph"
    writer = OxigraphStore(path)
    fictional.write(writer, ["forum"])
    writer.flush()
    generation = [0]
    pool = SparqlPool(path, timeout_s=5.0, generation=lambda: generation[0])
    try:
        count = "SELECT (COUNT(?d) AS ?n) WHERE { ?d a foaf:Document }"
        assert ask(pool, count).split() == [b"n", b"1"]
        fictional.write(writer, ["association"])
        writer.flush()
        generation[0] += 1
        assert ask(pool, count).split() == [b"n", b"2"]
    finally:
        pool.close()
        writer.close()


def test_a_worker_keeps_its_view_of_the_store_until_the_generation_changes(
    tmp_path: Path,
) -> None:
    # opening a view costs milliseconds: a worker that opened one a request would spend more
    # on opening than on most queries
    path = tmp_path / "graph"
    writer = OxigraphStore(path)
    fictional.write(writer, ["forum"])
    writer.flush()
    worker = _Worker()
    try:
        assert worker.ready(30.0)
        count = "SELECT (COUNT(?d) AS ?n) WHERE { ?d a foaf:Document }"
        query = prepare_query(count).text

        def documents(generation: int) -> bytes:
            worker.send((str(path), generation, query, False, "CSV"))
            outcome = worker.receive(30.0)
            assert isinstance(outcome, tuple) and outcome[0] == "ok", outcome
            return outcome[1].split()[-1]

        assert documents(0) == b"1"
        fictional.write(writer, ["association"])
        writer.flush()
        assert documents(0) == b"1"  # the same generation: the view opened before
        assert documents(1) == b"2"
    finally:
        worker.kill()
        writer.close()


def test_close_ends_every_worker(store_path: Path) -> None:
    pool = SparqlPool(store_path, timeout_s=5.0)
    pool.warm()
    deadline = time.monotonic() + 10
    while len(pool._workers) < pool.max_long and time.monotonic() < deadline:
        time.sleep(0.05)
    pids = worker_pids(pool)
    assert len(pids) >= pool.max_long
    pool.close()
    assert not any(alive(pid) for pid in pids)


def test_workers_end_when_their_server_is_killed(store_path: Path) -> None:
    """A process holding a warm pool, killed with SIGKILL mid-query: its workers go too."""
    script = textwrap.dedent(
        f"""
        import sys, threading, time
        from pathlib import Path
        from graph.sparql import prepare_query
        from graph.sparql_protocol import negotiate
        from graph.sparql_pool import SparqlPool
        pool = SparqlPool(Path({str(store_path)!r}), timeout_s=60)
        pool.warm()
        while len(pool._workers) < pool.max_long:
            time.sleep(0.05)
        query = prepare_query({HEAVY!r})
        threading.Thread(target=pool.run, args=(query, negotiate(None, graph=False))).start()
        time.sleep(0.5)
        print(" ".join(str(w.process.pid) for w in pool._workers), flush=True)
        time.sleep(60)
        """
    )
    server = subprocess.Popen(
        [sys.executable, "-c", script], cwd=ROOT, stdout=subprocess.PIPE, text=True
    )
    try:
        assert server.stdout is not None
        pids = [int(pid) for pid in server.stdout.readline().split()]
        assert pids and all(alive(pid) for pid in pids)
    finally:
        server.kill()
        server.wait()
    deadline = time.monotonic() + 5
    while any(alive(pid) for pid in pids) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any(alive(pid) for pid in pids)
