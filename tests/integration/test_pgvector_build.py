"""pgvector's HNSW index is built once over the rows a writer wrote into an empty table, and
the table is searched correctly before and after (PostgreSQL started on loopback)."""

from __future__ import annotations

import numpy as np
import pytest

from graph.postgres import PgVectorIndex

pytestmark = pytest.mark.integration

DIMENSION = 16


def _has_hnsw(index: PgVectorIndex) -> bool:
    found = index.db.connection().execute("SELECT to_regclass('cg_vectors_hnsw')").fetchone()
    return found[0] is not None


def _documents(rng: np.random.Generator) -> dict[str, np.ndarray]:
    vectors = rng.normal(size=(60, DIMENSION)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    return {f"d{n}": vectors[n * 6 : n * 6 + 6] for n in range(10)}


def _write(index: PgVectorIndex, documents: dict[str, np.ndarray]) -> None:
    for key, rows in documents.items():
        index.upsert(key, [f"{key}-p{n}" for n in range(len(rows))], rows)


def test_rows_written_from_empty_are_indexed_when_the_writer_flushes(postgres_server) -> None:
    documents = _documents(np.random.default_rng(2))
    index = PgVectorIndex(postgres_server.database("bulk_flush"), DIMENSION)
    _write(index, documents)
    query = documents["d3"][2]
    assert not _has_hnsw(index)
    scanned = index.search(query, 5)
    assert scanned[0][0] == "d3-p2"
    index.flush()
    assert _has_hnsw(index)
    assert [key for key, _ in index.search(query, 5)] == [key for key, _ in scanned]
    # later writes go into the index as they come
    index.upsert("d99", ["d99-p0"], -query[None, :])
    assert index.search(-query, 1)[0][0] == "d99-p0"
    index.close()


def test_a_writer_that_stopped_before_it_flushed_leaves_the_build_to_the_next(
    postgres_server,
) -> None:
    url = postgres_server.database("bulk_stopped")
    first = PgVectorIndex(url, DIMENSION)
    _write(first, _documents(np.random.default_rng(3)))
    first.db.close()  # stopped: neither flushed nor closed
    reader = PgVectorIndex(url, DIMENSION, read_only=True)
    assert not _has_hnsw(reader)  # a reader does not build it
    reader.close()
    second = PgVectorIndex(url, DIMENSION)
    assert _has_hnsw(second) and second.count() == 60
    second.close()
