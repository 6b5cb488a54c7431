"""The approximate index beyond the contract: a reopened snapshot searches as broadly as a new
one, and its answers agree with an exact scan of the same vectors."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from graph.ann import (
    EXPANSION_SEARCH,
    WIDE_EXPANSION_SEARCH,
    WIDE_FROM_ROWS,
    UsearchIndex,
    search_breadth,
)
from graph.errors import ConfigError
from graph.vectors import ExactScan

DIMENSION = 64


def _clustered(n: int, rng: np.random.Generator) -> np.ndarray:
    """Vectors near a few centres, as sentence vectors of one genre are."""
    centres = rng.normal(size=(20, DIMENSION))
    picks = rng.integers(0, len(centres), n)
    vectors = centres[picks] + rng.normal(scale=0.4, size=(n, DIMENSION))
    return (vectors / np.linalg.norm(vectors, axis=1, keepdims=True)).astype(np.float32)


def _saved_beside_exact(
    folder: Path, vectors: np.ndarray, per_document: int, rows_per_passage: int = 1, **settings: str
) -> tuple[UsearchIndex, ExactScan]:
    """The vectors written in documents of `per_document` rows and merged into a saved
    snapshot, opened again read-only, beside an exact scan of the same rows."""
    writer = UsearchIndex(folder, DIMENSION, delta_rows=10**9, **settings)
    exact = ExactScan(DIMENSION)
    documents = set()
    for first in range(0, len(vectors), per_document):
        rows = range(first, first + per_document)
        keys = [f"d{first}-p{n // rows_per_passage}" for n in rows]
        writer.upsert(f"d{first}", keys, vectors[first : first + per_document])
        exact.put(f"d{first}", keys, vectors[first : first + per_document])
        documents.add(f"d{first}")
    writer.merge()
    writer.close()
    reader = UsearchIndex(folder, DIMENSION, read_only=True)
    reader.sync(documents)
    return reader, exact


def test_a_reopened_snapshot_agrees_with_the_exact_scan(tmp_path: Path) -> None:
    rng = np.random.default_rng(3)
    vectors = _clustered(3000, rng)
    reader, exact = _saved_beside_exact(tmp_path, vectors, per_document=100)
    # usearch forgets the breadth of a search when it saves an index
    assert reader._snapshot is not None
    assert reader._snapshot.index.expansion_search == EXPANSION_SEARCH
    assert reader.count() == len(vectors)
    recall = []
    for query in _clustered(50, np.random.default_rng(4)):
        truth = {key for key, _ in exact.search(query, 10)}
        found = reader.search(query, 10)
        recall.append(len(truth & {key for key, _ in found}) / 10)
        # scores are cosines, scored again on the saved rows at 32 bits
        best = exact.search(query, 1)[0]
        assert found[0][1] == pytest.approx(best[1], abs=1e-6)
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


def test_candidates_scored_again_at_32_bits_rank_as_the_exact_scan(tmp_path: Path) -> None:
    vectors = _clustered(600, np.random.default_rng(5))
    # two rows a passage, as a passage has a vector for each of its sentences
    reader, exact = _saved_beside_exact(
        tmp_path, vectors, per_document=60, rows_per_passage=2, row_dtype="f32"
    )
    assert reader._snapshot is not None
    assert reader._snapshot.vectors.dtype == np.float32
    for query in _clustered(20, np.random.default_rng(6)):
        found, truth = reader.search(query, 10), exact.search(query, 10)
        assert [key for key, _ in found] == [key for key, _ in truth]
        assert [score for _, score in found] == pytest.approx([s for _, s in truth], abs=1e-6)


def test_an_unknown_precision_of_the_rows_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="row_dtype"):
        UsearchIndex(tmp_path, DIMENSION, row_dtype="f8")


def test_a_large_snapshot_is_searched_wider_unless_a_breadth_is_given(tmp_path: Path) -> None:
    assert search_breadth(WIDE_FROM_ROWS) == EXPANSION_SEARCH
    assert search_breadth(WIDE_FROM_ROWS + 1) == WIDE_EXPANSION_SEARCH > EXPANSION_SEARCH
    writer = UsearchIndex(tmp_path, DIMENSION, delta_rows=10**9)
    writer.upsert("d1", ["d1-p0", "d1-p1"], _clustered(2, np.random.default_rng(8)))
    writer.merge()
    writer.close()
    chosen = UsearchIndex(tmp_path, DIMENSION, read_only=True, expansion_search=300)
    chosen.sync({"d1"})
    assert chosen._snapshot is not None and chosen._snapshot.index.expansion_search == 300


def test_every_row_of_a_small_index_is_reached(tmp_path: Path) -> None:
    # built on two threads, a graph this small left a few rows that no search reached
    vectors = _clustered(600, np.random.default_rng(5))
    writer = UsearchIndex(tmp_path, DIMENSION, delta_rows=10**9)
    for first in range(0, len(vectors), 60):
        keys = [f"d{first}-p{n}" for n in range(first, first + 60)]
        writer.upsert(f"d{first}", keys, vectors[first : first + 60])
    writer.merge()
    assert writer._delta.count() == 0  # every row is searched through the index
    for n in range(len(vectors)):
        assert writer.search(vectors[n], 1)[0][0] == f"d{n - n % 60}-p{n}"
