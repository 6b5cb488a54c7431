"""Preparing documents in a worker process gives the same graph as preparing them in a thread:
large batches take the worker, small ones the thread, and both report bad files alike."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

import ingest.pipeline
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
