"""Uploads as background jobs on a real server: reads are answered while a job ingests, and the
job's processes end with the server, `kill -9` included."""

from __future__ import annotations

import itertools
import os
import signal
import threading
import time
from pathlib import Path

import httpx
import pytest

from tests.bench.corpus import make_corpus
from tests.conftest import Server
from tests.processes import alive, children

pytestmark = pytest.mark.integration

KEY = "jobs-test-key"
AUTH = {"Authorization": f"Bearer {KEY}"}
# Generous bound on any read while an upload runs (the target is 2 s under load).
READ_BOUND_S = 2.0


def post(server: Server, paths: list[Path]) -> dict:
    """POST the files; the job as queued (202)."""
    files = [("files", (path.name, path.read_bytes(), "text/plain")) for path in paths]
    response = httpx.post(f"{server.url}/documents", files=files, headers=AUTH, timeout=120)
    assert response.status_code == 202, response.text
    return response.json()


def job_of(server: Server, job_id: str) -> dict:
    """The job's state now."""
    response = httpx.get(f"{server.url}/jobs/{job_id}", timeout=10)
    assert response.status_code == 200, response.text
    return response.json()


def wait_done(server: Server, job_id: str, timeout_s: float = 600) -> dict:
    """The job once finished."""
    deadline = time.monotonic() + timeout_s
    job = job_of(server, job_id)
    while job["state"] in ("queued", "running"):
        assert time.monotonic() < deadline, f"the job is still {job['state']}"
        time.sleep(0.2)
        job = job_of(server, job_id)
    return job


def spawned(pid: int) -> list[int]:
    """The children of `pid` that multiprocessing started (the ingest and embedding ones)."""
    found = []
    for child in children(pid):
        try:
            command = Path(f"/proc/{child}/cmdline").read_bytes()
        except OSError:
            continue
        if b"spawn_main" in command and b"resource_tracker" not in command:
            found.append(child)
    return found


def test_reads_are_answered_while_an_upload_is_ingested(tmp_path: Path) -> None:
    # the real model, in the server's embedding workers and in the upload's own process
    server = Server(tmp_path / "store", env={"CIVICGRAPH_API_KEYS": f'["{KEY}"]'})
    try:
        [made] = make_corpus(tmp_path / "first", 1, seed=3)
        first = [made.rename(made.with_name("first.txt"))]
        assert wait_done(server, post(server, first)["id"])["status"] == 200
        batch = make_corpus(tmp_path / "batch", 24, seed=11, paragraphs=12)
        job = post(server, batch)
        waits: list[tuple[str, float, str]] = []  # (route, seconds, job state seen after)
        state = job["state"]
        routes = ["/health", "/search?q=support+for+carers+at+home", "/documents", "/leads"]
        n = 0
        while state in ("queued", "running"):
            route = routes[n % len(routes)]
            n += 1
            t0 = time.monotonic()
            answer = httpx.get(f"{server.url}{route}", timeout=30)
            waits.append((route, time.monotonic() - t0, state))
            assert answer.status_code == 200, answer.text
            state = job_of(server, job["id"])["state"]
        during = [(route, s) for route, s, seen in waits if seen == "running"]
        slowest = max(during, key=lambda w: w[1])
        print(f"{len(during)} reads while the job ran; slowest {slowest[0]} {slowest[1]:.2f} s")
        assert len(during) >= 20, "the job ran long enough to be read beside"
        assert slowest[1] < READ_BOUND_S
        done = wait_done(server, job["id"])
        assert (done["state"], done["status"]) == ("done", 200), done
        assert len(done["result"]["added"]) == 24
        assert done["progress"]["files"] == 24
        sources = {d["source"] for d in httpx.get(f"{server.url}/documents").json()["documents"]}
        assert {path.name for path in batch} <= sources
    finally:
        server.stop()


