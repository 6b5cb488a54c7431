"""A killed ingest leaves no half-written document, and running it again finishes the job."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from pathlib import Path

import numpy as np
import pytest

from ingest.passages import split_passages
from ingest.readers import read_document
from tests.bench.corpus import make_corpus
from tests.conftest import CLI, DIES_WITH_US, ROOT

pytestmark = pytest.mark.integration


def store_state(store: Path) -> dict[str, int]:
    """Documents visible in the store, with how many passages each has."""
    result = subprocess.run(
        [
            *CLI,
            "sparql",
            "--store",
            str(store),
            "--json",
            """SELECT ?k (COUNT(?p) AS ?n) WHERE { ?d a foaf:Document ; dcterms:identifier ?k .
            OPTIONAL { ?p dcterms:isPartOf ?d } } GROUP BY ?k""",
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
        check=True,
        preexec_fn=DIES_WITH_US,
    )
    rows = json.loads(result.stdout)["results"]["bindings"]
    return {row["k"]["value"]: int(row["n"]["value"]) for row in rows}


def test_sigkill_mid_ingest_leaves_whole_documents_and_rerun_completes(tmp_path: Path) -> None:
    paths = make_corpus(tmp_path / "corpus", 40, paragraphs=10)
    expected = {}
    for path in paths:
        document = read_document(path, source=str(path.resolve()))  # as the command names it
        expected[document.key] = len(split_passages(document))
    store = tmp_path / "store"
    process = subprocess.Popen(
        [*CLI, "-v", "ingest", "--store", str(store), str(tmp_path / "corpus")],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
        preexec_fn=DIES_WITH_US,
    )
    deadline = time.monotonic() + 600
    assert process.stderr is not None
    for line in process.stderr:
        if "wrote " in line or time.monotonic() > deadline:
            break
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)

    partial = store_state(store)
    assert 0 < len(partial) < len(expected), "the kill should land part-way through"
    for key, passages in partial.items():
        assert passages == expected[key], f"{key} is half-written"
        with np.load(store / "vectors" / f"{key}.npz") as data:
            assert len(set(data["keys"])) == passages  # each passage's sentence vectors

    rerun = subprocess.run(
        [*CLI, "ingest", "--store", str(store), "--json", str(tmp_path / "corpus")],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=900,
        preexec_fn=DIES_WITH_US,
    )
    assert rerun.returncode == 0, rerun.stderr
    report = json.loads(rerun.stdout)
    assert sorted(report["unchanged"]) == sorted(partial)
    assert len(report["added"]) == len(expected) - len(partial)
    assert store_state(store) == expected
    assert sorted(p.stem for p in (store / "vectors").glob("*.npz")) == sorted(expected)
