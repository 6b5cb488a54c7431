"""Ingest through the command line: summaries, bad files, idempotent re-ingest, replacement."""

from __future__ import annotations

import hashlib
import json
import subprocess
from pathlib import Path

import pytest

from ingest.readers import read_document
from tests.conftest import CLI, DIES_WITH_US, ROOT, SEEDS, run_cli

pytestmark = pytest.mark.integration

GOOD = (
    "Wigan Council will lead the new ageing well programme from April, the council said "
    "on 3 June 2015. The programme brings together housing, health and social care teams "
    "to help older residents stay independent at home for longer. "
) * 3


def run(*args: str, timeout: int = 600) -> subprocess.CompletedProcess[str]:
    return run_cli(*args, timeout=timeout)


def ingest_json(store: Path, *paths: Path, extra: tuple[str, ...] = ()) -> tuple[int, dict]:
    result = run("ingest", "--store", str(store), "--json", *extra, *map(str, paths))
    return result.returncode, json.loads(result.stdout)


def test_bad_files_are_reported_by_name_and_the_rest_ingested(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "good.txt").write_text(GOOD)
    (folder / "empty.txt").write_bytes(b"")
    (folder / "binary.txt").write_bytes(bytes(range(256)) * 8)
    (folder / "latin.txt").write_bytes("Caf\u00e9 council".encode("latin-1"))
    (folder / "corrupt.pdf").write_bytes(b"%PDF-1.4 garbage")
    (folder / "corrupt.docx").write_bytes(b"PK\x03\x04 garbage")
    store = tmp_path / "store"
    result = run("ingest", "--store", str(store), str(folder), timeout=600)
    assert result.returncode == 1
    failed = [line for line in result.stderr.splitlines() if line.startswith("failed: ")]
    names = {Path(line.split(": ")[1]).name for line in failed}
    assert names == {"empty.txt", "binary.txt", "latin.txt", "corrupt.pdf", "corrupt.docx"}
    assert "1 added" in result.stdout and "5 failed" in result.stdout


def test_size_limit_is_configurable(tmp_path: Path) -> None:
    import os

    (tmp_path / "big.txt").write_text(GOOD * 20)
    result = subprocess.run(
        [*CLI, "ingest", "--store", str(tmp_path / "s"), str(tmp_path / "big.txt")],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=600,
        env={**os.environ, "CIVICGRAPH_MAX_BYTES": "2000"},
        preexec_fn=DIES_WITH_US,
    )
    assert result.returncode == 1
    assert "over the limit of 2,000 bytes" in result.stderr


def test_reingest_of_unchanged_file_changes_nothing(tmp_path: Path) -> None:
    store = tmp_path / "store"
    code, first = ingest_json(store, SEEDS)
    assert code == 0 and len(first["added"]) == 5 and first["passages"] > 50
    export_before = run("export", "--store", str(store), "--format", "nquads").stdout
    code, second = ingest_json(store, SEEDS)
    assert code == 0
    assert second["added"] == [] and second["replaced"] == []
    assert sorted(second["unchanged"]) == sorted(first["added"])
    assert second["timings"]["embed"] == 0
    export_after = run("export", "--store", str(store), "--format", "nquads").stdout
    assert sorted(export_before.splitlines()) == sorted(export_after.splitlines())


def test_changed_file_replaces_its_old_graph_and_vectors_under_the_same_key(tmp_path: Path) -> None:
    source = tmp_path / "wigan.txt"
    source.write_text("Ageing well in Wigan\n\n" + GOOD)
    store = tmp_path / "store"
    _, first = ingest_json(store, source)
    [key] = first["added"]
    source.write_text("Ageing well in Wigan\n\n" + GOOD.replace("April", "September"))
    _, second = ingest_json(store, source)
    assert second["replaced"] == [key] and second["added"] == []
    docs = json.loads(
        run(
            "sparql",
            "--store",
            str(store),
            "--json",
            "SELECT ?k ?h WHERE { ?d a foaf:Document ; dcterms:identifier ?k ; cg:contentHash ?h }",
        ).stdout
    )
    rows = [(b["k"]["value"], b["h"]["value"]) for b in docs["results"]["bindings"]]
    assert [k for k, _ in rows] == [key]
    digest = hashlib.sha256(read_document(source, source=str(source)).text.encode()).hexdigest()
    assert rows[0][1] == digest  # the content hash is on the document, not in its key
    assert sorted(p.stem for p in (store / "vectors").glob("*.npz")) == [key]
    hits = json.loads(run("search", "--store", str(store), "--json", "September").stdout)
    assert hits["results"] and all("April" not in hit["text"] for hit in hits["results"])
    _, third = ingest_json(store, source)
    assert third["unchanged"] == [key] and third["timings"]["embed"] == 0
