"""Where SPARQL queries run: worker processes that the time limit can stop.

Oxigraph cannot cancel a running query and a thread cannot be killed, so each query runs in a
worker process (`graph/sparql_worker.py`: the standard library and pyoxigraph only) over a
read-only view of the store, reopened when the store's generation changes; a query still running
at its time limit is stopped by killing its worker, which is replaced. Any idle worker takes a
new query. A query that runs longer than LONG_AFTER_S, having used LONG_CPU_S of CPU, counts as
long: at most `max_long` long queries run at once (one per core), and one more is stopped and
answered 503 with Retry-After, so small queries always find a core and a worker. A query past
LONG_AFTER_S that has used less CPU has been waiting for a core on a busy machine (an upload
being ingested, a hundred clients), not working: it goes on waiting, within its time limit,
rather than being taken for a long one and refused. Workers run at a lower CPU priority than the
server, may use WORKER_MEMORY_BYTES of memory, and die with the server however it ends.

A store held only in memory (the unit tests') cannot be opened by another process: its queries
run in the calling thread, checked the same way but without a time limit that stops them.
"""

from __future__ import annotations

import contextlib
import logging
import math
import os
import select
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Protocol

import pyoxigraph as ox

from graph import sparql_worker
from graph.errors import Busy, CivicGraphError, QueryAborted, QueryTimeout
from graph.sparql import PreparedQuery
from graph.sparql_protocol import ResultFormat, SparqlResult, answer

log = logging.getLogger(__name__)

# A query that answers within this is short; one that runs on, having used LONG_CPU_S of CPU,
# is long, and runs on at a lower CPU priority (WORKER_NICE).
LONG_AFTER_S = 0.3
# The CPU a long query has used: a small query (the endpoint's usual lookups take 5 to 20 ms)
# that is slow on the clock has been waiting for a core.
LONG_CPU_S = 0.05
# How often a query past LONG_AFTER_S with less CPU than LONG_CPU_S is looked at again.
CPU_POLL_S = 0.05
# Short queries that may run beside the long ones (one core's worth: they last 0.3 s at most).
SPARE_SLOTS = 4
# Workers kept beyond one for each slot, once the server is up.
SPARE_WORKERS = 4
# How long a query may wait for a free slot before it is answered 503.
QUEUE_WAIT_S = 5.0
WORKER_MEMORY_BYTES = 2 << 30
WORKER_NICE = 15
START_NICE = 5
WORKER_SCRIPT = Path(sparql_worker.__file__).resolve()
_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


class SparqlRunner(Protocol):
    """What runs a checked query and serialises its answer."""

    def run(self, query: PreparedQuery, fmt: ResultFormat) -> SparqlResult: ...

    def warm(self) -> None: ...

    def close(self) -> None: ...


class InProcessRunner:
    """Queries over an in-memory store, in the calling thread: no time limit stops them."""

    def __init__(self, store: ox.Store) -> None:
        self._store = store

    def run(self, query: PreparedQuery, fmt: ResultFormat) -> SparqlResult:
        """Run the query here and now."""
        return answer(
            sparql_worker.run_query(self._store, query.text, fmt.graph, fmt.name), query, fmt
        )

    def warm(self) -> None:
        """Nothing to start."""

    def close(self) -> None:
        """Nothing to release."""


class _Worker:
    """One worker process and the two ends of its pipes."""

    def __init__(self) -> None:
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-I",  # the worker's folder must not shadow a module, nor PYTHON* settings
                str(WORKER_SCRIPT),
                str(os.getpid()),
                str(WORKER_MEMORY_BYTES),
            ],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )
        assert self.process.stdin is not None and self.process.stdout is not None
        self._requests = self.process.stdin.fileno()
        self._answers = self.process.stdout.fileno()
        self.demoted = False
        with contextlib.suppress(OSError):
            os.setpriority(os.PRIO_PROCESS, self.process.pid, START_NICE)

    def demote(self) -> None:
        """Run at a lower CPU priority from now on, so that the server and the short queries
        come first. It cannot be raised again (that needs privileges): the pool retires the
        worker when its query ends."""
        with contextlib.suppress(OSError):  # it has just ended: the pool hears of it next
            os.setpriority(os.PRIO_PROCESS, self.process.pid, WORKER_NICE)
        self.demoted = True

    def cpu_s(self) -> float | None:
        """The CPU seconds the worker has used so far; None where the system does not say."""
        try:
            with open(f"/proc/{self.process.pid}/stat", "rb") as stat:
                fields = stat.read().rsplit(b")", 1)[1].split()
        except OSError:
            return None
        return (int(fields[11]) + int(fields[12])) / _TICKS

    def ready(self, timeout_s: float) -> bool:
        """Whether the worker started and said so within `timeout_s`."""
        message = self.receive(timeout_s)
        return isinstance(message, tuple) and message[0] == "ready"

    def send(self, message: tuple) -> None:
        """Hand the worker a request."""
        sparql_worker.send(self._requests, message)

    def receive(self, timeout_s: float) -> tuple | bool | None:
        """The worker's next message; None if none came within `timeout_s`; False if the
        worker died."""
        readable, _, _ = select.select([self._answers], [], [], max(timeout_s, 0))
        if not readable:
            return None
        message = sparql_worker.receive(self._answers)
        return False if message is None else message

    def kill(self) -> None:
        """Stop the worker at once and reap it."""
        self.process.kill()
        self.process.wait()
        for pipe in (self.process.stdin, self.process.stdout):
            if pipe is not None:
                pipe.close()


