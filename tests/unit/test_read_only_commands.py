"""Commands that only read open the store read-only and write nothing to it: no file of the
store folder is created, changed or removed by them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from api.cli import cli
from api.jobs import IngestJobs
from api.service import CivicGraph
from api.settings import Settings
from graph import backends
from graph.store import StoreBusy
from tests import fictional


def _files(folder: Path) -> dict[str, tuple[int, int]]:
    return {
        str(path.relative_to(folder)): (path.stat().st_mtime_ns, path.stat().st_size)
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def test_reading_commands_leave_the_store_folder_untouched(tmp_path: Path, monkeypatch) -> None:
    folder = tmp_path / "store"
    settings = Settings(store=folder, model="hash")
    store = backends.open_store(settings, read_only=False)
    fictional.write(store, ["forum", "association"])
    store.close()
    # a writer opens it once: the keyword index catches up, the projections are saved
    service = CivicGraph(settings)
    service.search("youth employment")
    service.leads()
    service.close()
    # a document the indexes lack, written since: a writer would catch up with it at start
    store = backends.open_store(settings, read_only=False)
    fictional.write(store, ["ratings"])
    store.close()
    before = _files(folder)
    monkeypatch.setenv("CIVICGRAPH_MODEL", "hash")
    runner = CliRunner()
    commands = [
        ["documents"],
        ["search", "Riverton Council"],
        ["leads"],
        ["entity", "Riverton Council"],
        ["path", "Jane Holt", "Riverton Council"],
        ["sparql", "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"],
        ["export", "--format", "nquads"],
    ]
    for command in commands:
        result = runner.invoke(cli, [command[0], "--store", str(folder), "--json", *command[1:]])
        assert result.exit_code == 0, (command, result.output)
    answer = runner.invoke(cli, ["documents", "--store", str(folder), "--json"])
    assert len(json.loads(answer.output)["documents"]) == 3  # the reader sees the store
    assert _files(folder) == before


def test_reading_a_store_not_made_yet_answers_empty_and_makes_nothing(
    tmp_path: Path, monkeypatch
) -> None:
    monkeypatch.setenv("CIVICGRAPH_MODEL", "hash")
    folder = tmp_path / "none"
    result = CliRunner().invoke(cli, ["documents", "--store", str(folder), "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["documents"] == []
    assert not folder.exists()


def test_a_read_only_server_takes_no_upload_and_leaves_the_uploads_folder(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "store"
    settings = Settings(store=folder, model="hash")
    CivicGraph(settings).close()
    # an upload waiting for the job of the server that writes the store
    waiting = backends.uploads_folder(settings) / "job-1" / "0" / "notes.txt"
    waiting.parent.mkdir(parents=True)
    waiting.write_text("the writer's upload, waiting for its job")
    before = _files(folder)
    reader = CivicGraph.open(settings, read_only=True)
    assert reader.read_only
    jobs = IngestJobs(reader)
    with pytest.raises(StoreBusy, match="read-only"):
        jobs.submit([("more.txt", b"a second upload")])
    jobs.close()
    reader.close()
    assert _files(folder) == before
