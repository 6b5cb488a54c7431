"""Passage vectors: one file per document beside the store, searched by an exact scan."""

from __future__ import annotations

import json
import logging
import os
import tempfile
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Protocol

import numpy as np

from graph.errors import ConfigError, IndexMismatch

log = logging.getLogger(__name__)


class VectorIndex(Protocol):
    """Normalised passage vectors, grouped by document; a passage may have several (one per
    sentence), and scores by the nearest."""

    def upsert(self, document_key: str, keys: Sequence[str], vectors: np.ndarray) -> None: ...

    def delete(self, document_key: str) -> None: ...

    def search(
        self, vector: np.ndarray, k: int, *, documents: set[str] | None = None
    ) -> list[tuple[str, float]]: ...

    def count(self) -> int: ...


class NumpyIndex:
    """Exact cosine search over float32 rows; each document's rows in its own file.

    A document's file is written to a temporary name and renamed, so a crash leaves either
    the old file or the new one. Files of documents the store does not hold are ignored.
    """

    def __init__(self, folder: str | Path | None, dimension: int) -> None:
        self.folder = Path(folder) if folder is not None else None
        self.dimension = dimension
        self._docs: dict[str, tuple[list[str], np.ndarray]] = {}
        self._matrix: np.ndarray | None = None
        self._keys: list[str] = []  # passage keys, one per passage
        self._starts: np.ndarray = np.zeros(0, dtype=np.int64)  # each passage's first row
        self._owners: np.ndarray = np.zeros(0, dtype=np.int32)
        self._owner_names: list[str] = []
        if self.folder is not None:
            self.folder.mkdir(parents=True, exist_ok=True)

    def _file(self, document_key: str) -> Path:
        assert self.folder is not None
        return self.folder / f"{document_key}.npz"

    def load(self, documents: Iterable[str]) -> None:
        """Read the vectors of the given documents from disk."""
        for key in documents:
            path = self._file(key) if self.folder is not None else None
            if path is None or not path.exists():
                continue
            with np.load(path, allow_pickle=False) as data:
                vectors = data["vectors"].astype(np.float32)
                keys = [str(k) for k in data["keys"]]
            if vectors.shape[1:] != (self.dimension,):
                raise IndexMismatch(
                    f"{path} holds {vectors.shape[1]}-d vectors; this store uses {self.dimension}"
                )
            self._docs[key] = (keys, vectors)
        self._matrix = None

    def upsert(self, document_key: str, keys: Sequence[str], vectors: np.ndarray) -> None:
        """Replace one document's vectors, on disk and in memory: one row per key, or several
        rows in a row for a passage held as several vectors (its sentences)."""
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        if vectors.shape != (len(keys), self.dimension):
            raise ValueError(
                f"expected {len(keys)} x {self.dimension} vectors, got {vectors.shape}"
            )
        runs = [key for i, key in enumerate(keys) if i == 0 or key != keys[i - 1]]
        if len(runs) != len(set(runs)):
            raise ValueError(f"the rows of each passage of {document_key} must be contiguous")
        if self.folder is not None:
            handle, tmp = tempfile.mkstemp(dir=self.folder, suffix=".tmp")
            with os.fdopen(handle, "wb") as out:
                np.savez(out, keys=np.array(keys, dtype=str), vectors=vectors)
                out.flush()
                os.fsync(out.fileno())
            os.replace(tmp, self._file(document_key))
        self._docs[document_key] = (list(keys), vectors)
        self._matrix = None

    def delete(self, document_key: str) -> None:
        """Remove one document's vectors."""
        self._docs.pop(document_key, None)
        if self.folder is not None:
            self._file(document_key).unlink(missing_ok=True)
        self._matrix = None

    def copy(self) -> NumpyIndex:
        """A new index over the same folder that shares this one's vectors: changed while
        this one goes on being searched, then put in its place (neither is safe to change
        while another thread searches it)."""
        fresh = NumpyIndex(self.folder, self.dimension)
        fresh._docs = dict(self._docs)
        return fresh

    def documents(self) -> set[str]:
        """The keys of the documents indexed."""
        return set(self._docs)

    def prune(self, keep: set[str]) -> int:
        """Delete vector files of documents not in `keep` (left by an interrupted ingest)."""
        removed = 0
        if self.folder is None:
            return 0
        for path in self.folder.glob("*.npz"):
            if path.stem not in keep:
                path.unlink(missing_ok=True)
                self._docs.pop(path.stem, None)
                removed += 1
        for path in self.folder.glob("*.tmp"):
            path.unlink(missing_ok=True)
        self._matrix = None
        return removed

    def _build(self) -> None:
        names = list(self._docs)
        blocks = [self._docs[name][1] for name in names]
        self._matrix = (
            np.concatenate(blocks) if blocks else np.zeros((0, self.dimension), np.float32)
        )
        rows = [key for name in names for key in self._docs[name][0]]
        # a passage's rows are contiguous (upsert checks it): the first row of each passage
        starts = [i for i, key in enumerate(rows) if i == 0 or key != rows[i - 1]]
        self._starts = np.array(starts, dtype=np.int64)
        self._keys = [rows[i] for i in starts]
        self._owners = (
            np.concatenate(
                [
                    np.full(len(set(self._docs[name][0])), i, dtype=np.int32)
                    for i, name in enumerate(names)
                ]
            )
            if names
            else np.zeros(0, dtype=np.int32)
        )
        self._owner_names = names

    def search(
        self, vector: np.ndarray, k: int, *, documents: set[str] | None = None
    ) -> list[tuple[str, float]]:
        """The k passages nearest to a normalised vector, best first, optionally in
        `documents`; a passage with several vectors scores by its nearest one."""
        if self._matrix is None:
            self._build()
        assert self._matrix is not None
        if not len(self._keys) or k <= 0:
            return []
        vector = vector.astype(np.float32)
        allowed = None
        if documents is not None:
            by_owner = np.array([name in documents for name in self._owner_names], dtype=bool)
            allowed = by_owner[self._owners]
        # every row is scored: a first pass over each passage's mean vector missed its best
        # sentence for one query in eight at 10,000 passages
        scores = np.maximum.reduceat(self._matrix @ vector, self._starts)
        if allowed is not None:
            scores = np.where(allowed, scores, -np.inf)
        k = min(k, len(scores))
        top = np.argpartition(-scores, k - 1)[:k]
        top = top[np.argsort(-scores[top])]
        return [(self._keys[i], float(scores[i])) for i in top if np.isfinite(scores[i])]

    def count(self) -> int:
        """The number of passages indexed."""
        return sum(len(set(keys)) for keys, _ in self._docs.values())


def check_manifest(folder: Path, model: str, dimension: int) -> None:
    """Record the embedding model beside the vectors, or refuse a store made with another one."""
    folder.mkdir(parents=True, exist_ok=True)
    manifest = folder / "manifest.json"
    wanted = {"model": model, "dimension": dimension, "schema": 1}
    if manifest.exists():
        try:
            found = json.loads(manifest.read_text())
        except json.JSONDecodeError as exc:
            raise ConfigError(f"{manifest} is not valid JSON ({exc}); delete the store") from None
        if (found.get("model"), found.get("dimension")) != (model, dimension):
            raise IndexMismatch(
                f"the store at {folder} was built with {found.get('model')} "
                f"({found.get('dimension')}-d); this run uses {model} ({dimension}-d). "
                "Use the same model, or ingest into a new store"
            )
        return
    manifest.write_text(json.dumps(wanted, indent=2) + "\n")


def open_index(backend: str, folder: str | Path | None, dimension: int) -> NumpyIndex:
    """The vector index for a backend name (only "numpy", the embedded default, for now)."""
    if backend == "numpy":
        return NumpyIndex(folder, dimension)
    raise ConfigError(f"unknown vector backend {backend!r}; choose numpy")
