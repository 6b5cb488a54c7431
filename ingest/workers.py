"""Where files are prepared beside the model: a thread of this process, or a worker process.

Both hand back every file's outcome in order (`Preparer`). The worker process dies with the
process that started it, however that one ends (`die_with_parent`), and a worker that a file
holds past its budget, or that dies on a file, is replaced by a new one that carries on with
the files after it.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import queue
import threading
from collections.abc import Callable, Iterator
from dataclasses import replace
from typing import Any, Protocol

from graph.children import die_with_parent
from ingest.budget import past_hard_limit
from ingest.prepare import Batch, Outcome, Prepared, Skipped, prepare_all

log = logging.getLogger(__name__)

# Files the worker may prepare ahead of the model. Extraction is faster than embedding on
# one core, so the worker runs ahead and, once it is done or the queue is full, the model
# has both cores again; the bound keeps memory to a few thousand prepared passages.
WORKER_QUEUE_FILES = 512
THREAD_QUEUE_FILES = 16
# How often the worker's file is looked at from outside for running far past its budget.
WATCH_INTERVAL_S = 0.25

Result = tuple[int, Outcome, dict[str, float]]  # (index of the item, outcome, step timings)


class Preparer(Protocol):
    """Prepares a batch beside the model, one outcome per item, in the items' order."""

    def __iter__(self) -> Iterator[Result]: ...

    def busy(self) -> bool:
        """Whether it is working now (and the model should leave it a core)."""
        ...

    def close(self) -> None: ...


class ThreadPreparer:
    """Prepares in a thread of this process: for small batches, where starting a process
    (seconds) would cost more than running beside the model wins back. A file past its
    budget is refused at the next check between its steps."""

    def __init__(self, batch: Batch) -> None:
        self.messages: queue.Queue[tuple] = queue.Queue(maxsize=THREAD_QUEUE_FILES)
        self.stop = threading.Event()
        self.finished = threading.Event()
        self.thread = threading.Thread(
            target=self._run, args=(batch,), name="ingest-prepare", daemon=True
        )
        self.thread.start()

    def _emit(self, index: int, outcome: Outcome, timings: dict[str, float]) -> bool:
        return self._put(("file", index, outcome, timings))

    def _put(self, message: tuple) -> bool:
        while not self.stop.is_set():
            try:
                self.messages.put(message, timeout=0.5)
                return True
            except queue.Full:
                continue
        return False

    def _run(self, batch: Batch) -> None:
        try:
            prepare_all(batch, self._emit)
        except BaseException as exc:  # a fault of the loop itself, raised to the consumer
            self.finished.set()
            self._put(("error", exc))
            return
        self.finished.set()
        self._put(("done",))

    def __iter__(self) -> Iterator[Result]:
        while True:
            message = self.messages.get()
            if message[0] == "file":
                yield message[1], message[2], message[3]
            elif message[0] == "error":
                raise message[1]
            else:
                return

    def busy(self) -> bool:
        """Working, and with room to put what it prepares."""
        return not self.finished.is_set() and not self.messages.full()

    def close(self) -> None:
        """Stop preparing (after the file in hand, if stopped early)."""
        self.stop.set()


def prepare_in_worker(
    batch: Batch,
    start: int,
    skip: frozenset[int],
    pipe: Any,
    marker: Any,
    lifeline: Any,
    parent: int,
) -> None:
    """The worker process: prepare the batch from `start` (but `skip`) and send each outcome
    back through `pipe`.

    Extraction runs here rather than in a thread of the ingest process because spaCy and
    the rules hold Python's GIL for most of their work, which would stall the model's
    threads on every operation they start.
    """
    die_with_parent(lifeline, parent)

    def emit(index: int, outcome: Outcome, timings: dict[str, float]) -> bool:
        pipe.send(("file", index, outcome, timings))
        return True

    try:
        prepare_all(batch, emit, start=start, skip=skip, marker=marker)
        pipe.send(("done",))
    except (BrokenPipeError, EOFError):
        return  # the ingest process stopped listening
    except BaseException as exc:  # a fault of the loop itself, raised in the ingest process
        pipe.send(("error", f"{type(exc).__name__}: {exc}"))


