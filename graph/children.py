"""Child processes that die with the process that started them, however it ends."""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import os
import signal
import sys
import threading
from typing import Any

_PR_SET_PDEATHSIG = 1
_LIBC = (
    ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
    if sys.platform.startswith("linux")
    else None
)


def die_with_parent(lifeline: Any = None, parent: int | None = None) -> None:
    """Make this process end when its parent does, even by `kill -9`.

    On Linux the kernel sends SIGKILL at the parent's end (PR_SET_PDEATHSIG; note that it
    fires when the *thread* that started this process ends, and the ingest waits for its
    worker in that thread). Elsewhere, and as a second line, a thread waits on `lifeline`,
    the reading end of a pipe whose only writer is the parent: when the parent is gone, the
    read ends and so does this process. Also usable as a subprocess's ``preexec_fn``.
    """
    if _LIBC is not None:
        _LIBC.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if parent is not None and os.getppid() != parent:
        os._exit(1)  # the parent ended before the line above took effect
    if lifeline is not None:
        threading.Thread(target=_watch_lifeline, args=(lifeline,), daemon=True).start()


def _watch_lifeline(lifeline: Any) -> None:
    with contextlib.suppress(EOFError, OSError):
        lifeline.recv_bytes()  # returns only when the parent's end closes: it never writes
    os._exit(1)
