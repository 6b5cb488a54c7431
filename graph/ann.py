"""The embedded default vector index: an approximate (HNSW) index of every sentence vector,
from usearch, saved in the store folder and memory-mapped, so that a store of a million
passages neither loads nor rebuilds it at start.

Each document's vectors stay in their own file (`VectorFiles`), the source of truth. The
approximate index is a snapshot built from those files: every sentence vector is a row,
keyed by its row number, quantised to 8 bits, and mapped back to its passage (a passage is
found by its best sentence and ordered by the soft maximum of all its sentences' cosines, as
in the exact index). The 8-bit index only chooses the candidates: they are scored again on
their rows at 32 bits (`vectors.npy`, only the candidates' rows read, by `RowFile`), since
8 bits alone reorder near-ties (recall@10 0.96 at 20,000 generated rows, 1.00 scored again
from 40 candidates). Documents written since the snapshot are held in memory and
scanned exactly (the delta); documents deleted or rewritten since are left out of the
snapshot's answers (stale). When the delta grows past DELTA_ROWS rows (or a share of the
snapshot), a writer merges it into a new snapshot: it loads the last one, removes the stale
rows, adds the delta's, and saves it as a new generation folder, then points `ann/current`
at it, so that a reader sees either the old snapshot or the new one.

Sizes and speeds measured with these settings are in the README's "Scale" section.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import tempfile
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from graph.errors import ConfigError
from graph.rowfile import RowFile
from graph.vectors import ExactScan, VectorFiles, check_rows, row_runs, soft_best, soft_order

log = logging.getLogger(__name__)

# HNSW graph degree and the breadth of the search while building (README, "Scale": at
# 600,000 generated rows a degree of 32 gave 0.984 against 16's 0.982; half this breadth
# cost 0.012 at 2,000,000 rows).
CONNECTIVITY = 16
EXPANSION_ADD = 128
# The breadth of a search: candidates kept while walking the graph. usearch does not save
# it with the index, so it is set again on every snapshot opened, from the snapshot's size
# unless a breadth is given. Recall@10 of generated vectors (README, "Scale"): at 200,000
# rows 0.993 at 1024; at 600,000 rows 0.981 at 1024 and 0.994 at 4096; at 2,000,000 rows
# 0.963 at 1024, 0.989 at 2048 and 0.994 at 4096 (16 rows a passage wanted, 9.8 and 13.7 ms
# a search of the index alone at 2048 and 4096).
EXPANSION_SEARCH = 1024
WIDE_EXPANSION_SEARCH = 4096
WIDE_FROM_ROWS = 250_000
# Sentence vectors asked of the index for each passage wanted: a passage holds up to six,
# a few of them often rank together, and a million passages crowd the nearest rows (at
# 2,000,000 rows and a breadth of 1024, 0.947 asking 4 a passage, 0.961 asking 16).
ROWS_PER_PASSAGE = 16
# Rows held in memory and scanned exactly before they are merged into the snapshot: the scan
# of 50,000 rows takes a few milliseconds, and a merge costs a load and a save of the
# snapshot, so merges are not made for a handful of documents.
DELTA_ROWS = 50_000
DELTA_SHARE = 0.05
# Past this share of removed rows, a merge rebuilds the snapshot from the files.
GARBAGE_SHARE = 0.5
DTYPE = "i8"
# The precision of the rows candidates are scored again on (`vectors.npy`): "f16" or "f32".
# At a million generated passages the 10th and 11th nearest differ by 0.00015 in cosine at
# the median, and 16 bits reorder them: an exact scan at 16 bits finds 0.994 of the 10 that
# one at 32 finds, which leaves no room for the index's own misses.
ROW_DTYPE = "f32"
_ROW_TYPES = {"f16": np.float16, "f32": np.float32}
# Rows added to the index in one call while merging (each call spreads them over the cores).
ADD_BATCH = 20_000
# Below this many rows the index is built on one thread: rows inserted at once into a small
# graph link poorly, and some are then reached by no search (of 600 clustered rows, 0 to 5
# unreachable built on two threads, none on one; of 10,000, about 22 against 8).
SERIAL_ROWS = 20_000


def _usearch():
    try:
        from usearch.index import Index
    except ImportError:  # pragma: no cover - a pinned dependency
        raise ConfigError(
            "vector_backend=usearch needs the usearch package: pip install 'usearch==2.26.6'"
        ) from None
    return Index


@dataclass
class _Snapshot:
    """A saved approximate index and the tables that map its rows back to passages."""

    folder: Path
    index: object  # usearch.index.Index, memory-mapped
    vectors: RowFile  # row -> its vector (ROW_DTYPE), read on demand to score candidates
    row_passage: np.ndarray  # row (the index's key) -> passage number
    passage_keys: np.ndarray  # passage number -> key (utf-8 bytes)
    passage_document: np.ndarray  # passage number -> document number
    documents: list[tuple[str, tuple[int, int]] | None]  # document number -> key and file stamp
    by_key: dict[str, int] = field(default_factory=dict)  # live document key -> number

    def __post_init__(self) -> None:
        self.by_key = {entry[0]: n for n, entry in enumerate(self.documents) if entry is not None}

    @property
    def rows(self) -> int:
        """Row numbers given out so far (removed rows included)."""
        return len(self.row_passage)


def search_breadth(rows: int) -> int:
    """The breadth of a search of a snapshot of `rows` rows."""
    return EXPANSION_SEARCH if rows <= WIDE_FROM_ROWS else WIDE_EXPANSION_SEARCH


def _load_snapshot(folder: Path, expansion_search: int | None) -> _Snapshot | None:
    """The snapshot `ann/current` names, memory-mapped, or None when there is none."""
    try:
        name = (folder / "current").read_text().strip()
    except FileNotFoundError:
        return None
    where = folder / name
    Index = _usearch()
    meta = json.loads((where / "documents.json").read_text())
    index = Index.restore(str(where / "index.usearch"), view=True)
    index.expansion_search = expansion_search or search_breadth(index.size)
    return _Snapshot(
        folder=where,
        index=index,
        vectors=RowFile(where / "vectors.npy"),
        row_passage=np.load(where / "rows.npy", mmap_mode="r"),
        passage_keys=np.load(where / "passages.npy", mmap_mode="r"),
        passage_document=np.load(where / "owners.npy", mmap_mode="r"),
        documents=[(entry[0], tuple(entry[1])) if entry else None for entry in meta],
    )


class UsearchIndex:
    """Approximate search over every sentence vector (usearch HNSW, 8-bit), saved and
    memory-mapped, with documents written since the last merge scanned exactly."""

    def __init__(
        self,
        folder: str | Path,
        dimension: int,
        *,
        read_only: bool = False,
        delta_rows: int = DELTA_ROWS,
        expansion_search: int | None = None,
        expansion_add: int = EXPANSION_ADD,
        connectivity: int = CONNECTIVITY,
        rows_per_passage: int = ROWS_PER_PASSAGE,
        dtype: str = DTYPE,
        row_dtype: str = ROW_DTYPE,
    ) -> None:
        if row_dtype not in _ROW_TYPES:
            raise ConfigError(f"row_dtype must be one of {sorted(_ROW_TYPES)}, not {row_dtype!r}")
        self.dimension = dimension
        self.read_only = read_only
        self.files = VectorFiles(folder, dimension, read_only=read_only)
        self.folder = Path(folder) / "ann"
        self.delta_rows = delta_rows
        self.expansion_search = expansion_search
        self.expansion_add = expansion_add
        self.connectivity = connectivity
        self.rows_per_passage = rows_per_passage
        self.dtype = dtype
        self.row_type = _ROW_TYPES[row_dtype]
        self._lock = threading.RLock()
        self._snapshot: _Snapshot | None = None
        self._delta = ExactScan(dimension)
        self._stale: set[int] = set()  # snapshot document numbers not to answer from
        self._live_passages = 0  # passages of the snapshot's documents that are not stale
        self._passages_of: np.ndarray = np.zeros(0, dtype=np.int64)  # per document number

    # -- the contract -------------------------------------------------------------------------

    def sync(self, documents: set[str]) -> None:
        """Open the saved snapshot, hold in memory the documents it lacks, leave out those it
        holds in an older version or that the store no longer has; a writer deletes the
        files of documents the store does not hold and merges a large delta."""
        with self._lock:
            self._open_snapshot()
            snapshot = self._snapshot
            served: set[str] = set()
            if snapshot is not None:
                for key, number in snapshot.by_key.items():
                    entry = snapshot.documents[number]
                    assert entry is not None
                    if key in documents and self.files.stamp(key) == entry[1]:
                        served.add(key)
                    else:
                        self._mark_stale(key)
            for key in self._delta.documents() - documents:
                self._delta.drop(key)
            # again what another process (an upload's) has written since
            self._delta.read(self.files, documents - served)
            if not self.read_only:
                self.files.prune(documents)
                self._merge_if_large()

    def upsert(self, document_key: str, keys: Sequence[str], vectors: np.ndarray) -> None:
        """Write a document's file and hold its rows in the delta until the next merge."""
        vectors = check_rows(document_key, keys, vectors, self.dimension)
        with self._lock:
            self.files.write(document_key, keys, vectors)
            self._mark_stale(document_key)
            self._delta.put(document_key, keys, vectors, self.files.stamp(document_key))

    def delete(self, document_key: str) -> None:
        """Remove a document's file and rows."""
        with self._lock:
            self.files.remove(document_key)
            self._mark_stale(document_key)
            self._delta.drop(document_key)

    def search(
        self, vector: np.ndarray, k: int, *, documents: set[str] | None = None
    ) -> list[tuple[str, float]]:
        """The k passages nearest to a normalised vector, best first. Filtered by document,
        the documents' own rows are scanned exactly (read from their files)."""
        if k <= 0:
            return []
        vector = np.asarray(vector, dtype=np.float32)
        with self._lock:
            snapshot, stale, delta = self._snapshot, set(self._stale), self._delta
            if documents is not None:
                return self._search_documents(vector, k, documents)
            found = dict(delta.search(vector, k))
        if snapshot is not None:
            # each part's k by their best rows, then the k of both by soft maximum: within
            # log(6) / SOFTNESS of the k that one exact scan of both would choose
            for key, score in self._search_snapshot(snapshot, stale, vector, k):
                if score > found.get(key, -np.inf):
                    found[key] = score
        return sorted(found.items(), key=lambda item: (-item[1], item[0]))[:k]

    def documents(self) -> set[str]:
        """The documents indexed."""
        with self._lock:
            held = self._delta.documents()
            if self._snapshot is not None:
                held |= {key for key, n in self._snapshot.by_key.items() if n not in self._stale}
            return held

    def count(self) -> int:
        """The number of passages indexed."""
        with self._lock:
            return self._live_passages + self._delta.count()

    def flush(self) -> None:
        """Merge the delta into a new snapshot once it is large."""
        if not self.read_only:
            with self._lock:
                self._merge_if_large()

    def close(self) -> None:
        """Merge a large delta; the snapshot is already on disk."""
        self.flush()

    # -- the snapshot -------------------------------------------------------------------------

    def _open_snapshot(self) -> None:
        try:
            snapshot = _load_snapshot(self.folder, self.expansion_search)
        except (OSError, ValueError, RuntimeError) as exc:
            if self.read_only:
                raise ConfigError(f"cannot read the vector index at {self.folder}: {exc}") from None
            log.warning("rebuilding the vector index at %s: %s", self.folder, exc)
            snapshot = None
        self._use(snapshot)

    def _use(self, snapshot: _Snapshot | None) -> None:
        self._snapshot = snapshot
        self._stale = set()
        if snapshot is None:
            self._passages_of = np.zeros(0, dtype=np.int64)
            self._live_passages = 0
            return
        self._passages_of = np.bincount(
            np.asarray(snapshot.passage_document), minlength=len(snapshot.documents)
        )
        live = [n for n in snapshot.by_key.values()]
        self._live_passages = int(self._passages_of[live].sum()) if live else 0

    def _mark_stale(self, document_key: str) -> None:
        snapshot = self._snapshot
        if snapshot is None:
            return
        number = snapshot.by_key.get(document_key)
        if number is not None and number not in self._stale:
            self._stale.add(number)
            self._live_passages -= int(self._passages_of[number])

    def _search_documents(
        self, vector: np.ndarray, k: int, documents: set[str]
    ) -> list[tuple[str, float]]:
        scan = ExactScan(self.dimension)
        for key in documents:
            found = self._delta_rows(key)
            if found is not None:
                scan.put(key, *found)
        return scan.search(vector, k)

    def _delta_rows(self, key: str) -> tuple[list[str], np.ndarray] | None:
        # looked up, not `in documents()`: that copies the set of every document held, once
        # per document merged (5 ms a call at 100,000 documents: minutes of a merge of them)
        held = self._delta.held(key)
        if held is not None:
            return held
        snapshot = self._snapshot
        if snapshot is None or snapshot.by_key.get(key) in self._stale | {None}:
            return None
        return self.files.read(key)

    def _search_snapshot(
        self, snapshot: _Snapshot, stale: set[int], vector: np.ndarray, k: int
    ) -> list[tuple[str, float]]:
        """The k best passages of the snapshot's live documents, from its nearest rows, in
        the order of the soft maximum of all their rows."""
        wanted = k * self.rows_per_passage
        while True:
            matches = snapshot.index.search(vector, wanted, threads=1)
            rows = np.asarray(matches.keys, dtype=np.int64)
            scores = snapshot.vectors.take(rows) @ vector  # scored again on the saved rows
            passages = np.asarray(snapshot.row_passage[rows])
            owners = np.asarray(snapshot.passage_document[passages])
            best: dict[int, float] = {}
            for passage, owner, score in zip(passages, owners, scores, strict=True):
                if int(owner) in stale:
                    continue
                if score > best.get(int(passage), -np.inf):
                    best[int(passage)] = float(score)
            if len(best) >= k or len(rows) < wanted or wanted >= snapshot.index.size:
                break
            wanted *= 4  # stale rows or a passage's many sentences crowded the others out
        top = np.array([p for p, _ in sorted(best.items(), key=lambda item: -item[1])[:k]])
        if not len(top):
            return []
        # every row of the k, not only those among the nearest, for their soft maximum: a
        # passage's rows are one after another (row_passage never decreases)
        firsts = np.searchsorted(snapshot.row_passage, top, side="left")
        ends = np.searchsorted(snapshot.row_passage, top, side="right")
        chosen, runs = row_runs(firsts, ends)
        every = snapshot.vectors.take(chosen) @ vector
        keys = [snapshot.passage_keys[p].decode() for p in top]
        return soft_order(keys, soft_best(every, runs))

    # -- merging ------------------------------------------------------------------------------

    def _merge_if_large(self) -> None:
        snapshot_rows = self._snapshot.index.size if self._snapshot is not None else 0
        rows = self._delta.rows()
        if rows >= max(self.delta_rows, DELTA_SHARE * snapshot_rows) or (
            self._stale and rows and rows >= self.delta_rows
        ):
            self.merge()

    def merge(self) -> None:
        """Fold the delta into a new snapshot and drop the stale rows from it."""
        Index = _usearch()
        with self._lock:
            old = self._snapshot
            garbage = 0
            if old is not None:
                garbage = (
                    old.rows - old.index.size + int(self._passages_of[list(self._stale)].sum())
                )
            if old is not None and (old.rows and garbage > GARBAGE_SHARE * old.rows):
                old = None  # rebuild: more removed rows than kept
            if old is None:
                index = Index(
                    ndim=self.dimension,
                    metric="cos",
                    dtype=self.dtype,
                    connectivity=self.connectivity,
                    expansion_add=self.expansion_add,
                    expansion_search=self.expansion_search or EXPANSION_SEARCH,
                )
                row_passage: list[np.ndarray] = []
                row_vectors: list[np.ndarray] = []
                passage_keys: list[bytes] = []
                passage_document: list[np.ndarray] = []
                documents: list[tuple[str, tuple[int, int]] | None] = []
                next_row = 0
                pending = sorted(self.documents())
            else:
                index = Index.restore(str(old.folder / "index.usearch"), view=False)
                stale_rows = np.flatnonzero(
                    np.isin(
                        np.asarray(old.passage_document)[np.asarray(old.row_passage)],
                        np.fromiter(self._stale, dtype=np.int64),
                    )
                )
                if len(stale_rows):
                    index.remove(stale_rows.astype(np.uint64))
                row_passage = [np.asarray(old.row_passage)]
                row_vectors = [np.load(old.folder / "vectors.npy", mmap_mode="r")]
                passage_keys = list(np.asarray(old.passage_keys))
                passage_document = [np.asarray(old.passage_document)]
                documents = [None if n in self._stale else e for n, e in enumerate(old.documents)]
                next_row = old.rows
                pending = sorted(self._delta.documents())
            batch: list[np.ndarray] = []
            batch_start = next_row
            for key in pending:
                found = self._delta_rows(key)
                if found is None:
                    continue
                keys, vectors = found
                number = len(documents)
                stamp = self.files.stamp(key)
                documents.append((key, stamp if stamp is not None else (0, 0)))
                starts = [i for i, p in enumerate(keys) if i == 0 or p != keys[i - 1]]
                first = len(passage_keys)
                passage_keys += [keys[i].encode() for i in starts]
                passage_document.append(np.full(len(starts), number, dtype=np.int32))
                numbers = np.repeat(
                    np.arange(first, first + len(starts), dtype=np.int32),
                    np.diff([*starts, len(keys)]),
                )
                row_passage.append(numbers)
                row_vectors.append(vectors.astype(self.row_type))
                batch.append(vectors)
                next_row += len(keys)
                if next_row - batch_start >= ADD_BATCH:
                    _add(index, batch_start, batch)
                    batch, batch_start = [], next_row
            _add(index, batch_start, batch)
            self._save(
                index,
                np.concatenate(row_vectors)
                if row_vectors
                else np.zeros((0, self.dimension), self.row_type),
                np.concatenate(row_passage) if row_passage else np.zeros(0, np.int32),
                np.array(passage_keys, dtype=bytes) if passage_keys else np.zeros(0, "S1"),
                np.concatenate(passage_document) if passage_document else np.zeros(0, np.int32),
                documents,
            )
            self._delta = ExactScan(self.dimension)
            self._open_snapshot()

    def _save(
        self,
        index: object,
        row_vectors: np.ndarray,
        row_passage: np.ndarray,
        passage_keys: np.ndarray,
        passage_document: np.ndarray,
        documents: list[tuple[str, tuple[int, int]] | None],
    ) -> None:
        """Write a new generation folder, then point `current` at it and remove the rest."""
        self.folder.mkdir(parents=True, exist_ok=True)
        where = Path(tempfile.mkdtemp(dir=self.folder, prefix="g-"))
        index.save(str(where / "index.usearch"))  # type: ignore[attr-defined]
        np.save(where / "vectors.npy", row_vectors.astype(self.row_type))
        np.save(where / "rows.npy", row_passage.astype(np.int32))
        np.save(where / "passages.npy", passage_keys)
        np.save(where / "owners.npy", passage_document.astype(np.int32))
        (where / "documents.json").write_text(
            json.dumps([[e[0], list(e[1])] if e else None for e in documents])
        )
        for path in where.iterdir():
            with path.open("rb") as data:
                os.fsync(data.fileno())
        pointer = self.folder / "current.tmp"
        pointer.write_text(where.name)
        os.replace(pointer, self.folder / "current")
        for other in self.folder.iterdir():
            if other.is_dir() and other != where:
                shutil.rmtree(other, ignore_errors=True)


def _add(index: object, first_row: int, blocks: list[np.ndarray]) -> None:
    """Add rows numbered from `first_row` to the index, on every core once it is large."""
    if blocks:
        vectors = np.concatenate(blocks)
        keys = np.arange(first_row, first_row + len(vectors), dtype=np.uint64)
        threads = 1 if first_row < SERIAL_ROWS else 0
        index.add(keys, vectors, threads=threads)  # type: ignore[attr-defined]
