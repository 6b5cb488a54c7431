"""The ingest pipeline: read, split, extract, embed, then write each document in one step.

Documents are processed in groups so that the model embeds full batches; each document is
then written on its own: its vectors to a new file, then its graph in one store transaction.
A document is visible once its graph is in the store, so a crash leaves it either fully
there or not there at all, and re-running the same command finishes the job.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from graph.build import build_quads, graph_iri
from graph.embed import Embedder
from graph.model import Document, Extraction, Passage
from graph.store import Store
from graph.vectors import NumpyIndex
from ingest.passages import split_passages
from ingest.readers import DEFAULT_MAX_BYTES, READERS, UnreadableFile, read_document

log = logging.getLogger(__name__)

Extractor = Callable[[Document, list[Passage]], Extraction]

# Passages embedded together: enough for full model batches, small enough to show progress.
GROUP_PASSAGES = 256


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
    replaces: list[str]


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


class Pipeline:
    """Runs the stages over files and writes each finished document to the store and index."""

    def __init__(
        self,
        store: Store,
        index: NumpyIndex,
        embedder: Embedder,
        known: dict[str, Known],
        *,
        extractor: Extractor | None = None,
        max_bytes: int = DEFAULT_MAX_BYTES,
    ) -> None:
        self.store = store
        self.index = index
        self.embedder = embedder
        self.known = known  # document key -> Known; kept up to date as documents are written
        self._known_lock = threading.Lock()  # the preparing thread reads what writing changes
        self.extractor = extractor
        self.max_bytes = max_bytes

    def _prepare(self, path: Path, report: IngestReport, source: str | None, data: bytes | None):
        t0 = time.perf_counter()
        try:
            document = read_document(path, max_bytes=self.max_bytes, data=data, source=source)
        except UnreadableFile as exc:
            report.failed.append((exc.path, exc.reason))
            log.warning("%s: %s", exc.path, exc.reason)
            return None
        except Exception as exc:  # a reader bug must not stop the batch
            report.failed.append((str(path), f"could not read ({type(exc).__name__}: {exc})"))
            log.exception("reading %s failed", path)
            return None
        finally:
            report.timings["read"] += time.perf_counter() - t0
        with self._known_lock:
            if document.key in self.known:
                report.unchanged.append(document.key)
                return None
            replaces = [k for k, v in self.known.items() if v.source == document.source]
        t0 = time.perf_counter()
        passages = split_passages(document)
        report.timings["split"] += time.perf_counter() - t0
        extraction = None
        if self.extractor is not None:
            t0 = time.perf_counter()
            extraction = self.extractor(document, passages)
            report.timings["extract"] += time.perf_counter() - t0
        return _Prepared(str(path), document, passages, extraction, replaces)

    def run(
        self,
        items: Iterable[tuple[Path, str | None, bytes | None]],
        *,
        progress: Callable[[int], None] | None = None,
    ) -> IngestReport:
        """Ingest (path, source, data) items; data None means read the file at path.

        A background thread reads, splits and extracts the next group of documents while
        this one embeds and writes the current group, so the model is rarely left waiting.
        """
        report = IngestReport()
        started = time.perf_counter()
        groups: queue.Queue[list[_Prepared] | BaseException | None] = queue.Queue(maxsize=2)

        def produce() -> None:
            try:
                group: list[_Prepared] = []
                size = 0
                for path, source, data in items:
                    prepared = self._prepare(path, report, source, data)
                    if prepared is None:
                        if progress:
                            progress(1)
                        continue
                    group.append(prepared)
                    size += len(prepared.passages)
                    if size >= GROUP_PASSAGES:
                        groups.put(group)
                        group, size = [], 0
                if group:
                    groups.put(group)
                groups.put(None)
            except BaseException as exc:  # handed to the consumer, which raises it
                groups.put(exc)

        producer = threading.Thread(target=produce, name="ingest-prepare", daemon=True)
        producer.start()
        while (group := groups.get()) is not None:
            if isinstance(group, BaseException):
                raise group
            self._write_group(group, report, progress)
        producer.join()
        report.seconds = time.perf_counter() - started
        return report

    def _write_group(
        self,
        group: list[_Prepared],
        report: IngestReport,
        progress: Callable[[int], None] | None,
    ) -> None:
        t0 = time.perf_counter()
        texts = [_embedding_text(p) for item in group for p in item.passages]
        # while this group embeds, the next is being extracted: leave that a core
        vectors = self.embedder.encode(texts, spare_cores=1 if self.extractor else 0)
        report.timings["embed"] += time.perf_counter() - t0
        row = 0
        for item in group:
            t0 = time.perf_counter()
            doc, passages = item.document, item.passages
            block = vectors[row : row + len(passages)]
            row += len(passages)
            quads = build_quads(doc, passages, item.extraction)
            self.index.upsert(doc.key, [p.key for p in passages], block)
            self.store.replace_graph(
                str(graph_iri(doc.key)), quads, drop=[str(graph_iri(k)) for k in item.replaces]
            )
            with self._known_lock:
                for old in item.replaces:
                    self.index.delete(old)
                    self.known.pop(old, None)
                self.known[doc.key] = Known(doc.key, doc.source)
            (report.replaced if item.replaces else report.added).append(doc.key)
            report.passages += len(passages)
            report.triples += len(quads)
            report.timings["write"] += time.perf_counter() - t0
            log.info("wrote %s (%d passages)", doc.key, len(passages))
            if progress:
                progress(1)


def _embedding_text(passage: Passage) -> str:
    """What the model reads for a passage: its heading as context, then its text."""
    if passage.heading and not passage.text.startswith(passage.heading):
        return f"{passage.heading}\n{passage.text}"
    return passage.text
