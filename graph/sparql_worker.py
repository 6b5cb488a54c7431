"""A SPARQL worker process: runs one query at a time over a read-only view of the store.

Started by `graph/sparql_pool.py` as ``python -I sparql_worker.py PARENT_PID MEMORY``. It
imports the standard library and pyoxigraph only, so it starts in tens of milliseconds and holds
little memory. Requests and answers are pickled tuples framed by their length, on stdin and on
the stdout it had when it started (anything else printed goes to stderr):

    request:  (store path, store generation, query text, graph?, format name)
    answer:   ("ready", pid) once started, then ("ok", body) | ("syntax", message)
              | ("failed", message) | ("store", message) for each request

`run_query` is also what runs a query in-process over an in-memory store.
"""

from __future__ import annotations

import ctypes
import os
import pickle
import re
import resource
import select
import signal
import struct
import sys
import threading
import time
from typing import Any

import pyoxigraph as ox

_HEADER = struct.Struct("<Q")
_STORAGE_ERROR = re.compile(r"Corruption|IO error|No such file")
OPEN_TRIES = 40
_PR_SET_PDEATHSIG = 1

Outcome = tuple[str, Any]


def run_query(store: ox.Store, text: str, graph: bool, fmt: str) -> Outcome:
    """Run a query over the union of the store's graphs and serialise its answer; errors come
    back as outcomes, never raised, so that both callers handle them one way."""
    try:
        result = store.query(text, use_default_graph_as_union=True)
        formats = ox.RdfFormat if graph else ox.QueryResultsFormat
        body = result.serialize(format=getattr(formats, fmt))
    except SyntaxError as exc:
        return ("syntax", str(exc))
    except OSError as exc:
        return ("store", str(exc))
    except (ValueError, RuntimeError, TypeError) as exc:
        return ("store" if _STORAGE_ERROR.search(str(exc)) else "failed", str(exc))
    return ("ok", body or b"")


def open_store(path: str) -> ox.Store:
    """A read-only view of the store at `path`. Opened just as the writer compacts, RocksDB
    can find a file named in its manifest already gone; a moment later it opens."""
    for _ in range(OPEN_TRIES - 1):
        try:
            return ox.Store.read_only(path)
        except (OSError, RuntimeError) as exc:
            if not _STORAGE_ERROR.search(str(exc)):
                raise
            time.sleep(0.05)
    return ox.Store.read_only(path)


def send(fd: int, message: Any) -> None:
    """Write one framed message to a pipe."""
    data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    view = memoryview(_HEADER.pack(len(data)) + data)
    while view:
        view = view[os.write(fd, view) :]


def receive(fd: int) -> Any | None:
    """Read one framed message from a pipe; None when the other end has closed it."""
    header = _read_exactly(fd, _HEADER.size)
    if header is None:
        return None
    data = _read_exactly(fd, _HEADER.unpack(header)[0])
    return None if data is None else pickle.loads(data)


def _read_exactly(fd: int, size: int) -> bytes | None:
    chunks, left = [], size
    while left:
        chunk = os.read(fd, min(left, 1 << 20))
        if not chunk:
            return None
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def _die_with_parent(parent: int, requests: int) -> None:
    """End this process when the server ends, however it ends (SIGKILL included)."""
    if sys.platform.startswith("linux"):
        # the kernel sends SIGKILL when the thread that started us ends
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent:  # the parent ended before the line above took effect
        os._exit(0)

    def watch() -> None:
        # elsewhere: the request pipe hangs up when its only writer, the parent, goes away;
        # an event mask of 0 waits for that alone, not for the next request
        poller = select.poll()
        poller.register(requests, 0)
        poller.poll()
        os._exit(0)

    threading.Thread(target=watch, name="watch-parent", daemon=True).start()


def main() -> None:
    """Serve requests until the parent closes the pipe."""
    parent, memory = (int(arg) for arg in sys.argv[1:3])
    requests = sys.stdin.buffer.fileno()
    answers = os.dup(sys.stdout.buffer.fileno())
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())  # stray output must not corrupt answers
    _die_with_parent(parent, requests)
    # a query that would take more memory than this fails here instead of starving the machine
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    send(answers, ("ready", os.getpid()))
    store, opened = None, None
    while (request := receive(requests)) is not None:
        path, generation, text, graph, fmt = request
        outcome: Outcome | None = None
        for _ in range(2):  # a view the writer's compaction broke is opened anew, once
            # the view is kept from one request to the next: opening costs milliseconds
            broken = outcome is not None and outcome[0] == "store"
            if store is None or opened != (path, generation) or broken:
                try:
                    store, opened = open_store(path), (path, generation)
                except (OSError, RuntimeError) as exc:
                    outcome = ("store", str(exc))
                    break
            outcome = run_query(store, text, graph, fmt)
            if outcome[0] != "store":
                break
        assert outcome is not None
        send(answers, outcome)


if __name__ == "__main__":
    main()
