"""The approximate index beyond the contract: a reopened snapshot searches as broadly as a new
one, and its answers agree with an exact scan of the same vectors."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from graph.ann import EXPANSION_SEARCH, UsearchIndex
from graph.vectors import ExactScan

DIMENSION = 64


def _clustered(n: int, rng: np.random.Generator) -> np.ndarray:
    """Vectors near a few centres, as sentence vectors of one genre are."""
    centres = rng.normal(size=(20, DIMENSION))
    picks = rng.integers(0, len(centres), n)
    vectors = centres[picks] + rng.normal(scale=0.4, size=(n, DIMENSION))
    return (vectors / np.linalg.norm(vectors, axis=1, keepdims=True)).astype(np.float32)


def test_a_reopened_snapshot_agrees_with_the_exact_scan(tmp_path: Path) -> None:
    rng = np.random.default_rng(3)
    vectors = _clustered(3000, rng)
    writer = UsearchIndex(tmp_path, DIMENSION, delta_rows=10**9)
    exact = ExactScan(DIMENSION)
    for first in range(0, len(vectors), 100):
        keys = [f"d{first}-p{n}" for n in range(first, first + 100)]
        writer.upsert(f"d{first}", keys, vectors[first : first + 100])
        exact.put(f"d{first}", keys, vectors[first : first + 100])
    writer.merge()
    writer.close()
    reader = UsearchIndex(tmp_path, DIMENSION, read_only=True)
    reader.sync({f"d{first}" for first in range(0, len(vectors), 100)})
    # usearch forgets the breadth of a search when it saves an index
    assert reader._snapshot is not None
    assert reader._snapshot.index.expansion_search == EXPANSION_SEARCH
    assert reader.count() == len(vectors)
    recall = []
    for query in _clustered(50, np.random.default_rng(4)):
        truth = {key for key, _ in exact.search(query, 10)}
        found = reader.search(query, 10)
        recall.append(len(truth & {key for key, _ in found}) / 10)
        # scores are cosines, scored again at 16 bits
        best = exact.search(query, 1)[0]
        assert found[0][1] == pytest.approx(best[1], abs=2e-3)
    assert np.mean(recall) >= 0.99


def test_sync_reads_again_a_document_of_the_delta_written_by_another_process(
    tmp_path: Path,
) -> None:
    rng = np.random.default_rng(7)
    old, new = _clustered(2, rng)
    server = UsearchIndex(tmp_path, DIMENSION)  # the delta is large: nothing is merged
    server.sync(set())
    server.upsert("d1", ["d1-p0"], old[None, :])
    upload = UsearchIndex(tmp_path, DIMENSION)
    upload.sync({"d1"})
    upload.upsert("d1", ["d1-p9"], new[None, :])
    upload.close()
    server.sync({"d1"})
    assert [key for key, _ in server.search(new, 1)] == ["d1-p9"]
    assert server.count() == 1
