"""Passage vectors: the `VectorIndex` contract, the per-document files the embedded indexes
keep beside the store, and the exact index that scans every row.

A passage may hold several vectors (one per sentence, at most six): a search finds the
passages of the nearest ones and orders them by a soft maximum of their cosines
(`soft_best`): the nearest, and a little more where others are nearly as near. The embedded
indexes keep each document's vectors in a file of its own (`VectorFiles`), the source from
which the approximate index (graph/ann.py) is built and caught up.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

import numpy as np

from graph.errors import ConfigError, IndexMismatch, Unsupported

log = logging.getLogger(__name__)

# The k passages a search returns are those with the nearest sentences, as an approximate
# index finds them; they come in the order of a soft maximum of all their sentences' cosines
# s_i, log(sum(exp(SOFTNESS * s_i))) / SOFTNESS: the best cosine plus at most
# log(n) / SOFTNESS (0.09 for six sentences) where other sentences come near it, while a
# sentence 0.15 under the best adds 5% of what an equal one does. A passage whose several
# sentences bear on the question then edges out one with a single close sentence among
# others off the subject. Chosen on the development questions (dense MRR@10 0.562 -> 0.569,
# fused 0.665 -> 0.677; 15-50 all fused 0.672-0.678, 10 lower) and checked on the seeds
# (dense 0.837 -> 0.853, fused 0.898 -> 0.903). Ordering the whole index by it instead
# ranked the same on both sets for a search of 50, but an approximate index then needs
# far more candidates to find its top ten (recall@10 0.47 at four rows a passage wanted).
SOFTNESS = 20.0


def soft_best(scores: np.ndarray, starts: np.ndarray) -> np.ndarray:
    """Each passage's soft maximum (see SOFTNESS) from the cosines of its rows, the rows of
    a passage one after another from its entry in `starts` (ascending, the first 0)."""
    if not len(starts):
        return np.zeros(0, dtype=np.float32)
    # shifted by the best row of all, not of each passage: cosines lie within [-1, 1], so no
    # term is under exp(-2 * SOFTNESS), far above float32's smallest
    top = scores.max()
    lifted = np.exp(SOFTNESS * (scores - top))
    return top + np.log(np.add.reduceat(lifted, starts)) / SOFTNESS


def soft_best_of(scores: Sequence[float]) -> float:
    """One passage's soft maximum (see SOFTNESS) from the cosines of its rows."""
    best = max(scores)
    return best + float(np.log(sum(np.exp(SOFTNESS * (s - best)) for s in scores))) / SOFTNESS