def test_the_upload_process_ends_when_the_server_is_killed(tmp_path: Path) -> None:
    env = {"CIVICGRAPH_MODEL": "hash", "CIVICGRAPH_API_KEYS": f'["{KEY}"]'}
    server = Server(tmp_path / "store", env=env)
    pid = server.process.pid
    found: list[int] = []
    try:
        before = set(spawned(pid))
        batch = make_corpus(tmp_path / "batch", 60, seed=5, paragraphs=20)
        job = post(server, batch)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            found = [child for child in spawned(pid) if child not in before]
            if found and job_of(server, job["id"])["state"] == "running":
                break
            time.sleep(0.05)
        assert found, "the upload is ingested in a process of its own"
        everything = [*found, *before]
        os.kill(pid, signal.SIGKILL)
        server.process.wait(timeout=30)
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and any(alive(child) for child in everything):
            time.sleep(0.1)
        assert not [child for child in everything if alive(child)], "a child outlived the server"
        # the next server over the store removes the bytes the killed one left waiting
        assert any((tmp_path / "store" / "uploads").iterdir())
        server = Server(tmp_path / "store", env=env)
        assert not (tmp_path / "store" / "uploads").exists()
        # and the jobs held in memory went with the killed one
        assert httpx.get(f"{server.url}/jobs/{job['id']}").status_code == 404
    finally:
        if server.process.poll() is None:
            server.stop()
        for child in found:
            if alive(child):
                os.kill(child, signal.SIGKILL)


