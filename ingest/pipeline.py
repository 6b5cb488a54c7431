"""The ingest pipeline: read, split, extract, embed, then write each document in one step.

Documents are processed in groups so that the model embeds full batches; each document is
then written on its own: its vectors to a new file, then its graph in one store transaction.
A document is visible once its graph is in the store, so a crash leaves it either fully
there or not there at all, and re-running the same command finishes the job.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import queue
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from graph.build import build_quads, graph_iri
from graph.embed import Embedder
from graph.keywords import KeywordIndex, keyword_passages
from graph.model import Document, Extraction, Passage
from graph.store import Store
from graph.vectors import NumpyIndex
from ingest.passages import embedding_units, split_passages
from ingest.readers import DEFAULT_MAX_BYTES, READERS, UnreadableFile, read_document

log = logging.getLogger(__name__)

Extractor = Callable[[Document, list[Passage]], Extraction]

# Passages embedded together: enough for full model batches, few enough that the model
# starts soon after the first documents are extracted and progress shows.
GROUP_PASSAGES = 128
# Batches of this many files or more are prepared in a worker process.
WORKER_MIN_FILES = 8
# Groups the worker may prepare ahead of the model. Extraction is faster than embedding on
# one core, so the worker runs ahead and, once it is done or the queue is full, the model
# has both cores again; the bound keeps memory to a few thousand prepared passages.
WORKER_QUEUE_GROUPS = 64
_TIMED = ("read", "split", "extract")


@dataclass(slots=True)
class IngestReport:
    """What one ingest run did."""

    added: list[str] = field(default_factory=list)
    replaced: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)  # (path, reason)
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

    def as_dict(self) -> dict:
        """The report as plain JSON-able data."""
        return {
            "added": self.added,
            "replaced": self.replaced,
            "unchanged": self.unchanged,
            "failed": [{"path": p, "reason": r} for p, r in self.failed],
            "passages": self.passages,
            "triples": self.triples,
            "seconds": round(self.seconds, 3),
            "timings": {k: round(v, 3) for k, v in self.timings.items()},
        }


@dataclass(frozen=True, slots=True)
class Known:
    """What the store already holds about a document."""

    key: str
    source: str


@dataclass(slots=True)
class _Prepared:
    path: str
    document: Document
    passages: list[Passage]
    extraction: Extraction | None


@dataclass(frozen=True, slots=True)
class _Skipped:
    """A file that needs no writing: unreadable (``reason``) or already stored (``key``)."""

    path: str
    reason: str | None = None
    key: str | None = None


Item = tuple[Path, str | None, bytes | None]  # (path, source name, bytes or None to read)


def find_files(paths: Iterable[str | Path]) -> Iterator[Path]:
    """Every file named, and every readable file under each folder named, in a stable order."""
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            for child in sorted(path.rglob("*")):
                if (
                    child.is_file()
                    and child.suffix.lower() in READERS
                    and not any(part.startswith(".") for part in child.relative_to(path).parts)
                ):
                    yield child
        else:
            yield path


def prepare(
    item: Item,
    *,
    extractor: Callable[[], Extractor] | None,
    known_keys: frozenset[str],
    max_bytes: int,
    timings: dict[str, float],
) -> _Prepared | _Skipped:
    """Read, split and extract one file, unless it is unreadable or already stored.

    ``extractor`` builds the extraction stage; it is called only when a file needs it, so
    that a run over files already stored never loads the language model."""
    path, source, data = item
    t0 = time.perf_counter()
    try:
        document = read_document(path, max_bytes=max_bytes, data=data, source=source)
    except UnreadableFile as exc:
        return _Skipped(exc.path, reason=exc.reason)
    except Exception as exc:  # a reader bug must not stop the batch
        log.exception("reading %s failed", path)
        return _Skipped(str(path), reason=f"could not read ({type(exc).__name__}: {exc})")
    finally:
        timings["read"] += time.perf_counter() - t0
    if document.key in known_keys:
        return _Skipped(str(path), key=document.key)
    t0 = time.perf_counter()
    passages = split_passages(document)
    timings["split"] += time.perf_counter() - t0
    extraction = None
    if extractor is not None:
        stage = extractor()  # built on first use; loading is not extraction time
        t0 = time.perf_counter()
        extraction = stage(document, passages)
        timings["extract"] += time.perf_counter() - t0
    return _Prepared(str(path), document, passages, extraction)


def _groups(
    items: Iterable[Item],
    extractor: Callable[[], Extractor] | None,
    known_keys: frozenset[str],
    max_bytes: int,
    timings: dict[str, float],
) -> Iterator[list[_Prepared | _Skipped]]:
    """Prepared files in groups of about GROUP_PASSAGES passages (skipped files ride along)."""
    group: list[_Prepared | _Skipped] = []
    size = 0
    for item in items:
        outcome = prepare(
            item, extractor=extractor, known_keys=known_keys, max_bytes=max_bytes, timings=timings
        )
        group.append(outcome)
        if isinstance(outcome, _Prepared):
            size += len(outcome.passages)
        if size >= GROUP_PASSAGES:
            yield group
            group, size = [], 0
    if group:
        yield group


def _prepare_in_worker(
    factory: Callable[[], Extractor] | None,
    items: list[Item],
    known_keys: frozenset[str],
    max_bytes: int,
    out: Any,
    finished: Any,
) -> None:
    """The worker process: prepare every item and send the groups back through ``out``.

    Extraction runs here rather than in a thread of the ingest process because spaCy and
    the rules hold Python's GIL for most of their work, which would stall the model's
    threads on every operation they start.
    """
    parent = os.getppid()

    def send(message: tuple) -> bool:
        while True:
            try:
                out.put(message, timeout=1.0)
                return True
            except queue.Full:
                if os.getppid() != parent:
                    return False  # the ingest process is gone: stop, do not hang

    timings = dict.fromkeys(_TIMED, 0.0)
    try:
        for group in _groups(items, factory, known_keys, max_bytes, timings):
            if not send(("group", group)):
                return
    except BaseException as exc:  # handed to the ingest process, which raises it
        send(("error", f"{type(exc).__name__}: {exc}"))
        return
    finally:
        finished.set()
    send(("done", timings))


class Pipeline:
    """Runs the stages over files and writes each finished document to the store and index."""

    def __init__(
        self,
        store: Store,
        index: NumpyIndex,
        embedder: Embedder,
        known: dict[str, Known],
        *,
        keywords: KeywordIndex | None = None,
        extractor: Callable[[], Extractor] | None = None,
        max_bytes: int = DEFAULT_MAX_BYTES,
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
        self.worker_min_files = WORKER_MIN_FILES if worker_min_files is None else worker_min_files

    def run(
        self,
        items: Iterable[Item],
        *,
        progress: Callable[[int], None] | None = None,
    ) -> IngestReport:
        """Ingest (path, source, data) items; data None means read the file at path.

        While the model embeds and this process writes one group of documents, the next
        groups are read, split and extracted beside it: in a worker process for batches of
        ``worker_min_files`` or more (a process starts in seconds, which a short batch would
        not win back), else in a thread. The model leaves a core to that work only while
        it is going on.
        """
        report = IngestReport()
        started = time.perf_counter()
        items = list(items)
        known_keys = frozenset(self.known)
        if len(items) >= self.worker_min_files:
            groups, busy, timings = self._prepare_by_process(items, known_keys)
        else:
            groups, busy, timings = self._prepare_by_thread(items, known_keys)
        try:
            for group in groups:
                self._write_group(group, report, progress, spare_cores=int(busy()))
        finally:
            close = getattr(groups, "close", None)
            if close:
                close()
        for stage, seconds in timings.items():
            report.timings[stage] += seconds
        report.seconds = time.perf_counter() - started
        return report

    def _prepare_by_thread(self, items: list[Item], known_keys: frozenset[str]):
        """Prepare in a thread of this process: (groups, whether it is busy, timings)."""
        timings = dict.fromkeys(_TIMED, 0.0)
        out: queue.Queue[tuple] = queue.Queue(maxsize=2)
        finished = threading.Event()

        def produce() -> None:
            try:
                for group in _groups(items, self.extractor, known_keys, self.max_bytes, timings):
                    out.put(("group", group))
            except BaseException as exc:  # handed to the consumer, which raises it
                out.put(("error", exc))
                return
            finally:
                finished.set()
            out.put(("done", {}))

        thread = threading.Thread(target=produce, name="ingest-prepare", daemon=True)
        thread.start()

        def groups() -> Iterator[list[_Prepared | _Skipped]]:
            while True:
                kind, payload = out.get()
                if kind == "group":
                    yield payload
                elif kind == "error":
                    raise payload
                else:
                    thread.join()
                    return

        return groups(), lambda: not finished.is_set() and not out.full(), timings

    def _prepare_by_process(self, items: list[Item], known_keys: frozenset[str]):
        """Prepare in a worker process: (groups, whether it is busy, timings)."""
        context = multiprocessing.get_context("spawn")  # no fork of a process with threads
        out = context.Queue(maxsize=WORKER_QUEUE_GROUPS)
        finished = context.Event()
        worker = context.Process(
            target=_prepare_in_worker,
            args=(self.extractor, items, known_keys, self.max_bytes, out, finished),
            name="ingest-prepare",
            daemon=True,
        )
        worker.start()
        timings: dict[str, float] = {}

        def groups() -> Iterator[list[_Prepared | _Skipped]]:
            try:
                while True:
                    try:
                        kind, payload = out.get(timeout=5.0)
                    except queue.Empty:
                        if not worker.is_alive():
                            raise RuntimeError(
                                f"the extraction worker stopped (exit code {worker.exitcode})"
                            ) from None
                        continue
                    if kind == "group":
                        yield payload
                    elif kind == "error":
                        raise RuntimeError(f"extraction worker failed: {payload}")
                    else:
                        timings.update(payload)
                        return
            finally:
                if worker.is_alive():
                    worker.terminate()
                worker.join(timeout=10)

        return groups(), lambda: not finished.is_set() and not out.full(), timings

    def _write_group(
        self,
        group: list[_Prepared | _Skipped],
        report: IngestReport,
        progress: Callable[[int], None] | None,
        *,
        spare_cores: int,
    ) -> None:
        prepared: list[_Prepared] = []
        for item in group:
            if isinstance(item, _Prepared) and item.document.key not in self.known:
                prepared.append(item)
                continue
            if isinstance(item, _Skipped) and item.reason is not None:
                report.failed.append((item.path, item.reason))
                log.warning("%s: %s", item.path, item.reason)
            else:
                key = item.key if isinstance(item, _Skipped) else item.document.key
                report.unchanged.append(key)
            if progress:
                progress(1)
        if not prepared:
            return
        t0 = time.perf_counter()
        units = [
            [(p.key, text) for p in item.passages for text in embedding_units(p)]
            for item in prepared
        ]
        texts = [text for rows in units for _, text in rows]
        # while the next groups are being prepared beside it, leave that work a core
        vectors = self.embedder.encode(texts, spare_cores=spare_cores)
        report.timings["embed"] += time.perf_counter() - t0
        row = 0
        for item, rows in zip(prepared, units, strict=True):
            t0 = time.perf_counter()
            doc, passages = item.document, item.passages
            block = vectors[row : row + len(rows)]
            row += len(rows)
            replaces = [k for k, v in self.known.items() if v.source == doc.source]
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
            self.known[doc.key] = Known(doc.key, doc.source)
            (report.replaced if replaces else report.added).append(doc.key)
            report.passages += len(passages)
            report.triples += len(quads)
            report.timings["write"] += time.perf_counter() - t0
            log.info("wrote %s (%d passages)", doc.key, len(passages))
            if progress:
                progress(1)
        t0 = time.perf_counter()
        self.store.flush()  # once a group: each document's transaction is already atomic
        report.timings["write"] += time.perf_counter() - t0
