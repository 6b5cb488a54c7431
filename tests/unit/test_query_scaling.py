"""Questions search asks of the store for each answer cost what the answer holds, not what the
store holds."""

from __future__ import annotations

import time

from graph import queries
from graph.build import build_quads, graph_iri
from graph.model import Document, Passage
from graph.store import OxigraphStore

PASSAGES_EACH = 4


def store_of(documents: int) -> OxigraphStore:
    """An in-memory store of `documents` invented documents of PASSAGES_EACH passages, every
    other one dated and every other passage under a heading."""
    store = OxigraphStore(None)
    for n in range(documents):
        key = f"note-{n:04d}"
        texts = [f"Item {i} of note {n}: the depot on Quarry Lane reopens." for i in range(4)]
        text = "\n\n".join(texts)
        date = f"2025-03-{n % 28 + 1:02d}" if n % 2 else None
        doc = Document(key, f"notes/{key}.txt", f"Note {n}", text, date)
        passages, start = [], 0
        for i, part in enumerate(texts):
            heading = f"Part {i}" if i % 2 else None
            passages.append(
                Passage(f"{key}-p{i:08x}", key, start, start + len(part), part, heading)
            )
            start += len(part) + 2
        store.replace_graph(str(graph_iri(key)), build_quads(doc, passages))
    return store


def fastest(store: OxigraphStore, keys: list[str], repeats: int = 7) -> float:
    best = float("inf")
    for _ in range(repeats):
        started = time.perf_counter()
        queries.passages(store, keys)
        best = min(best, time.perf_counter() - started)
    return best


def test_passages_by_key_cost_what_is_asked_not_the_size_of_the_store() -> None:
    small, large = store_of(40), store_of(640)
    keys = [f"note-{n:04d}-p{i:08x}" for n in range(10) for i in (0, 1)]
    found = queries.passages(large, keys)
    assert sorted(found) == sorted(keys)
    passage, document = found["note-0005-p00000001"]
    assert (passage.document, passage.heading, passage.start) == ("note-0005", "Part 1", 53)
    assert (document.key, document.source, document.title) == (
        "note-0005",
        "notes/note-0005.txt",
        "Note 5",
    )
    assert document.date == "2025-03-06" and found["note-0004-p00000000"][1].date is None
    assert found["note-0004-p00000000"][0].heading is None
    assert found == queries.passages(small, keys)
    # sixteen times the documents: the same 20 passages cost under four times as much (they
    # cost ten times as much when every document was read for them; now about the same)
    ratio = fastest(large, keys) / fastest(small, keys)
    assert ratio < 4, ratio
