"""Fixtures shared by the unit tests of the graph's queries and paths."""

from __future__ import annotations

import pytest

from graph.store import OxigraphStore
from tests import fictional


@pytest.fixture
def store() -> OxigraphStore:
    """An in-memory store holding the fictional corpus."""
    store = OxigraphStore(None)
    fictional.write(store)
    return store
