"""What a busy request thread costs the others' store and keyword reads; prints a table.

    python tests/bench/bench_contention.py [--store DIR] [--busy 1] [--repeat 200]

Ingests seeds/ into a new store (unless --store names one; the embedding model does not
matter here, so a new store is built with the hashing embedder), then times a search's reads
(its passages and their entities from the store, its keyword ranking) alone, and beside
`--busy` threads running Python, at Python's default switch interval (5 ms) and at the one
`civicgraph serve` sets (api/server.py `SWITCH_INTERVAL_S`). A thread that lets go of
Python's lock in a call into native code waits, to take it back, until the busy thread
yields: the more often a read lets go, the more it waits.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from api.server import SWITCH_INTERVAL_S  # noqa: E402
from graph import queries  # noqa: E402
from graph.keywords import SqliteKeywordIndex  # noqa: E402
from graph.store import OxigraphStore  # noqa: E402
from tests.bench.bench_load import SEARCHES  # noqa: E402


def build(folder: Path) -> None:
    """A store of the seeds, embedded by the hashing embedder."""
    env = {**os.environ, "CIVICGRAPH_MODEL": "hash"}
    command = [sys.executable, "-m", "api.cli", "ingest", "--store", str(folder), "seeds"]
    subprocess.run(command, cwd=ROOT, env=env, check=True)


def timings(read: Callable[[], object], busy: int, repeat: int) -> list[float]:
    """Milliseconds each of `repeat` reads took, with `busy` threads running Python beside."""
    stop = threading.Event()

    def spin() -> None:
        while not stop.is_set():
            sum(i * i for i in range(200))

    spinners = [threading.Thread(target=spin, daemon=True) for _ in range(busy)]
    for thread in spinners:
        thread.start()
    try:
        out = []
        for _ in range(repeat):
            t0 = time.perf_counter()
            read()
            out.append((time.perf_counter() - t0) * 1000)
        return out
    finally:
        stop.set()
        for thread in spinners:
            thread.join()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", type=Path, help="reuse (or build) the store here")
    parser.add_argument("--busy", type=int, default=1, help="threads running Python beside")
    parser.add_argument("--repeat", type=int, default=200, help="timed reads of each kind")
    args = parser.parse_args()
    folder = args.store or Path(tempfile.mkdtemp(prefix="civicgraph-contention-")) / "store"
    if not (folder / "graph").exists():
        build(folder)
    store = OxigraphStore(folder / "graph", read_only=True)
    keywords = SqliteKeywordIndex(folder / "keywords.sqlite", read_only=True)
    keys = [
        key
        for (key,) in store.select(
            "SELECT ?k WHERE { ?p a cg:Passage ; dcterms:identifier ?k }"
        ).rows
    ]
    rng = random.Random(7)
    page = rng.sample(keys, min(15, len(keys)))
    reads: dict[str, Callable[[], object]] = {
        "passages and their entities (15)": lambda: (
            queries.passages(store, page),
            queries.mentions(store, page[:10]),
        ),
        "keyword ranking (50)": lambda: keywords.search(rng.choice(SEARCHES), 50),
    }
    print(
        f"store {folder}: {len(keys)} passages; {args.busy} busy thread(s); {os.cpu_count()} cores"
    )
    print()
    print("| read | switch interval | alone p50 / p95 ms | beside busy threads p50 / p95 ms |")
    print("| --- | ---: | --- | --- |")
    default = sys.getswitchinterval()
    try:
        for name, read in reads.items():
            for interval in (default, SWITCH_INTERVAL_S):
                sys.setswitchinterval(interval)
                read()
                cells = []
                for busy in (0, args.busy):
                    ms = sorted(timings(read, busy, args.repeat))
                    p95 = ms[int(0.95 * (len(ms) - 1))]
                    cells.append(f"{statistics.median(ms):.2f} / {p95:.2f}")
                print(f"| {name} | {interval * 1000:g} ms | {cells[0]} | {cells[1]} |")
    finally:
        sys.setswitchinterval(default)
        store.close()
        keywords.close()


if __name__ == "__main__":
    main()