def row_runs(firsts: np.ndarray, ends: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The rows of passages that run from `firsts` to `ends` (exclusive), one passage after
    another, and where each passage's run starts among them (for `soft_best`)."""
    lengths = np.asarray(ends, dtype=np.int64) - np.asarray(firsts, dtype=np.int64)
    starts = np.concatenate([[0], np.cumsum(lengths)[:-1]]).astype(np.int64)
    rows = np.repeat(np.asarray(firsts, dtype=np.int64) - starts, lengths)
    return rows + np.arange(int(lengths.sum())), starts


def soft_order(keys: Sequence, soft: np.ndarray) -> list[tuple]:
    """(key, score) by soft maximum, best first (the nearer key first on a tie)."""
    order = np.argsort(-soft, kind="stable")
    return [(keys[i], float(soft[i])) for i in order]


class VectorIndex(Protocol):
    """Normalised passage vectors, grouped by document; a passage may have several (one per
    sentence): a search returns the passages of the nearest rows, in the order of the soft
    maximum of all their rows (see SOFTNESS). Searches may run in any number of threads
    while one other thread writes (a server answers while an upload is stored)."""

    dimension: int
    read_only: bool

    def sync(self, documents: set[str]) -> None:
        """Hold the vectors of exactly these documents (those the store holds): read what is
        saved, again where another process has written it since, and, unless read-only, drop
        what belongs to no document of the store."""
        ...

    def upsert(self, document_key: str, keys: Sequence[str], vectors: np.ndarray) -> None:
        """Replace one document's vectors: one row per key; a passage held as several
        vectors has its rows one after another."""
        ...

    def delete(self, document_key: str) -> None:
        """Remove one document's vectors."""
        ...

    def search(
        self, vector: np.ndarray, k: int, *, documents: set[str] | None = None
    ) -> list[tuple[str, float]]:
        """The k passages whose best rows are nearest to a normalised vector, only in
        `documents` when given: (key, soft maximum of the cosines of all the passage's
        rows), best first."""
        ...

    def documents(self) -> set[str]:
        """The keys of the documents indexed."""
        ...

    def count(self) -> int:
        """The number of passages indexed."""
        ...

    def flush(self) -> None:
        """Make the writes so far durable."""
        ...

    def close(self) -> None:
        """Flush, and release files and connections."""
        ...


def check_rows(document_key: str, keys: Sequence[str], vectors: np.ndarray, dimension: int):
    """The vectors as contiguous float32, after checking their shape and that each passage's
    rows are one after another."""
    vectors = np.ascontiguousarray(vectors, dtype=np.float32)
    if vectors.shape != (len(keys), dimension):
        raise ValueError(f"expected {len(keys)} x {dimension} vectors, got {vectors.shape}")
    runs = [key for i, key in enumerate(keys) if i == 0 or key != keys[i - 1]]
    if len(runs) != len(set(runs)):
        raise ValueError(f"the rows of each passage of {document_key} must be contiguous")
    return vectors


class VectorFiles:
    """Each document's vectors in a file of its own, `{key}.npz` (passage keys and float32
    rows). A file is written under a temporary name and renamed, so a crash leaves either
    the old file or the new one."""

    def __init__(self, folder: str | Path, dimension: int, *, read_only: bool = False) -> None:
        self.folder = Path(folder)
        self.dimension = dimension
        self.read_only = read_only
        if not read_only:
            self.folder.mkdir(parents=True, exist_ok=True)

    def path(self, document_key: str) -> Path:
        """The file of a document's vectors."""
        return self.folder / f"{document_key}.npz"

    def stamp(self, document_key: str) -> tuple[int, int] | None:
        """What tells one version of a document's file from another (its inode and the time
        it was written), or None when there is none."""
        try:
            info = self.path(document_key).stat()
        except FileNotFoundError:
            return None
        return (info.st_ino, info.st_mtime_ns)

    def read(self, document_key: str) -> tuple[list[str], np.ndarray] | None:
        """A document's passage keys (one per row) and rows, or None when it has no file."""
        path = self.path(document_key)
        try:
            with np.load(path, allow_pickle=False) as data:
                vectors = data["vectors"].astype(np.float32)
                keys = [str(k) for k in data["keys"]]
        except FileNotFoundError:
            return None
        if vectors.shape[1:] != (self.dimension,):
            raise IndexMismatch(
                f"{path} holds {vectors.shape[1]}-d vectors; this store uses {self.dimension}"
            )
        return keys, vectors

    def _check_writable(self) -> None:
        if self.read_only:
            raise Unsupported(f"the vector index at {self.folder} is opened read-only")

    def write(self, document_key: str, keys: Sequence[str], vectors: np.ndarray) -> None:
        """Replace a document's file."""
        self._check_writable()
        handle, tmp = tempfile.mkstemp(dir=self.folder, suffix=".tmp")
        with os.fdopen(handle, "wb") as out:
            np.savez(out, keys=np.array(keys, dtype=str), vectors=vectors)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, self.path(document_key))

    def remove(self, document_key: str) -> None:
        """Delete a document's file."""
        self._check_writable()
        self.path(document_key).unlink(missing_ok=True)

    def held(self) -> set[str]:
        """The documents that have a file."""
        return {path.stem for path in self.folder.glob("*.npz")}

    def prune(self, keep: set[str]) -> int:
        """Delete the files of documents not in `keep` (left by an interrupted ingest) and
        temporary files; how many documents' files went."""
        removed = 0
        for key in self.held() - keep:
            self.remove(key)
            removed += 1
        for path in self.folder.glob("*.tmp"):
            path.unlink(missing_ok=True)
        return removed


