"""Query embeddings in worker processes: the same vectors as the model in this process, many
threads served at once, a dead worker replaced, and no worker left when the pool closes."""

from __future__ import annotations

import concurrent.futures
import os
import signal
import time

import numpy as np
import pytest

from graph.embed import MODEL_NAME, open_embedder
from graph.embed_pool import QueryEmbedders, open_query_embedders
from graph.errors import CivicGraphError
from tests.processes import alive

pytestmark = pytest.mark.integration

QUESTIONS = [
    "which boroughs share a fostering service",
    "grants for insulating older homes",
    "who chairs the transport committee",
    "school places in the north of the county",
]


def workers_of(pool: QueryEmbedders) -> list[int]:
    """The pids of the pool's workers once they have all started."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        with pool._lock:
            pids = [worker.process.pid for worker in pool._all]
        if len(pids) == pool._workers:
            return pids
        time.sleep(0.1)
    raise AssertionError("the workers did not start within 120 s")


def test_workers_answer_as_the_model_here_does_and_are_replaced_when_killed() -> None:
    here = open_embedder(MODEL_NAME, "cpu")
    pool = open_query_embedders(MODEL_NAME, "cpu", 2)
    assert pool is not None
    pids: list[int] = []
    replaced: list[int] = []
    try:
        pids = workers_of(pool)
        with concurrent.futures.ThreadPoolExecutor(8) as threads:
            vectors = list(threads.map(pool.encode_query, QUESTIONS * 4))
        for question, vector in zip(QUESTIONS * 4, vectors, strict=True):
            assert np.allclose(vector, here.encode_query(question), atol=1e-5)
        os.kill(pids[0], signal.SIGKILL)
        time.sleep(0.5)
        # a query that met the dead worker is refused; the next ones are answered
        answered = 0
        for question in QUESTIONS * 2:
            try:
                pool.encode_query(question)
                answered += 1
            except CivicGraphError as exc:
                assert "try again" in str(exc)
        assert answered >= len(QUESTIONS) * 2 - 1
        replaced = workers_of(pool)
        assert pids[0] not in replaced and len(replaced) == 2
    finally:
        pool.close()
    assert not [pid for pid in [*pids, *replaced] if alive(pid)]


def test_the_hash_stand_in_needs_no_workers() -> None:
    assert open_query_embedders("hash", "cpu", 2) is None
