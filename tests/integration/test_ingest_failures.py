"""Each file is its own unit of failure, in the worker process and in the thread alike: a file
too long for a stage is taken in bounded pieces, a file past its budget of time or memory is
refused by name, and the rest of the batch is stored (a worker stuck on a file or dying on
one: test_ingest_worker.py)."""

from __future__ import annotations

import os
import random
import shutil
import subprocess
from pathlib import Path

import pytest

import ingest.pipeline
from tests.conftest import CLI, DIES_WITH_US, FIXTURES, ROOT

pytestmark = pytest.mark.integration

PLACES = ["Thornbury", "Ashcombe", "Kelvedon", "Marlow Vale", "Eastleigh Downs"]
PEOPLE = ["Priti Anand", "Gus Hallworth", "Maeve Corrigan", "Tobias Ferne"]
CLAUSES = [
    "{place} Borough Council approved the cycle lane scheme after a long debate.",
    "Councillor {person} said the budget for libraries would be protected next year.",
    "The scrutiny panel asked officers to report on bus services in {place}.",
    "Residents of {place} were consulted on the new recycling rounds in the spring.",
    "{person}, the cabinet member for housing, opened the new homes in {place}.",
    "The plan sets out how the two councils will share a waste contract.",
]


def prose(chars: int, seed: int = 1) -> str:
    """Sentences of the genre, with names of our own, about `chars` characters long."""
    rng = random.Random(seed)
    out: list[str] = []
    size = 0
    while size < chars:
        sentence = rng.choice(CLAUSES).format(place=rng.choice(PLACES), person=rng.choice(PEOPLE))
        out.append(sentence)
        size += len(sentence) + 1
    return " ".join(out)


def ingest_folder(folder: Path, store: Path, **settings):
    from api.service import CivicGraph
    from api.settings import Settings

    service = CivicGraph.open(Settings(store=store, model="hash", **settings), write=True)
    try:
        return service.ingest([folder]), service.documents()
    finally:
        service.close()


@pytest.fixture(params=["worker", "thread"])
def path_kind(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Prepare the batch in the worker process or in a thread."""
    if request.param == "thread":
        monkeypatch.setattr(ingest.pipeline, "WORKER_MIN_FILES", 1000)
    return request.param


def folder_with(tmp_path: Path, name: str, text: str) -> Path:
    """The fixtures (nine files, enough for the worker) and one more file."""
    folder = tmp_path / "in"
    shutil.copytree(FIXTURES, folder)
    (folder / name).write_text(text)
    return folder


def test_a_line_too_long_for_spacy_is_stored_in_bounded_pieces(
    tmp_path: Path, path_kind: str
) -> None:
    line = prose(1_100_000)  # one line past spaCy's limit of a million characters
    assert "\n" not in line and len(line) > 1_000_000
    folder = folder_with(tmp_path, "long.txt", line)
    report, documents = ingest_folder(folder, tmp_path / "store")
    assert report.failed == []
    assert len(report.added) == len(list(folder.iterdir()))
    long = next(d for d in documents if d.source.endswith("long.txt"))
    assert long.passages > 1000
    assert report.timings["extract"] > 0


def test_a_file_past_its_time_budget_is_refused_by_name_and_the_rest_stored(
    tmp_path: Path, path_kind: str
) -> None:
    folder = folder_with(tmp_path, "slow.txt", prose(700_000, seed=2))
    report, documents = ingest_folder(folder, tmp_path / "store", file_timeout_s=3.0)
    [(path, reason)] = report.failed
    assert Path(path).name == "slow.txt"
    assert reason.startswith("took longer than its budget of 3 s")
    assert "CIVICGRAPH_FILE_TIMEOUT_S" in reason
    assert len(documents) == len(list(FIXTURES.iterdir()))


@pytest.mark.parametrize("fixtures", [9, 3], ids=["worker", "thread"])
def test_a_file_past_its_memory_budget_is_refused_by_name_and_the_rest_stored(
    tmp_path: Path, fixtures: int
) -> None:
    # a fresh process, so that memory freed by earlier tests does not hide what the file takes
    folder = tmp_path / "in"
    folder.mkdir()
    for path in sorted(FIXTURES.iterdir())[:fixtures]:
        shutil.copy(path, folder)
    # every sentence names a body and a person: the extractor holds much for each line
    (folder / "heavy.txt").write_text(
        " ".join(
            f"Councillor {PEOPLE[n % 4]} of {PLACES[n % 5]} Borough Council spoke."
            for n in range(12000)
        )
    )
    result = subprocess.run(
        [*CLI, "ingest", "--store", str(tmp_path / "store"), str(folder)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=900,
        env={**os.environ, "CIVICGRAPH_MODEL": "hash", "CIVICGRAPH_FILE_MEMORY_MB": "150"},
        preexec_fn=DIES_WITH_US,
    )
    assert result.returncode == 1, result.stderr
    failed = [line for line in result.stderr.splitlines() if line.startswith("failed: ")]
    # refused at a check between steps, or by the worker's watchdog: the same reason
    [line] = failed
    assert line.startswith(
        f"failed: {folder / 'heavy.txt'}: needed more than its budget of 150 MB of memory; "
        "raise CIVICGRAPH_FILE_MEMORY_MB to allow more"
    )
    assert f"{fixtures} added" in result.stdout
