"""The ingest pipeline: read, split, extract, embed, then write each document in one step.

Documents are processed in groups so that the model embeds full batches; each document is
then written on its own: its vectors to a new file, then its graph in one store transaction.
A document is visible once its graph is in the store, so a crash leaves it either fully
there or not there at all, and re-running the same command finishes the job.

Every file is its own unit of failure: one that cannot be read, that a stage fails on, or
that runs past its budget of time and memory is reported with the reason, and the rest of
the batch is stored (ingest/prepare.py, ingest/workers.py).
"""

from __future__ import annotations

import errno
import logging
import os
import time
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path

from graph.build import build_quads, graph_iri
from graph.embed import Embedder
from graph.keywords import KeywordIndex, keyword_passages
from graph.store import Store
from graph.vectors import VectorIndex
from ingest.budget import FileBudget
from ingest.passages import embedding_units
from ingest.prepare import TIMED, Batch, Extractor, Item, Prepared, Skipped
from ingest.readers import DEFAULT_MAX_BYTES, READERS
from ingest.workers import Preparer, ProcessPreparer, ThreadPreparer

log = logging.getLogger(__name__)

__all__ = [
    "GROUP_PASSAGES",
    "WORKER_MIN_FILES",
    "FoundFiles",
    "IngestReport",
    "Item",
    "Known",
    "Pipeline",
    "Progress",
    "find_files",
]

# Passages embedded together: enough for full model batches, few enough that the model
# starts soon after the first documents are extracted and progress shows.
GROUP_PASSAGES = 128
# Batches of this many files or more are prepared in a worker process.
WORKER_MIN_FILES = 8


@dataclass(frozen=True, slots=True)
class FileResult:
    """What became of one file: added, replaced, unchanged, duplicate, failed or skipped."""

    path: str
    status: str
    key: str | None = None
    reason: str | None = None
    duplicate_of: str | None = None


@dataclass(slots=True)
class IngestReport:
    """What one ingest run did, file by file and in sum."""

    added: list[str] = field(default_factory=list)
    replaced: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)  # older versions of a duplicate's source
    failed: list[tuple[str, str]] = field(default_factory=list)  # (path, reason)
    files: list[FileResult] = field(default_factory=list)
    passages: int = 0
    triples: int = 0
    seconds: float = 0.0
    timings: dict[str, float] = field(
        default_factory=lambda: dict.fromkeys(("read", "split", "extract", "embed", "write"), 0.0)
    )

    @property
    def ok(self) -> bool:
        """True when no file failed."""
        return not self.failed

    @property
    def changed(self) -> bool:
        """True when the store changed."""
        return bool(self.added or self.replaced or self.removed)

    def of(self, status: str) -> list[FileResult]:
        """The files with a status."""
        return [f for f in self.files if f.status == status]

    def add(self, result: FileResult) -> None:
        """Record what became of a file."""
        self.files.append(result)
        if result.status == "failed":
            self.failed.append((result.path, result.reason or ""))
        elif result.status in ("added", "replaced", "unchanged"):
            getattr(self, result.status).append(result.key)

    def as_dict(self) -> dict:
        """The report as plain JSON-able data."""
        return {
            "added": self.added,
            "replaced": self.replaced,
            "unchanged": self.unchanged,
            "removed": self.removed,
            "failed": [{"path": p, "reason": r} for p, r in self.failed],
            "duplicates": [
                {"path": f.path, "key": f.key, "duplicate_of": f.duplicate_of}
                for f in self.of("duplicate")
            ],
            "skipped": [{"path": f.path, "reason": f.reason} for f in self.of("skipped")],
            "files": [{k: v for k, v in asdict(f).items() if v is not None} for f in self.files],
            "passages": self.passages,
            "triples": self.triples,
            "seconds": round(self.seconds, 3),
            "timings": {k: round(v, 3) for k, v in self.timings.items()},
        }


@dataclass(frozen=True, slots=True)
class Progress:
    """How far an ingest has got: files done of the total, passages written, and whether a
    group of documents was just written (a natural point for a line of progress)."""

    files: int
    total: int
    passages: int
    started: float  # time.monotonic() when the run began
    group_done: bool = False

    @property
    def seconds(self) -> float:
        """Seconds since the run began."""
        return time.monotonic() - self.started


@dataclass(frozen=True, slots=True)
class Known:
    """What the store already holds about a document."""

    key: str
    source: str
    digest: str | None = None  # the content hash of its text


@dataclass(slots=True)
class FoundFiles:
    """The files under the paths named, and what was passed over there, with why."""

    files: list[Path] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)