def test_uploads_queue_one_after_another_and_each_ends_done(tmp_path: Path) -> None:
    env = {"CIVICGRAPH_MODEL": "hash", "CIVICGRAPH_API_KEYS": f'["{KEY}"]'}
    server = Server(tmp_path / "store", env=env)
    try:
        folders = [make_corpus(tmp_path / f"up{n}", 3, seed=20 + n) for n in range(3)]
        for n, paths in enumerate(folders):
            for path in paths:
                path.rename(path.with_stem(f"{path.stem}-{n}"))
        folders = [sorted((tmp_path / f"up{n}").iterdir()) for n in range(3)]
        jobs: list[dict] = []
        threads = [
            threading.Thread(target=lambda paths=paths: jobs.append(post(server, paths)))
            for paths in folders
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert len({job["id"] for job in jobs}) == 3
        finished = [wait_done(server, job["id"]) for job in jobs]
        assert [job["status"] for job in finished] == [200, 200, 200]
        spans = sorted((job["started"], job["finished"]) for job in finished)
        assert all(a[1] <= b[0] for a, b in itertools.pairwise(spans)), spans
        documents = httpx.get(f"{server.url}/documents").json()["documents"]
        assert len(documents) == 9
    finally:
        server.stop()


def test_an_upload_ingested_in_its_own_process_is_answered_like_any_ingest(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import ingest.extraction
    from api.service import CivicGraph
    from api.settings import Settings
    from tests import fictional

    # the fictional corpus's extraction, found by name in the upload's process
    monkeypatch.setattr(ingest.extraction, "load_extractor", fictional.load_extractor)
    service = CivicGraph(Settings(store=tmp_path / "store", model="hash"))
    try:
        service.warm()  # as a server does: parts are read again in the writing thread
        folder = tmp_path / "in"
        uploads = [(path.name, path) for path in fictional.write_files(folder)]
        seen: list[int] = []
        report = service.ingest_uploads(uploads, progress=lambda p: seen.append(p.files))
        assert len(report.added) == 3 and not report.failed
        assert seen and seen[-1] == 3
        assert {r.object.ref for r in service.leads()} == {
            "theme/affordable-warmth",
            "programme/warm-homes-fund",
            "theme/youth-employment",
        }
        assert service.paths("Jane Holt", "Riverton Council").paths
        # the vectors and keywords the child wrote are searched here
        for mode in ("dense", "keyword"):
            hits = service.search("youth employment", mode=mode)
            assert hits and hits[0].document in report.added, mode
        # the same files again change nothing
        assert len(service.ingest_uploads(uploads).unchanged) == 3
    finally:
        service.close()


def test_jobs_past_the_queue_are_refused_and_old_finished_ones_forgotten(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import api.jobs
    from api.jobs import IngestJobs
    from api.service import CivicGraph
    from api.settings import Settings
    from graph.errors import Busy, NotFound

    service = CivicGraph(Settings(store=tmp_path / "store", model="hash", extract=False))
    jobs = IngestJobs(service)
    try:
        monkeypatch.setattr(api.jobs, "KEEP_FINISHED", 1)
        first = jobs.submit([("one.txt", b"A short note about bus lanes on the ring road.\n")])
        second = jobs.submit([("two.txt", b"")])
        deadline = time.monotonic() + 120
        while second.state != "done" or first.state != "done":
            assert time.monotonic() < deadline, (first.state, second.state)
            time.sleep(0.1)
        assert (first.status, second.status) == (200, 422)
        assert second.error is not None and "two.txt: empty file" in second.error.message
        with pytest.raises(NotFound):  # only the last finished job is kept
            jobs.get(first.id)
        assert jobs.get(second.id) is second
        assert not any(jobs.folder.iterdir())  # each job's bytes went with it
        monkeypatch.setattr(api.jobs, "MAX_QUEUED", 0)
        with pytest.raises(Busy) as refused:
            jobs.submit([("three.txt", b"more")])
        assert refused.value.headers() == {"Retry-After": "30"}
    finally:
        jobs.close()
        service.close()


def record_limits():
    """An extraction stage that first writes down the CPU limits of the process it is built
    in (for the test below); found by name in a process started by spawn."""
    import json

    import torch

    from tests import fictional

    record = {
        "pid": os.getpid(),
        "cores": sorted(os.sched_getaffinity(0)),
        "nice": os.getpriority(os.PRIO_PROCESS, 0),
        "torch": torch.get_num_threads(),
        "omp": os.environ.get("OMP_NUM_THREADS"),
    }
    folder = Path(os.environ["LIMITS_RECORD"])
    (folder / f"{os.getpid()}.json").write_text(json.dumps(record))
    return fictional.load_extractor()


@pytest.mark.parametrize("files", [3, 9], ids=["prepared-in-the-child", "in-its-worker"])
def test_the_upload_process_keeps_to_one_core_one_thread_and_a_lower_priority(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, files: int
) -> None:
    """The child that ingests an upload, and the worker it prepares files in (a batch of 8
    files or more), run on one core of those the server has, with one thread for torch and
    the numeric libraries, at a lower priority: the server's other cores stay its own."""
    import json

    from api.settings import Settings
    from graph.store import OxigraphStore
    from ingest.detached import CHILD_NICE, DetachedRun, run_detached
    from tests import fictional

    record = tmp_path / "record"
    record.mkdir()
    monkeypatch.setenv("LIMITS_RECORD", str(record))
    texts = fictional.write_files(tmp_path / "in")
    uploads = [
        (f"{n}-{path.name}", path)
        for n, path in enumerate(itertools.islice(itertools.cycle(texts), files))
    ]
    store = OxigraphStore(None)
    settings = Settings(store=tmp_path / "store", model="hash")
    run = DetachedRun(uploads, {}, settings, "hash", "cpu", record_limits, 10_000_000)
    report = run_detached(run, store)
    assert not report.failed and len(report.added) == len(texts)  # the rest are duplicates

    allowed = sorted(os.sched_getaffinity(0))
    (seen,) = [json.loads(path.read_text()) for path in record.iterdir()]
    assert seen["pid"] != os.getpid()
    assert seen["cores"] == allowed[-1:]
    assert seen["torch"] == 1 and seen["omp"] == "1"
    assert seen["nice"] == min(19, os.getpriority(os.PRIO_PROCESS, 0) + CHILD_NICE)
