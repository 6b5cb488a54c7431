"""Preparing documents in a worker process gives the same graph as preparing them in a thread:
large batches take the worker, small ones the thread, and both report bad files alike; a
worker stuck on a file, or dying on one, is replaced and the file refused by name."""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import pytest

import ingest.pipeline
import ingest.prepare
from ingest.budget import FileBudget
from ingest.prepare import Batch, Prepared, Skipped
from ingest.workers import ProcessPreparer, prepare_in_worker
from tests.conftest import FIXTURES

pytestmark = pytest.mark.integration


def ingest_folder(folder: Path, store: Path):
    from api.service import CivicGraph
    from api.settings import Settings

    service = CivicGraph.open(Settings(store=store, model="hash"), write=True)
    try:
        report = service.ingest([folder])
        export = b"".join(service.export("nquads"))
        return report, set(export.decode().splitlines())
    finally:
        service.close()


def test_worker_process_and_thread_give_the_same_graph(tmp_path: Path, monkeypatch) -> None:
    folder = tmp_path / "in"
    shutil.copytree(FIXTURES, folder)
    (folder / "empty.txt").write_bytes(b"")
    files = len(list(folder.iterdir()))
    assert files >= ingest.pipeline.WORKER_MIN_FILES  # this batch goes to the worker

    by_worker, worker_quads = ingest_folder(folder, tmp_path / "worker")
    monkeypatch.setattr(ingest.pipeline, "WORKER_MIN_FILES", files + 1)
    by_thread, thread_quads = ingest_folder(folder, tmp_path / "thread")

    for report in (by_worker, by_thread):
        assert len(report.added) == files - 1
        assert [Path(path).name for path, _ in report.failed] == ["empty.txt"]
        assert report.timings["extract"] > 0
    assert worker_quads == thread_quads
    assert any("<http://purl.org/dc/terms/creator>" in q for q in worker_quads)


def test_a_worker_run_over_stored_files_changes_nothing(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    shutil.copytree(FIXTURES, folder)
    store = tmp_path / "store"
    first, quads = ingest_folder(folder, store)
    again, same = ingest_folder(folder, store)
    assert len(again.unchanged) == len(first.added) and not again.added
    assert again.timings["extract"] == 0  # nothing was extracted the second time
    assert same == quads


# -- the worker process, replaced when a file holds it or it dies -----------------------------


def stuck_or_dying_worker(*args) -> None:
    """The real worker, except that it hangs where no check can see on a file named
    "stuck" and dies on one named "crash"."""
    real = ingest.prepare.prepare

    def prepare(item, **kwargs):
        if "stuck" in item[0].name:
            time.sleep(3600)
        if "crash" in item[0].name:
            os._exit(3)
        return real(item, **kwargs)

    ingest.prepare.prepare = prepare
    prepare_in_worker(*args)


def test_a_worker_stuck_on_a_file_or_dying_on_one_is_replaced_and_the_rest_prepared() -> None:
    names = ["a.txt", "stuck.txt", "b.txt", "crash.txt", "c.txt", "d.txt"]
    items = [(Path(name), name, (f"The {name} plan was agreed. " * 40).encode()) for name in names]
    batch = Batch(items, None, {}, 10**6, FileBudget(seconds=1.0, memory_mb=0))
    preparer = ProcessPreparer(batch, target=stuck_or_dying_worker)
    started = time.monotonic()
    first_worker = preparer.worker
    try:
        results = list(preparer)
    finally:
        preparer.close()
    assert [index for index, _, _ in results] == list(range(len(names)))
    outcomes = {names[index]: outcome for index, outcome, _ in results}
    assert all(isinstance(outcomes[n], Prepared) for n in ("a.txt", "b.txt", "c.txt", "d.txt"))
    stuck, crash = outcomes["stuck.txt"], outcomes["crash.txt"]
    assert isinstance(stuck, Skipped) and stuck.reason is not None
    assert stuck.reason.startswith("took longer than its budget of 1 s")
    assert isinstance(crash, Skipped) and crash.reason is not None
    assert "stopped (exit code 3) while preparing this file" in crash.reason
    assert time.monotonic() - started < 60
    assert not first_worker.is_alive() and not preparer.worker.is_alive()