def find_files(paths: Iterable[str | Path]) -> FoundFiles:
    """Every file named, and every readable file under each folder named, in a stable order.

    In folders, hidden files and folders (".git") are passed over in silence; files of other
    types, links that lead nowhere or in a loop, and folders that cannot be listed are
    passed over and named with the reason. A file named outright is always tried, so that
    what is wrong with it is reported as a failure.
    """
    found = FoundFiles()
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            files = _walk(path, found.skipped)
            found.files.extend(sorted(files))
        else:
            found.files.append(path)
    return found


def _walk(root: Path, skipped: list[tuple[str, str]]) -> list[Path]:
    files: list[Path] = []
    seen = {os.path.realpath(root)}
    folders = [root]
    while folders:
        folder = folders.pop()
        try:
            entries = sorted(os.scandir(folder), key=lambda e: e.name)
        except OSError as exc:
            skipped.append((str(folder), f"cannot list this folder ({exc.strerror})"))
            continue
        for entry in entries:
            if entry.name.startswith("."):
                continue
            path = Path(entry.path)
            kind = _kind(entry)
            if kind == "folder":
                real = os.path.realpath(path)
                if real in seen:
                    skipped.append((str(path), f"a link to a folder already read ({real})"))
                    continue
                seen.add(real)
                folders.append(path)
            elif kind == "file":
                if path.suffix.lower() in READERS:
                    files.append(path)
                else:
                    suffix = path.suffix.lower() or "(none)"
                    kinds = ", ".join(READERS)
                    skipped.append((str(path), f"unsupported file type {suffix}; read: {kinds}"))
            else:
                skipped.append((str(path), kind))
    return files


def _kind(entry: os.DirEntry) -> str:
    """The kind of a folder entry, after links: folder or file, else why it cannot be read."""
    try:
        if entry.is_dir():
            return "folder"
        if entry.is_file():
            return "file"
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return "a symbolic link in a loop"
        return f"cannot be read ({exc.strerror})"
    if entry.is_symlink():
        return "a symbolic link that leads nowhere"
    return "not a regular file"


