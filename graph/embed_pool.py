"""Query embeddings in worker processes, for a server that answers many clients at once.

In the server's own process the model runs in request threads that hold Python's lock between
its operations, and every other request thread wants that lock too: under load a 20 ms query
embedding took 40 ms and more, and since the model serves one query at a time, search could not
answer more than about 25 queries a second however many cores were free. Each worker here is a
process with the model on one thread and a lock of its own; a query goes to an idle worker
through a pipe, and the request thread waits for the vector without holding the lock. There is
one worker a core. Workers start with the pool, from a thread that lives as long as it (the
kernel's parent-death signal follows the thread that started a process), and die with the
server however it ends.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import os
import queue
import threading
from collections.abc import Sequence
from typing import Any

import numpy as np

from graph.children import die_with_parent
from graph.errors import CivicGraphError

log = logging.getLogger(__name__)

# How long a query waits for a worker to start, or to come free, before it is refused.
WAIT_S = 120.0


class _Worker:
    """One worker process and this process's end of its pipe."""

    def __init__(self, context: Any, model: str, device: str) -> None:
        self.pipe, there = context.Pipe(duplex=True)
        lifeline_reader, self.lifeline = context.Pipe(duplex=False)
        self.process = context.Process(
            target=_serve,
            args=(model, device, there, lifeline_reader, os.getpid()),
            name="embed-queries",
            daemon=True,
        )
        self.process.start()
        there.close()
        lifeline_reader.close()

    def ready(self) -> bool:
        """Whether the worker loaded the model and said so."""
        try:
            return self.pipe.recv() == ("ready",)
        except (EOFError, OSError):
            return False

    def encode(self, texts: list[str]) -> np.ndarray:
        """The vectors of `texts`; EOFError if the worker died."""
        self.pipe.send(texts)
        answer = self.pipe.recv()
        if isinstance(answer, str):
            raise CivicGraphError(f"the embedding model failed: {answer}")
        return answer

    def stop(self) -> None:
        """End the worker at once."""
        self.process.kill()
        self.process.join(timeout=10)
        self.pipe.close()
        self.lifeline.close()


class QueryEmbedders:
    """The sentence model in `workers` processes: an Embedder whose calls may come from many
    threads at once, each answered by an idle worker."""

    def __init__(self, model: str, device: str, *, workers: int, name: str, dimension: int):
        self.name = name
        self.dimension = dimension
        self._model = model
        self._device = device
        self._workers = workers
        self._context = multiprocessing.get_context("spawn")
        self._idle: queue.Queue[_Worker] = queue.Queue()
        self._wanted: queue.Queue[int | None] = queue.Queue()  # workers to start; None: stop
        self._all: set[_Worker] = set()
        self._lock = threading.Lock()
        self._failure: str | None = None
        self._starter = threading.Thread(target=self._start, name="embed-workers", daemon=True)
        self._starter.start()
        self._wanted.put(workers)

    def _start(self) -> None:
        while (count := self._wanted.get()) is not None:
            started = []
            for _ in range(count):
                try:
                    started.append(_Worker(self._context, self._model, self._device))
                except OSError as exc:
                    self._failure = f"cannot start an embedding worker: {exc}"
            for worker in started:
                if worker.ready():
                    with self._lock:
                        self._all.add(worker)
                    self._idle.put(worker)
                else:
                    code = worker.process.exitcode
                    self._failure = f"an embedding worker did not start (exit code {code})"
                    log.error(self._failure)
                    worker.stop()
        with self._lock:
            workers, self._all = list(self._all), set()
        for worker in workers:
            worker.stop()

    def encode(
        self, texts: Sequence[str], *, batch_size: int = 32, spare_cores: int = 0
    ) -> np.ndarray:
        """Normalised float32 vectors, one row per text, from an idle worker."""
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        try:
            worker = self._idle.get(timeout=WAIT_S)
        except queue.Empty:
            raise CivicGraphError(
                self._failure or f"no embedding worker came free within {WAIT_S:g} s"
            ) from None
        try:
            vectors = worker.encode(list(texts))
        except (EOFError, OSError):
            with self._lock:
                self._all.discard(worker)
            worker.stop()
            self._wanted.put(1)  # a new one, from the thread that starts them
            raise CivicGraphError("the embedding worker stopped; try again") from None
        self._idle.put(worker)
        return vectors

    def encode_query(self, text: str) -> np.ndarray:
        """One normalised query vector."""
        return self.encode([text])[0]

    def close(self) -> None:
        """Stop every worker."""
        self._wanted.put(None)
        self._starter.join(timeout=30)


def open_query_embedders(model: str, device: str, workers: int) -> QueryEmbedders | None:
    """Workers for the sentence model; None for the hash stand-in, which is cheap in process."""
    from graph.embed import MODEL_NAME, SentenceEmbedder

    if model != MODEL_NAME:
        return None
    return QueryEmbedders(
        model, device, workers=workers, name=MODEL_NAME, dimension=SentenceEmbedder.dimension
    )


def _serve(model: str, device: str, pipe: Any, lifeline: Any, parent: int) -> None:
    """A worker: load the model on one thread, then embed what comes through `pipe`."""
    die_with_parent(lifeline, parent)
    try:
        import torch

        from graph.embed import open_embedder

        torch.set_num_threads(1)  # one query at a time, and a worker a core
        embedder = open_embedder(model, device)
        pipe.send(("ready",))
    except Exception as exc:
        log.exception("the embedding worker cannot load the model")
        with contextlib.suppress(OSError):
            pipe.send(f"{type(exc).__name__}: {exc}")
        return
    while True:
        try:
            texts = pipe.recv()
        except (EOFError, OSError):
            return
        try:
            answer: Any = embedder.encode(texts)
        except Exception as exc:
            answer = f"{type(exc).__name__}: {exc}"
        pipe.send(answer)
