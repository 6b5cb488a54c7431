"""Each file's budget of time and memory while it is read, split and extracted.

The stages check the budget between steps (`FileClock.check`), so a file past its budget is
refused by name and the batch goes on. A file stuck inside one step, where no check can run,
is stopped from outside: the worker process that prepares it is killed once the file is
well past its budget (`FileClock.past_hard_limit`), and a new worker takes the rest.
"""

from __future__ import annotations

import os
import sys
import time
from dataclasses import dataclass
from typing import Any

DEFAULT_FILE_TIMEOUT_S = 600.0
DEFAULT_FILE_MEMORY_MB = 2048.0
# How far past its budget a file may go before its worker is killed: the checks between
# steps should have refused it long before, unless one step is stuck.
HARD_LIMIT_FACTOR = 1.5
HARD_LIMIT_GRACE_S = 10.0

_PAGE_MB = os.sysconf("SC_PAGE_SIZE") / 2**20 if hasattr(os, "sysconf") else 0.0


@dataclass(frozen=True, slots=True)
class FileBudget:
    """What one file may cost to prepare: seconds, and megabytes of memory that the preparing
    process may gain (on Linux)."""

    seconds: float = DEFAULT_FILE_TIMEOUT_S
    memory_mb: float = DEFAULT_FILE_MEMORY_MB


class OverBudget(Exception):
    """A file past its time or memory budget; the message is the reason it is refused."""


def peak_mb(pid: int | str = "self") -> float:
    """The most resident memory a process has held, in MB (0.0 where /proc cannot tell)."""
    if not sys.platform.startswith("linux"):
        return 0.0
    try:
        with open(f"/proc/{pid}/status", "rb") as status:
            for line in status:
                if line.startswith(b"VmHWM:"):
                    return int(line.split()[1]) / 1024
    except (OSError, IndexError, ValueError):
        pass
    return 0.0


class FileClock:
    """The time the file being prepared has taken, and the memory the preparing process has
    gained, at its peak, since it began its first file (or loaded the language model).

    Memory is the process's high-water mark, so a peak between two checks counts, and it is
    counted from the batch's start rather than the file's because freed memory is kept by
    the process and reused: a file that reuses it costs nothing more, and one that takes the
    process past its base by more than the budget is refused. Each file is checked after
    its last step, so the next file never answers for an earlier one's peak.

    ``marker`` (three shared doubles: the file's index, the monotonic time it started and the
    memory base) lets another process watch the file from outside; the index is written
    last and set to -1 while the other two change, so a reader that sees the same index
    before and after reading them has a consistent view.
    """

    def __init__(self, budget: FileBudget, marker: Any = None) -> None:
        self.budget = budget
        self.marker = marker
        self.index = -1
        self.started = time.monotonic()
        self.memory_base: float | None = None

    def start(self, index: int) -> None:
        """Begin timing the file at `index`."""
        self.index = index
        self.started = time.monotonic()
        if self.memory_base is None:
            self.memory_base = peak_mb()
        self._mark()

    def restart(self) -> None:
        """Start the current file's budget again, after a cost that is not its own (loading
        the language model on first use), with the memory base taken anew."""
        self.started = time.monotonic()
        self.memory_base = peak_mb()
        self._mark()

    def _mark(self) -> None:
        if self.marker is not None:
            self.marker[0] = -1
            self.marker[1] = self.started
            self.marker[2] = self.memory_base or 0.0
            self.marker[0] = self.index

    def finish(self) -> None:
        """No file is being prepared any more."""
        self.index = -1
        if self.marker is not None:
            self.marker[0] = -1

    def check(self, stage: str) -> None:
        """Raise OverBudget naming the budget if the file has used more than it."""
        gained = peak_mb() - (self.memory_base or 0.0)
        reason = over_budget(self.budget, time.monotonic() - self.started, gained)
        if reason:
            raise OverBudget(f"{reason} (while {stage})")


def over_budget(budget: FileBudget, seconds: float, memory_mb: float, factor: float = 1.0) -> str:
    """Why a file that took `seconds` and `memory_mb` is over `factor` times its budget, or ""."""
    if seconds > budget.seconds * factor + (HARD_LIMIT_GRACE_S if factor > 1 else 0.0):
        return (
            f"took longer than its budget of {budget.seconds:g} s; "
            "raise CIVICGRAPH_FILE_TIMEOUT_S to allow more"
        )
    if budget.memory_mb and memory_mb > budget.memory_mb * factor:
        return (
            f"needed more than its budget of {budget.memory_mb:g} MB of memory; "
            "raise CIVICGRAPH_FILE_MEMORY_MB to allow more"
        )
    return ""


def past_hard_limit(budget: FileBudget, marker: Any, pid: int) -> tuple[int, str] | None:
    """(index, reason) when the file another process is preparing is well past its budget,
    as its `marker` and its resident memory tell; None while it is within it."""
    index = int(marker[0])
    started, memory_base = marker[1], marker[2]
    if index < 0 or int(marker[0]) != index:
        return None
    memory = peak_mb(pid) - memory_base if memory_base else 0.0
    reason = over_budget(budget, time.monotonic() - started, memory, HARD_LIMIT_FACTOR)
    return (index, reason) if reason else None