class Pipeline:
    """Runs the stages over files and writes each finished document to the store and index."""

    def __init__(
        self,
        store: Store,
        index: VectorIndex,
        embedder: Embedder,
        known: dict[str, Known],
        *,
        keywords: KeywordIndex | None = None,
        extractor: Callable[[], Extractor] | None = None,
        max_bytes: int = DEFAULT_MAX_BYTES,
        budget: FileBudget | None = None,
        worker_min_files: int | None = None,
    ) -> None:
        """``extractor`` is a picklable function that builds the extraction stage (once per
        process, so that a worker process can build its own); None switches extraction off.
        Batches of ``worker_min_files`` files or more are prepared in a worker process."""
        self.store = store
        self.index = index
        self.keywords = keywords
        self.embedder = embedder
        self.known = known  # document key -> Known; kept up to date as documents are written
        self.extractor = extractor
        self.max_bytes = max_bytes
        self.budget = budget or FileBudget()
        self.worker_min_files = WORKER_MIN_FILES if worker_min_files is None else worker_min_files

    def run(
        self,
        items: Iterable[Item],
        *,
        progress: Callable[[Progress], None] | None = None,
        skipped: Iterable[tuple[str, str]] = (),
    ) -> IngestReport:
        """Ingest (path, source, data) items; data None means read the file at path.

        While the model embeds and this process writes one group of documents, the next
        files are read, split and extracted beside it: in a worker process for batches of
        ``worker_min_files`` or more (a process starts in seconds, which a short batch would
        not win back), else in a thread. The model leaves a core to that work only while
        it is going on. ``skipped`` are files passed over before the run, for the report.
        """
        report = IngestReport()
        for path, reason in skipped:
            report.add(FileResult(path, "skipped", reason=reason))
        started = time.perf_counter()
        items = list(items)
        tracker = _Tracker(progress, len(items))
        known = {key: (k.digest, k.source) for key, k in self.known.items() if k.digest}
        kind = ProcessPreparer if len(items) >= self.worker_min_files else ThreadPreparer
        preparer: Preparer = kind(Batch(items, self.extractor, known, self.max_bytes, self.budget))
        group: list[Prepared] = []
        size = 0
        try:
            for _, outcome, timings in preparer:
                for stage in TIMED:
                    report.timings[stage] += timings.get(stage, 0.0)
                if isinstance(outcome, Skipped):
                    self._record(outcome, report)
                    tracker.file(0)
                    continue
                group.append(outcome)
                size += len(outcome.passages)
                if size >= GROUP_PASSAGES:
                    self._write_group(group, report, tracker, spare_cores=int(preparer.busy()))
                    group, size = [], 0
            if group:
                self._write_group(group, report, tracker, spare_cores=0)
        finally:
            preparer.close()
        tracker.done()
        report.seconds = time.perf_counter() - started
        return report

    def _record(self, outcome: Skipped, report: IngestReport) -> None:
        """Report a file that needs no writing."""
        if outcome.reason is not None:
            log.warning("%s: %s", outcome.path, outcome.reason)
            report.add(FileResult(outcome.path, "failed", reason=outcome.reason))
        elif outcome.original is not None:
            assert outcome.key is not None
            if outcome.key in self.known:
                # the file now holds a text stored under another name: its old text goes
                self.index.delete(outcome.key)
                self.store.drop_graph(str(graph_iri(outcome.key)))
                self.known.pop(outcome.key)
                report.removed.append(outcome.key)
            report.add(
                FileResult(outcome.path, "duplicate", outcome.key, duplicate_of=outcome.original)
            )
        else:
            report.add(FileResult(outcome.path, "unchanged", outcome.key))

    def _write_group(
        self,
        group: list[Prepared],
        report: IngestReport,
        tracker: _Tracker,
        *,
        spare_cores: int,
    ) -> None:
        t0 = time.perf_counter()
        units = [
            [(p.key, text) for p in item.passages for text in embedding_units(p)] for item in group
        ]
        texts = [text for rows in units for _, text in rows]
        # while the next files are being prepared beside it, leave that work a core
        vectors = self.embedder.encode(texts, spare_cores=spare_cores)
        report.timings["embed"] += time.perf_counter() - t0
        row = 0
        sources: dict[str, list[str]] = {}
        for known in self.known.values():
            sources.setdefault(known.source, []).append(known.key)
        for item, rows in zip(group, units, strict=True):
            t0 = time.perf_counter()
            doc, passages = item.document, item.passages
            block = vectors[row : row + len(rows)]
            row += len(rows)
            # an older key for the same source: a store written before keys followed the path
            replaces = [k for k in sources.get(doc.source, ()) if k != doc.key]
            existed = doc.key in self.known
            quads = build_quads(doc, passages, item.extraction)
            # vectors and keywords first: a document is visible once its graph is written,
            # and rows of a document the store does not hold are pruned at the next start
            self.index.upsert(doc.key, [key for key, _ in rows], block)
            if self.keywords is not None:
                self.keywords.upsert(doc.key, keyword_passages(passages, doc.title))
            self.store.replace_graph(
                str(graph_iri(doc.key)), quads, drop=[str(graph_iri(k)) for k in replaces]
            )
            for old in replaces:
                self.index.delete(old)
                if self.keywords is not None:
                    self.keywords.delete(old)
                self.known.pop(old, None)
            self.known[doc.key] = Known(doc.key, doc.source, item.digest)
            sources[doc.source] = [doc.key]
            status = "replaced" if existed or replaces else "added"
            report.add(FileResult(item.path, status, doc.key))
            report.passages += len(passages)
            report.triples += len(quads)
            report.timings["write"] += time.perf_counter() - t0
            log.info("wrote %s (%d passages)", doc.key, len(passages))
            tracker.file(len(passages))
        t0 = time.perf_counter()
        # once a group: each document's transaction is already atomic; the graph goes last,
        # as a document is visible once its graph is written
        self.index.flush()
        if self.keywords is not None:
            self.keywords.flush()
        self.store.flush()
        report.timings["write"] += time.perf_counter() - t0
        tracker.group_done()


class _Tracker:
    """Counts files and passages and tells `progress` after each file and each group."""

    def __init__(self, progress: Callable[[Progress], None] | None, total: int) -> None:
        self.progress = progress
        self.total = total
        self.files = 0
        self.passages = 0
        self.started = time.monotonic()
        self.told = -1  # files done at the last group's line

    def _tell(self, group_done: bool) -> None:
        if group_done:
            self.told = self.files
        if self.progress is not None:
            self.progress(Progress(self.files, self.total, self.passages, self.started, group_done))

    def file(self, passages: int) -> None:
        """One more file done, with the passages it added."""
        self.files += 1
        self.passages += passages
        self._tell(False)

    def group_done(self) -> None:
        """A group of documents was written."""
        self._tell(True)

    def done(self) -> None:
        """The run is over: a last line, unless the last group's line already says it all."""
        if self.told != self.files:
            self._tell(True)