class SparqlPool:
    """Worker processes over the on-disk store at `path`, and the rules for sharing them."""

    def __init__(
        self,
        path: Path,
        *,
        timeout_s: float,
        generation: Callable[[], int] = lambda: 0,
        max_long: int | None = None,
    ) -> None:
        self.path = path
        self.timeout_s = timeout_s
        self.max_long = max_long or cores()
        self._generation = generation
        self._slots = threading.BoundedSemaphore(self.max_long + SPARE_SLOTS)
        self._state = threading.Condition()
        self._idle: list[_Worker] = []
        self._workers: set[_Worker] = set()
        self._long: dict[int, float] = {}  # deadlines of the long queries running
        self._waiting = 0
        self._warm = False  # whether workers are kept ready ahead of the queries
        self._failure: str | None = None
        self._closed = False
        # Every worker is started from this one thread, which lives as long as the pool: the
        # kernel's parent-death signal follows the thread that started a process, not its
        # process, and request threads come and go.
        self._starter = threading.Thread(target=self._start_workers, name="sparql-workers")
        self._starter.daemon = True
        self._starter.start()

    def warm(self) -> None:
        """Start the workers now, and replace each one that ends, so that a query seldom waits
        for a worker to start (the command line starts one when it needs it)."""
        with self._state:
            self._warm = True
            self._state.notify_all()

    def run(self, query: PreparedQuery, fmt: ResultFormat) -> SparqlResult:
        """Run a query on an idle worker within the time limit; 503 when it ran past the limit,
        when it would be one long query too many, or when no slot frees in time."""
        # the limit counts from the request's arrival: waiting for a slot or a worker is
        # part of the time the client waits
        deadline = time.monotonic() + self.timeout_s
        if not self._slots.acquire(timeout=QUEUE_WAIT_S):
            retry = self._retry_after()
            raise Busy(f"the SPARQL endpoint is busy; try again in {retry} s", retry_after=retry)
        try:
            worker = self._take_worker()
            return self._run_on(worker, query, fmt, deadline)
        finally:
            self._slots.release()

    def _run_on(
        self, worker: _Worker, query: PreparedQuery, fmt: ResultFormat, deadline: float
    ) -> SparqlResult:
        if time.monotonic() >= deadline:
            self._release(worker)
            raise QueryTimeout(f"query ran past its limit of {self.timeout_s:g} s")
        started = worker.cpu_s()
        try:
            worker.send((str(self.path), self._generation(), query.text, fmt.graph, fmt.name))
        except OSError:
            outcome: tuple | bool | None = False
        else:
            outcome = worker.receive(min(LONG_AFTER_S, deadline - time.monotonic()))
            # past LONG_AFTER_S on the clock: long only once it has used LONG_CPU_S of CPU,
            # not while it has been waiting for a core on a busy machine
            while outcome is None and started is not None:
                used = worker.cpu_s()
                left = deadline - time.monotonic()
                if used is None or used - started >= LONG_CPU_S or left <= 0:
                    break
                outcome = worker.receive(min(CPU_POLL_S, left))
        if outcome is None:
            outcome = self._run_long(worker, deadline)
        if outcome is False:
            self._discard(worker)
            code = worker.process.returncode
            log.warning("a SPARQL worker ended (status %s) while running a query", code)
            raise QueryAborted(
                "the query engine stopped while running this query: it needed more memory "
                f"than the {WORKER_MEMORY_BYTES >> 30} GiB a query may use, or deeper "
                "recursion; simplify the query"
            )
        assert isinstance(outcome, tuple)
        if worker.demoted or outcome[0] == "store":  # its view of the store may be broken
            self._discard(worker)
        else:
            self._release(worker)
        return answer(outcome, query, fmt)

    def _run_long(self, worker: _Worker, deadline: float) -> tuple | bool:
        """Go on waiting for a long query if a long slot is free; stop it at its deadline."""
        key = id(worker)
        with self._state:
            full = len(self._long) >= self.max_long
            if not full:
                self._long[key] = deadline
                worker.demote()
        if full:
            self._discard(worker)
            retry = self._retry_after()
            raise Busy(
                f"{self.max_long} long queries are running already; this one was stopped "
                f"after {LONG_AFTER_S:g} s; try again in {retry} s",
                retry_after=retry,
            )
        try:
            outcome = worker.receive(deadline - time.monotonic())
        finally:
            with self._state:
                del self._long[key]
        if outcome is None:
            self._discard(worker)
            raise QueryTimeout(f"query ran past its limit of {self.timeout_s:g} s")
        return outcome

    def _retry_after(self) -> int:
        """Whole seconds until the first long query running ends, at its deadline at most."""
        with self._state:
            ends = min(self._long.values(), default=time.monotonic() + 1)
        return max(1, math.ceil(ends - time.monotonic()))

    # -- workers ------------------------------------------------------------------------------

    def _take_worker(self) -> _Worker:
        with self._state:
            self._waiting += 1
            self._state.notify_all()
            try:
                end = time.monotonic() + QUEUE_WAIT_S
                while not self._idle:
                    if self._closed or self._failure:
                        raise CivicGraphError(
                            f"cannot start a SPARQL worker: {self._failure or 'shutting down'}"
                        )
                    if not self._state.wait(timeout=end - time.monotonic()):
                        raise Busy("no SPARQL worker is free; try again", retry_after=1)
                return self._idle.pop()
            finally:
                self._waiting -= 1

    def _release(self, worker: _Worker) -> None:
        with self._state:
            if self._closed:
                self._workers.discard(worker)
                worker.kill()
                return
            self._idle.append(worker)
            self._state.notify_all()

    def _discard(self, worker: _Worker) -> None:
        worker.kill()
        with self._state:
            self._workers.discard(worker)
            self._state.notify_all()

    def _wanted(self) -> int:
        """How many more workers to start: for the queries waiting, or once warm, enough for
        every slot and SPARE_WORKERS more, so that a query taking a slot that a killed query
        left finds a worker ready while its replacement starts."""
        most = self.max_long + SPARE_SLOTS + SPARE_WORKERS
        if self._warm:
            return most - len(self._workers)
        return min(self._waiting - len(self._idle), most - len(self._workers))

    def _start_workers(self) -> None:
        while True:
            with self._state:
                while not self._closed and self._wanted() <= 0:
                    self._state.wait()
                if self._closed:
                    return
                count = self._wanted()
            # start them all, then wait for each: they start side by side
            started, failure = [], ""
            try:
                for _ in range(count):
                    started.append(_Worker())
            except OSError as exc:
                failure = str(exc)
            ready = []
            for worker in started:
                if worker.ready(timeout_s=30):
                    ready.append(worker)
                else:
                    failure = f"it did not start (status {worker.process.poll()})"
                    worker.kill()
            with self._state:
                closed = self._closed
                if not closed:
                    self._workers.update(ready)
                    self._idle.extend(ready)
                    self._failure = failure or None
                    self._state.notify_all()
            if closed:
                for worker in ready:
                    worker.kill()
            if failure:
                log.error("cannot start a SPARQL worker: %s", failure)
                time.sleep(1)  # do not spin on a worker that cannot start

    def close(self) -> None:
        """Stop every worker."""
        with self._state:
            self._closed = True
            workers = list(self._workers)
            self._workers.clear()
            self._idle.clear()
            self._state.notify_all()
        for worker in workers:
            worker.kill()
        self._starter.join(timeout=5)


def cores() -> int:
    """The cores this process may run on."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def open_runner(
    store: ox.Store,
    path: Path | None,
    *,
    timeout_s: float,
    generation: Callable[[], int] = lambda: 0,
) -> SparqlRunner:
    """A pool of workers over the store on disk at `path`, or the in-process runner when the
    store is held in memory only."""
    if path is None:
        return InProcessRunner(store)
    return SparqlPool(path, timeout_s=timeout_s, generation=generation)
