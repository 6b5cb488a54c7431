"""An ingest run in a process of its own, at a lower CPU priority, for a process that serves.

The process that holds the store (a running server) must go on answering while files are
ingested. So the whole pipeline (reading, splitting, extraction, embedding, building each
document's graph and writing its vectors through the vector index the settings name,
graph/backends.py) runs in a child process at nice `CHILD_NICE`, with a model of its own; the
server's threads come first for the CPU and the child takes what they leave. The child, and the
process it prepares files in, are also held to `CHILD_CORES` cores (the last of those the server
may use) and as many threads for the model and the numeric libraries: a lower priority alone
lets the child's threads sit on every core, where the server's threads, woken by a client, must
first take a core back from them; held to one, the child leaves the others free. Only the graph
and keyword writes come back: the child sends each document's graph and keyword rows to the
process that holds the store and the keyword index, which writes them through their contracts
(pyoxigraph and SQLite let go of Python's lock meanwhile) and answers, so the order and
atomicity of the writes are the pipeline's own. The child
dies with the thread that started it, `kill -9` included (`die_with_parent`).
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import os
import sys
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from graph.backends import BackendSettings
from graph.children import die_with_parent
from graph.errors import CivicGraphError, IngestFailed
from graph.keywords import KeywordIndex, KeywordPassage
from graph.store import Quad, Store
from ingest.budget import FileBudget
from ingest.pipeline import IngestReport, Known, Pipeline, Progress
from ingest.prepare import Extractor

log = logging.getLogger(__name__)

# The child's CPU priority: below the server's threads (nice 0), above nothing in particular.
# At 10 a busy server leaves the child a tenth of a core, and an idle one all of them.
CHILD_NICE = 10
# The cores the child runs on (and the threads of its model and numeric libraries): the
# others are left to the server whatever the child does.
CHILD_CORES = 1
# How often a wait for the child looks whether it should stop.
STOP_POLL_S = 0.5
# Where the numeric libraries read their number of threads, before they start.
THREAD_VARIABLES = ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS")
_PROC_TASKS = os.path.isdir("/proc/self/task")


@dataclass(frozen=True, slots=True)
class DetachedRun:
    """What the child needs to ingest uploaded files: each upload's name and the file that
    holds its bytes, the documents stored so far, the settings that name the vector index,
    and how to embed and extract."""

    uploads: list[tuple[str, Path]]
    known: dict[str, Known]
    settings: BackendSettings
    model: str
    device: str
    extractor: Callable[[], Extractor] | None
    max_bytes: int
    budget: FileBudget = field(default_factory=FileBudget)
    nice: int = CHILD_NICE
    cores: int = CHILD_CORES


def run_detached(
    run: DetachedRun,
    store: Store,
    keywords: KeywordIndex | None = None,
    *,
    progress: Callable[[Progress], None] | None = None,
    stop: threading.Event | None = None,
) -> IngestReport:
    """Ingest `run.uploads` in a child process, carrying out its graph writes on `store` and
    its keyword writes on `keywords` here; the child's report. Raises IngestFailed when the
    child fails, dies or is stopped by `stop` (the documents it wrote before stay: each is
    whole)."""
    context = multiprocessing.get_context("spawn")  # no fork of a process with threads
    here, there = context.Pipe(duplex=True)
    lifeline_reader, lifeline = context.Pipe(duplex=False)
    # not a daemon: a daemonic process may not start the worker that prepares files
    child = context.Process(
        target=_child_main,
        args=(run, there, lifeline_reader, os.getpid()),
        name="ingest-upload",
    )
    child.start()
    there.close()  # the child holds the only other end: its end is the pipe's end
    lifeline_reader.close()
    try:
        while True:
            if stop is not None and stop.is_set():
                raise IngestFailed("the ingest was stopped: the server is shutting down")
            try:
                if not here.poll(STOP_POLL_S):
                    continue
                message = here.recv()
            except (EOFError, OSError):
                child.join(timeout=10)
                raise IngestFailed(
                    f"the ingest process ended (exit code {child.exitcode}) before it "
                    "finished; the documents it wrote before are stored"
                ) from None
            kind = message[0]
            if kind == "done":
                return message[1]
            if kind == "failed":
                raise IngestFailed(f"the ingest failed: {message[1]}")
            if kind == "progress":
                if progress is not None:
                    progress(message[1])
                continue
            here.send(_write(store, keywords, message))
    finally:
        if child.is_alive():
            child.kill()
        child.join(timeout=10)
        here.close()
        lifeline.close()


def _write(store: Store, keywords: KeywordIndex | None, message: tuple) -> tuple:
    """Carry out one write the child asked for; ("ok",) or ("error", why)."""
    try:
        if message[0].startswith("keywords-") and keywords is None:
            pass  # no keyword index here: nothing to keep in step
        elif message[0] == "keywords-upsert":
            keywords.upsert(message[1], message[2])  # type: ignore[union-attr]
        elif message[0] == "keywords-delete":
            keywords.delete(message[1])  # type: ignore[union-attr]
        elif message[0] == "keywords-flush":
            keywords.flush()  # type: ignore[union-attr]
        elif message[0] == "replace":
            store.replace_graph(message[1], message[2], drop=message[3])
        elif message[0] == "drop":
            store.drop_graph(message[1])
        elif message[0] == "flush":
            store.flush()
        else:
            return ("error", f"unknown request {message[0]!r}")
    except Exception as exc:  # the child's pipeline reports it, with the file it was on
        log.exception("a write of the ingest process failed")
        return ("error", f"{type(exc).__name__}: {exc}")
    return ("ok",)


class ForwardingStore:
    """The store as the child's pipeline sees it: each write goes to the process that holds
    the store, and returns when that process has made it."""

    def __init__(self, pipe: Any) -> None:
        self._pipe = pipe

    def _call(self, *message: Any) -> None:
        self._pipe.send(message)
        answer = self._pipe.recv()
        if answer[0] != "ok":
            raise CivicGraphError(f"the store refused a write: {answer[1]}")

    def replace_graph(self, graph: str, quads: Iterable[Quad], *, drop: Iterable[str] = ()) -> None:
        """Write a document's graph in one transaction, over there."""
        self._call("replace", graph, list(quads), list(drop))

    def drop_graph(self, graph: str) -> None:
        """Remove a named graph, over there."""
        self._call("drop", graph)

    def flush(self) -> None:
        """Make the writes so far durable, over there."""
        self._call("flush")


