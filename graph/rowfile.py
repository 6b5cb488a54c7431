"""Rows of a saved `.npy` matrix read by number with `pread`, not memory-mapped.

A memory map of a file larger than the few rows a search wants grows the process's resident
memory well past them: each page fault maps the pages around it too (the kernel's fault-
around), so after a thousand searches of a million passages most of a 3 GB file of rows was
resident (README, "Scale"). Read with `pread`, the rows pass through the page cache, which
the kernel shares and reclaims, and the process holds only what it asked for.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np


class RowFile:
    """A 2-D `.npy` file, opened once, its rows read on demand (thread-safe: `pread` keeps
    no file position)."""

    def __init__(self, path: str | Path) -> None:
        self._fd = -1
        self.path = Path(path)
        with self.path.open("rb") as data:
            version = np.lib.format.read_magic(data)
            read_header = (
                np.lib.format.read_array_header_1_0
                if version == (1, 0)
                else np.lib.format.read_array_header_2_0
            )
            shape, fortran, dtype = read_header(data)
            offset = data.tell()
        if len(shape) != 2 or fortran or dtype.hasobject:
            raise ValueError(f"{self.path}: not a C-ordered 2-D matrix of numbers ({shape})")
        self.shape: tuple[int, int] = (int(shape[0]), int(shape[1]))
        self.dtype = np.dtype(dtype)
        self._offset = offset
        self._row_bytes = self.shape[1] * self.dtype.itemsize
        self._fd = os.open(self.path, os.O_RDONLY)

    def __len__(self) -> int:
        return self.shape[0]

    def take(self, rows: np.ndarray) -> np.ndarray:
        """The rows numbered `rows` (in that order, repeats allowed) at 32 bits; each run of
        consecutive rows is one read."""
        rows = np.asarray(rows, dtype=np.int64)
        if not len(rows):
            return np.empty((0, self.shape[1]), dtype=np.float32)
        if rows.min() < 0 or rows.max() >= self.shape[0]:
            raise IndexError(f"{self.path}: rows outside 0..{self.shape[0] - 1}")
        wanted, where = np.unique(rows, return_inverse=True)
        breaks = np.flatnonzero(np.diff(wanted) != 1) + 1
        read = np.empty((len(wanted), self.shape[1]), dtype=self.dtype)
        for start, end in zip(
            np.concatenate([[0], breaks]), np.concatenate([breaks, [len(wanted)]]), strict=True
        ):
            size = int(end - start) * self._row_bytes
            data = os.pread(self._fd, size, self._offset + int(wanted[start]) * self._row_bytes)
            if len(data) != size:
                raise OSError(f"{self.path}: short read (the file changed under the index?)")
            read[start:end] = np.frombuffer(data, dtype=self.dtype).reshape(-1, self.shape[1])
        return read[where.reshape(-1)].astype(np.float32, copy=False)

    def close(self) -> None:
        """Close the file (also done when the object is collected)."""
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1

    def __del__(self) -> None:
        self.close()
