"""`civicgraph eval` scores a store against a gold file, as text or JSON."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from tests.conftest import CLI, GOLD, ROOT, SEEDS

pytestmark = pytest.mark.integration


def test_eval_scores_the_seeds_store(seeded_store: Path) -> None:
    result = subprocess.run(
        [
            *CLI,
            "eval",
            "--store",
            str(seeded_store),
            "--json",
            str(GOLD / "seeds.json"),
            "--corpus",
            str(SEEDS),
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["corpus"] == "seeds" and len(report["documents"]) == 5
    assert report["missing_documents"] == []
    text = json.dumps(report)
    for predicate in ("leads", "headOf", "holdsPost", "rated"):
        assert predicate in text


def test_eval_names_a_malformed_gold_file(seeded_store: Path, tmp_path: Path) -> None:
    bad = tmp_path / "gold.json"
    bad.write_text('{"entities": 3}')
    result = subprocess.run(
        [*CLI, "eval", "--store", str(seeded_store), str(bad)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
    )
    assert result.returncode == 1
    assert str(bad) in result.stderr
