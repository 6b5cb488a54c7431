"""The vector index: per-document files, exact search, deletion, pruning and the model manifest."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from graph.embed import HashEmbedder
from graph.errors import IndexMismatch
from graph.vectors import NumpyIndex, check_manifest

EMBED = HashEmbedder()


def test_upsert_search_and_reload(tmp_path: Path) -> None:
    index = NumpyIndex(tmp_path, EMBED.dimension)
    index.upsert("d1", ["d1-p0", "d1-p1"], EMBED.encode(["older people hospital", "school"]))
    index.upsert("d2", ["d2-p0"], EMBED.encode(["community safety"]))
    hits = index.search(EMBED.encode_query("hospital older people"), 2)
    assert hits[0][0] == "d1-p0" and hits[0][1] == pytest.approx(1.0, abs=1e-5)
    reloaded = NumpyIndex(tmp_path, EMBED.dimension)
    reloaded.load(["d1", "d2"])
    assert reloaded.count() == 3
    assert reloaded.search(EMBED.encode_query("community safety"), 1)[0][0] == "d2-p0"


def test_document_filter_and_delete(tmp_path: Path) -> None:
    index = NumpyIndex(tmp_path, EMBED.dimension)
    index.upsert("d1", ["d1-p0"], EMBED.encode(["school improvement"]))
    index.upsert("d2", ["d2-p0"], EMBED.encode(["school improvement"]))
    only = index.search(EMBED.encode_query("school"), 5, documents={"d2"})
    assert [key for key, _ in only] == ["d2-p0"]
    index.delete("d2")
    assert not (tmp_path / "d2.npz").exists()
    assert [key for key, _ in index.search(EMBED.encode_query("school"), 5)] == ["d1-p0"]


def test_prune_removes_files_of_documents_not_in_the_store(tmp_path: Path) -> None:
    index = NumpyIndex(tmp_path, EMBED.dimension)
    index.upsert("kept", ["k"], EMBED.encode(["a"]))
    index.upsert("orphan", ["o"], EMBED.encode(["b"]))
    assert index.prune({"kept"}) == 1
    assert sorted(p.name for p in tmp_path.glob("*.npz")) == ["kept.npz"]


def test_wrong_shape_is_refused(tmp_path: Path) -> None:
    index = NumpyIndex(tmp_path, EMBED.dimension)
    with pytest.raises(ValueError, match="expected 2 x 384"):
        index.upsert("d", ["a", "b"], np.zeros((1, 384), dtype=np.float32))


def test_store_made_with_another_model_is_refused(tmp_path: Path) -> None:
    check_manifest(tmp_path, "all-MiniLM-L6-v2", 384)
    check_manifest(tmp_path, "all-MiniLM-L6-v2", 384)
    with pytest.raises(IndexMismatch, match="built with all-MiniLM-L6-v2"):
        check_manifest(tmp_path, "other-model", 768)


def test_a_passage_held_as_several_vectors_scores_by_its_nearest(tmp_path: Path) -> None:
    index = NumpyIndex(tmp_path, EMBED.dimension)
    sentences = ["school budgets", "bus routes", "older people in hospital"]
    index.upsert("d1", ["d1-p0", "d1-p0", "d1-p1"], EMBED.encode(sentences))
    index.upsert("d2", ["d2-p0"], EMBED.encode(["bus routes and school budgets"]))
    hits = index.search(EMBED.encode_query("bus routes"), 5)
    assert hits[0][0] == "d1-p0" and hits[0][1] == pytest.approx(1.0, abs=1e-5)
    assert [key for key, _ in hits].count("d1-p0") == 1
    assert index.count() == 3
    with pytest.raises(ValueError, match="contiguous"):
        index.upsert("d3", ["a", "b", "a"], EMBED.encode(["x", "y", "z"]))