class ForwardingKeywords(ForwardingStore):
    """The keyword index as the child's pipeline sees it: each write goes to the process that
    holds the index (one SQLite writer, and the server's searches see each document whole)."""

    def upsert(self, document_key: str, passages: list[KeywordPassage]) -> None:
        """Replace one document's keyword rows, over there."""
        self._call("keywords-upsert", document_key, list(passages))

    def delete(self, document_key: str) -> None:
        """Remove one document's keyword rows, over there."""
        self._call("keywords-delete", document_key)

    def flush(self) -> None:
        """Make the keyword writes so far durable, over there."""
        self._call("keywords-flush")


def _child_main(run: DetachedRun, pipe: Any, lifeline: Any, parent: int) -> None:
    """The child process: ingest the uploads with the pipeline, writing through `pipe`."""
    die_with_parent(lifeline, parent)
    limit_cpu(run.cores, run.nice)
    try:
        from graph.backends import open_vectors
        from graph.embed import open_embedder

        embedder = open_embedder(run.model, run.device)
        limit_cpu(run.cores, 0)  # the model's library, loaded now, on as many threads
        index = open_vectors(run.settings, embedder.name, embedder.dimension, read_only=False)
        # the saved index as the server holds it (the server writes nothing meanwhile), so
        # that what this run adds joins it rather than starting an index of its own
        index.sync(set(run.known))
        items = [(Path(name), Path(name).name, path.read_bytes()) for name, path in run.uploads]
        pipeline = Pipeline(
            ForwardingStore(pipe),  # type: ignore[arg-type]
            index,
            embedder,
            dict(run.known),
            keywords=ForwardingKeywords(pipe),  # type: ignore[arg-type]
            extractor=run.extractor,
            max_bytes=run.max_bytes,
            budget=run.budget,
        )
        try:
            report = pipeline.run(items, progress=lambda p: pipe.send(("progress", p)))
        finally:
            index.close()
        pipe.send(("done", report))
    except (BrokenPipeError, EOFError):
        return  # the process that started this one stopped listening
    except BaseException as exc:
        log.exception("the ingest process failed")
        with contextlib.suppress(OSError):
            pipe.send(("failed", f"{type(exc).__name__}: {exc}"))


def limit_cpu(cores: int, nice: int) -> None:
    """Hold this process, and the processes it starts from now on, to `cores` of the cores it
    may use (the last ones), with as many threads for torch and the numeric libraries, and
    lower its CPU priority by `nice`. Where the system cannot, it goes on without."""
    if hasattr(os, "sched_getaffinity"):
        allowed = sorted(os.sched_getaffinity(0))
        if len(allowed) > cores:
            # each thread of the process (Linux sets a thread's), and those it starts later
            threads = [int(t) for t in os.listdir("/proc/self/task")] if _PROC_TASKS else [0]
            for thread in threads:
                with contextlib.suppress(OSError):
                    os.sched_setaffinity(thread, allowed[-cores:])
        cores = min(cores, len(allowed))
    for name in THREAD_VARIABLES:
        os.environ[name] = str(cores)  # read by each library as it starts, here and below
    torch = sys.modules.get("torch")
    if torch is not None and torch.get_num_threads() != cores:
        torch.set_num_threads(cores)
    if nice:
        with contextlib.suppress(OSError):
            os.nice(nice)