class ProcessPreparer:
    """Prepares in a worker process that runs ahead of the model.

    The worker's outcomes come through a pipe that a thread of this process moves into a
    bounded queue as they arrive (a dead worker closes the pipe, so nothing waits on it for
    ever). A thread watches the file in hand: a file far past its budget, stuck where the
    worker's own checks cannot see, gets the worker killed; the file is refused by name and
    a new worker goes on from the first file not yet received.
    """

    def __init__(self, batch: Batch, *, target: Callable[..., None] = prepare_in_worker) -> None:
        self.batch = batch
        self.items = batch.items
        self.known = dict(batch.known)  # grows with each file received, for a new worker
        self.target = target
        self.context = multiprocessing.get_context("spawn")  # no fork of a process with threads
        self.marker = self.context.Array("d", [-1.0, 0.0, 0.0], lock=False)
        self.refused: dict[int, str] = {}  # items refused here, not by the worker
        self.next = 0  # the first item not yet handed on
        self.lock = threading.Lock()
        self.killed: tuple[int, int, str] | None = None  # (pid, item, reason) of a kill
        self.closed = threading.Event()
        self._start()
        threading.Thread(target=self._watch, name="ingest-watch", daemon=True).start()

    def _start(self) -> None:
        """Start a worker on the items from `next`, leaving out those refused."""
        self.marker[0] = -1.0
        reader, writer = self.context.Pipe(duplex=False)
        lifeline_reader, self.lifeline = self.context.Pipe(duplex=False)
        self.messages: queue.Queue[tuple] = queue.Queue(maxsize=WORKER_QUEUE_FILES)
        self.finished = threading.Event()
        self.worker = self.context.Process(
            target=self.target,
            args=(
                replace(self.batch, known=self.known),
                self.next,
                frozenset(self.refused),
                writer,
                self.marker,
                lifeline_reader,
                os.getpid(),
            ),
            name="ingest-prepare",
            daemon=True,
        )
        self.worker.start()
        writer.close()  # the worker holds the only writer now: its end is the pipe's end
        lifeline_reader.close()
        threading.Thread(
            target=_receive,
            args=(reader, self.messages, self.finished, self.closed),
            name="ingest-receive",
            daemon=True,
        ).start()

    def _watch(self) -> None:
        while not self.closed.wait(WATCH_INTERVAL_S):
            worker = self.worker
            if not worker.is_alive() or worker.pid is None:
                continue
            over = past_hard_limit(self.batch.budget, self.marker, worker.pid)
            if over is not None:
                with self.lock:
                    self.killed = (worker.pid, *over)
                log.warning("%s: %s; stopping its worker", self.items[over[0]][0], over[1])
                worker.kill()

    def __iter__(self) -> Iterator[Result]:
        while self.next < len(self.items):
            if self.next in self.refused:
                yield self.next, self._refusal(self.next), {}
                self.next += 1
                continue
            message = self.messages.get()
            if message[0] == "file":
                index, outcome, timings = message[1:]
                while self.next < index:  # refused here while the worker skipped it
                    yield self.next, self._refusal(self.next), {}
                    self.next += 1
                if isinstance(outcome, Prepared):
                    document = outcome.document
                    self.known[document.key] = (outcome.digest, document.source)
                self.next = index + 1
                yield index, outcome, timings
            elif message[0] == "error":
                raise RuntimeError(f"the extraction worker failed: {message[1]}")
            elif message[0] == "lost":
                self._replace_worker()
            else:
                break
        while self.next < len(self.items):  # refused at the very end
            yield self.next, self._refusal(self.next), {}
            self.next += 1

    def _refusal(self, index: int) -> Skipped:
        return Skipped(str(self.items[index][0]), reason=self.refused[index])

    def _replace_worker(self) -> None:
        """The worker is gone: refuse the file it was on, and start a new one after it."""
        self.worker.join(timeout=10)
        with self.lock:
            killed, self.killed = self.killed, None
        if killed is not None and killed[0] == self.worker.pid:
            index, reason = killed[1], killed[2]
        else:
            on = int(self.marker[0])
            index = on if on >= self.next else self.next
            reason = (
                f"the extraction worker stopped (exit code {self.worker.exitcode}) "
                "while preparing this file"
            )
        self.refused[index] = reason
        self.lifeline.close()
        log.warning("%s: %s", self.items[index][0], reason)
        if any(i not in self.refused for i in range(self.next, len(self.items))):
            self._start()

    def busy(self) -> bool:
        """Working, and with room to put what it prepares."""
        return not self.finished.is_set() and not self.messages.full()

    def close(self) -> None:
        """Stop the worker if it is still going (the batch was stopped early), and wait."""
        self.closed.set()
        if not self.finished.is_set():
            self.worker.kill()
        self.worker.join(timeout=10)
        if self.worker.is_alive():
            self.worker.kill()
        self.lifeline.close()


def _receive(
    reader: Any, messages: queue.Queue, finished: threading.Event, closed: threading.Event
) -> None:
    """Move a worker's messages into `messages`; "lost" when it ends without saying done."""

    def put(message: tuple) -> bool:
        while not closed.is_set():
            try:
                messages.put(message, timeout=0.5)
                return True
            except queue.Full:
                continue
        return False

    try:
        while True:
            message = reader.recv()
            if message[0] != "file":
                finished.set()
            if not put(message) or message[0] != "file":
                return
    except (EOFError, OSError):
        finished.set()
        put(("lost",))
    finally:
        reader.close()
