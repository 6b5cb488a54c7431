"""Rows of a saved matrix read by number: the same values as the matrix, in the order asked,
at 32 bits, whatever the precision saved."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from graph.rowfile import RowFile


@pytest.mark.parametrize("dtype", [np.float16, np.float32])
def test_rows_come_back_in_the_order_asked(tmp_path: Path, dtype: type) -> None:
    matrix = np.random.default_rng(1).normal(size=(50, 7)).astype(dtype)
    np.save(tmp_path / "rows.npy", matrix)
    rows = RowFile(tmp_path / "rows.npy")
    # runs, gaps, repeats and a descending order
    asked = np.array([9, 3, 4, 5, 49, 0, 4, 48, 47])
    taken = rows.take(asked)
    assert taken.dtype == np.float32
    np.testing.assert_array_equal(taken, matrix[asked].astype(np.float32))
    assert len(rows) == 50 and rows.take(np.array([], dtype=np.int64)).shape == (0, 7)
    rows.close()


def test_a_row_past_the_end_is_refused(tmp_path: Path) -> None:
    np.save(tmp_path / "rows.npy", np.zeros((3, 2), dtype=np.float32))
    with pytest.raises(IndexError, match=r"rows\.npy"):
        RowFile(tmp_path / "rows.npy").take(np.array([3]))


def test_a_file_that_is_not_a_matrix_is_refused(tmp_path: Path) -> None:
    np.save(tmp_path / "flat.npy", np.zeros(4, dtype=np.float32))
    with pytest.raises(ValueError, match=r"flat\.npy"):
        RowFile(tmp_path / "flat.npy")