class ExactScan:
    """Rows held in memory and every one scored against the query: exact search. A search
    scores the rows as they were when it began, while another thread puts or drops."""

    def __init__(self, dimension: int) -> None:
        self.dimension = dimension
        self._lock = threading.Lock()
        self._docs: dict[str, tuple[list[str], np.ndarray]] = {}
        self._stamps: dict[str, tuple[int, int] | None] = {}  # each file's, when read from one
        self._matrix: np.ndarray | None = None
        self._keys: list[str] = []  # passage keys, one per passage
        self._starts: np.ndarray = np.zeros(0, dtype=np.int64)  # each passage's first row
        self._owners: np.ndarray = np.zeros(0, dtype=np.int32)
        self._owner_names: list[str] = []

    def put(
        self,
        document_key: str,
        keys: Sequence[str],
        vectors: np.ndarray,
        stamp: tuple[int, int] | None = None,
    ) -> None:
        """Hold a document's rows (in place of any it had), and the stamp of the file they
        were read from or written to."""
        with self._lock:
            self._docs[document_key] = (list(keys), vectors)
            self._stamps[document_key] = stamp
            self._matrix = None

    def drop(self, document_key: str) -> None:
        """Forget a document's rows."""
        with self._lock:
            self._stamps.pop(document_key, None)
            if self._docs.pop(document_key, None) is not None:
                self._matrix = None

    def documents(self) -> set[str]:
        """The documents held."""
        with self._lock:
            return set(self._docs)

    def held(self, document_key: str) -> tuple[list[str], np.ndarray] | None:
        """A document's passage keys (one per row) and rows, or None when it is not held."""
        with self._lock:
            return self._docs.get(document_key)

    def read(self, files: VectorFiles, documents: set[str]) -> None:
        """Hold these documents' rows as saved in `files`: read those not held, and again
        those whose file was written since their rows were read (by another process)."""
        with self._lock:
            stamps = dict(self._stamps)
        for key in sorted(documents):
            stamp = files.stamp(key)  # before reading: a newer file is read next time
            if key in stamps and stamp == stamps[key]:
                continue
            found = files.read(key)
            if found is not None:
                self.put(key, *found, stamp)
            else:
                self.drop(key)

    def rows(self) -> int:
        """The number of rows held."""
        with self._lock:
            return sum(len(keys) for keys, _ in self._docs.values())

    def count(self) -> int:
        """The number of passages held."""
        with self._lock:
            return sum(len(set(keys)) for keys, _ in self._docs.values())

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
        """The k passages with the nearest rows to a normalised vector, optionally only in
        `documents`, in the order of the soft maximum of their rows (see SOFTNESS)."""
        with self._lock:  # put and drop replace these, never change them in place
            if self._matrix is None:
                self._build()
            matrix, keys, starts = self._matrix, self._keys, self._starts
            owners, owner_names = self._owners, self._owner_names
        assert matrix is not None
        if not len(keys) or k <= 0:
            return []
        vector = vector.astype(np.float32)
        allowed = None
        if documents is not None:
            by_owner = np.array([name in documents for name in owner_names], dtype=bool)
            allowed = by_owner[owners]
        # every row is scored: a first pass over each passage's mean vector missed its best
        # sentence for one query in eight at 10,000 passages
        rows = matrix @ vector
        scores = np.maximum.reduceat(rows, starts)
        if allowed is not None:
            scores = np.where(allowed, scores, -np.inf)
        k = min(k, len(scores))
        top = np.argpartition(-scores, k - 1)[:k]
        top = top[np.argsort(-scores[top])]
        top = top[np.isfinite(scores[top])]
        # the k nearest, in the order of their soft maximum (see SOFTNESS)
        ends = np.append(starts[1:], len(rows))
        chosen, runs = row_runs(starts[top], ends[top])
        return soft_order([keys[i] for i in top], soft_best(rows[chosen], runs))


class NumpyIndex:
    """Exact cosine search over every row, held in memory; each document's rows in its own
    file (none when `folder` is None). Files of documents the store does not hold are
    ignored, and deleted by a writer's `sync`."""

    def __init__(
        self, folder: str | Path | None, dimension: int, *, read_only: bool = False
    ) -> None:
        self.dimension = dimension
        self.read_only = read_only
        self.files = (
            VectorFiles(folder, dimension, read_only=read_only) if folder is not None else None
        )
        self._scan = ExactScan(dimension)

    def sync(self, documents: set[str]) -> None:
        """Hold the saved vectors of these documents; a writer deletes the other files."""
        for key in self._scan.documents() - documents:
            self._scan.drop(key)
        if self.files is None:
            return
        self._scan.read(self.files, documents)
        if not self.read_only:
            self.files.prune(documents)

    def upsert(self, document_key: str, keys: Sequence[str], vectors: np.ndarray) -> None:
        """Replace one document's vectors, on disk and in memory."""
        vectors = check_rows(document_key, keys, vectors, self.dimension)
        stamp = None
        if self.files is not None:
            self.files.write(document_key, keys, vectors)
            stamp = self.files.stamp(document_key)
        self._scan.put(document_key, keys, vectors, stamp)

    def delete(self, document_key: str) -> None:
        """Remove one document's vectors."""
        if self.files is not None:
            self.files.remove(document_key)
        self._scan.drop(document_key)

    def search(
        self, vector: np.ndarray, k: int, *, documents: set[str] | None = None
    ) -> list[tuple[str, float]]:
        """The k nearest passages, by an exact scan of every row."""
        return self._scan.search(vector, k, documents=documents)

    def documents(self) -> set[str]:
        """The documents indexed."""
        return self._scan.documents()

    def count(self) -> int:
        """The number of passages indexed."""
        return self._scan.count()

    def flush(self) -> None:
        """Nothing waits: each document's file is written at once."""

    def close(self) -> None:
        """Nothing to release."""


def check_manifest(manifest: Path, model: str, dimension: int, *, read_only: bool) -> None:
    """Record the embedding model in the store's manifest, or refuse a store made with
    another one (a read-only caller only checks)."""
    wanted = {"model": model, "dimension": dimension, "schema": 1}
    if manifest.exists():
        try:
            found = json.loads(manifest.read_text())
        except json.JSONDecodeError as exc:
            raise ConfigError(f"{manifest} is not valid JSON ({exc}); delete the store") from None
        if (found.get("model"), found.get("dimension")) != (model, dimension):
            raise IndexMismatch(
                f"the store at {manifest.parent} was built with {found.get('model')} "
                f"({found.get('dimension')}-d); this run uses {model} ({dimension}-d). "
                "Use the same model, or ingest into a new store"
            )
        return
    if not read_only:
        manifest.parent.mkdir(parents=True, exist_ok=True)
        manifest.write_text(json.dumps(wanted, indent=2) + "\n")
