"""Ingest of one long document at 0.5, 2 and 8 MB: time and peak memory should grow in
proportion to the size (about 4x for each 4x); prints a table.

    python tests/bench/bench_large.py [--sizes 0.5,2,8] [--model all-MiniLM-L6-v2|hash]

Each size is a text of the synthetic corpus's genre (tests/bench/corpus.py, documents one
after another), ingested by `civicgraph ingest` into a fresh store in a process of its own,
so that the peak memory is that run's alone.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.bench.corpus import make_document  # noqa: E402


def long_text(megabytes: float, seed: int = 11) -> str:
    """Synthetic articles one after another, `megabytes` long."""
    rng = random.Random(seed)
    parts: list[str] = []
    size = 0
    while size < megabytes * 1024 * 1024:
        part = make_document(rng, len(parts))
        parts.append(part)
        size += len(part) + 2
    return "\n\n".join(parts)


def ingest_once(path: Path, store: Path, env: dict[str, str]) -> tuple[dict, float, float]:
    """(the ingest report, wall seconds, peak memory in MB) of one `civicgraph ingest`."""
    command = [sys.executable, "-m", "api.cli", "ingest", "--json", "--store", str(store)]
    started = time.perf_counter()
    process = subprocess.Popen(
        [*command, str(path)], cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True
    )
    out = process.stdout.read() if process.stdout else ""
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
    if status != 0:
        raise SystemExit(f"ingest of {path} failed:\n{out}")
    return json.loads(out), seconds, usage.ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="0.5,2,8", help="megabytes, comma-separated")
    parser.add_argument("--model", default=None, help="embedding model [the setting's default]")
    parser.add_argument("--device", default=None, choices=["auto", "cpu", "cuda"])
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "HF_HUB_OFFLINE": "1"}
    if args.model:
        env["CIVICGRAPH_MODEL"] = args.model
    if args.device:
        env["CIVICGRAPH_DEVICE"] = args.device
    # one document is one file's work: give it the time it needs at 8 MB
    env.setdefault("CIVICGRAPH_FILE_TIMEOUT_S", "3600")
    work = Path(tempfile.mkdtemp(prefix="civicgraph-bench-large-"))
    rows = []
    for megabytes in (float(s) for s in args.sizes.split(",")):
        path = work / f"long-{megabytes:g}mb.txt"
        path.write_text(long_text(megabytes))
        report, seconds, peak = ingest_once(path, work / f"store-{megabytes:g}", env)
        rows.append(
            {
                "megabytes": megabytes,
                "bytes": path.stat().st_size,
                "passages": report["passages"],
                "triples": report["triples"],
                "seconds": round(seconds, 1),
                "timings": report["timings"],
                "peak_memory_mb": round(peak),
            }
        )
        print(f"{megabytes:g} MB: {seconds:.1f} s, peak {peak:.0f} MB", file=sys.stderr)
    print(
        "\n| text | passages | seconds | s per MB | read + split | extract | embed | write "
        "| peak memory | x time | x memory |"
    )
    print("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for n, row in enumerate(rows):
        t = row["timings"]
        before = rows[n - 1] if n else None
        grow_t = f"{row['seconds'] / before['seconds']:.1f}" if before else ""
        grow_m = f"{row['peak_memory_mb'] / before['peak_memory_mb']:.2f}" if before else ""
        print(
            f"| {row['megabytes']:g} MB | {row['passages']:,} | {row['seconds']:.1f} "
            f"| {row['seconds'] / row['megabytes']:.1f} | {t['read'] + t['split']:.1f} "
            f"| {t['extract']:.1f} | {t['embed']:.1f} | {t['write']:.1f} "
            f"| {row['peak_memory_mb']:,} MB | {grow_t} | {grow_m} |"
        )
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2) + "\n")


if __name__ == "__main__":
    main()
