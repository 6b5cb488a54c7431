"""Vector search at scale: the embedded approximate index (usearch) against an exact scan of
the same vectors; prints a table.

    python tests/bench/bench_scale.py [--passages 20000,100000] [--rows 2] [--queries 200]
                                      [--backend usearch|pgvector] [--expansion-add 128]
                                      [--search 16xauto,4x1024] [--row-dtype f16|f32]
                                      [--keep FOLDER | --reopen FOLDER]

The passages' vectors are GENERATED, not embedded (embedding 100,000 passages takes hours on
this machine): a few hundred sentences of the synthetic corpus's genre are embedded with the
real model, and each generated sentence vector is a random mix of three of them plus noise,
normalised, so that the vectors cluster as real ones do. Each passage holds `--rows` sentence
vectors (real passages hold up to six). Recall is measured with generated queries of the
same mix; the timed searches embed questions with the real model (`encode_query`), so their
p50/p95 include the query embedding.

For each size: the time to build the index (documents of ten passages written, then merged
into a snapshot), recall@10 of the approximate index against the exact scan (the share of
the exact top ten passages it returns), search p50/p95 with the query embedding, and, in a
fresh process, the time from opening the index to its first answer and its resident memory
at start and after 1,000 queries (the embedded index only; with `--backend pgvector` the
searches go to PostgreSQL with pgvector, started by the benchmark on loopback). Each size
is bounded by `--budget-s` of building: past it the run stops with the sizes measured so
far. "index alone" is the approximate search of a generated query without embedding it;
"exact scan" the scan of every row held in memory. With `--search`, the embedded index saved
once is reopened and measured with each setting of its search (the rows asked of the index
for each passage wanted, and the breadth of its search). With `--keep FOLDER`, each size's
index, queries and exact answers stay in `FOLDER/PASSAGES/`, and `--reopen FOLDER` measures
searches on them again without building (a million passages take half an hour to build).
"""

from __future__ import annotations

import argparse
import atexit
import json
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from graph.ann import (  # noqa: E402
    CONNECTIVITY,
    DTYPE,
    EXPANSION_ADD,
    ROW_DTYPE,
    ROWS_PER_PASSAGE,
    UsearchIndex,
)
from graph.vectors import ExactScan  # noqa: E402
from tests.bench.corpus import make_document  # noqa: E402

PER_DOCUMENT = 10
K = 10


def base_vectors(embedder, count: int) -> np.ndarray:
    """Real embeddings of sentences of the synthetic corpus's genre."""
    rng = random.Random(11)
    sentences: list[str] = []
    while len(sentences) < count:
        text = make_document(rng, len(sentences))
        sentences += [s.strip() for s in text.replace("\n", " ").split(". ") if len(s) > 30]
    return np.asarray(embedder.encode(sentences[:count]), dtype=np.float32)


def generate(base: np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray:
    """n generated vectors: each a random mix of three base vectors plus noise, normalised."""
    out = np.empty((n, base.shape[1]), dtype=np.float32)
    for start in range(0, n, 100_000):
        m = min(100_000, n - start)
        picks = rng.integers(0, len(base), (m, 3))
        weights = rng.dirichlet((1, 1, 1), m).astype(np.float32)
        mixed = np.einsum("nk,nkd->nd", weights, base[picks])
        mixed += rng.normal(0, 0.3 / np.sqrt(base.shape[1]), mixed.shape).astype(np.float32)
        out[start : start + m] = mixed / np.linalg.norm(mixed, axis=1, keepdims=True)
    return out


def build(index, vectors: np.ndarray, rows: int) -> tuple[object, ExactScan, float, float]:
    """The approximate index (empty when given) and the exact scan, over the same passages;
    the time the index took in all, and the part of it spent merging into the snapshot."""
    exact = ExactScan(vectors.shape[1])
    passages = len(vectors) // rows
    t0 = time.perf_counter()
    for first in range(0, passages, PER_DOCUMENT):
        doc = f"d{first // PER_DOCUMENT}"
        numbers = range(first, min(first + PER_DOCUMENT, passages))
        keys = [f"{doc}-p{n}" for n in numbers for _ in range(rows)]
        block = vectors[first * rows : (numbers[-1] + 1) * rows]
        index.upsert(doc, keys, block)
        exact.put(doc, keys, block)
    t1 = time.perf_counter()
    if isinstance(index, UsearchIndex):
        index.merge()
    index.flush()
    done = time.perf_counter()
    return index, exact, done - t0, done - t1


def child(folder: str, dimension: int, queries: str, setting: str) -> None:
    """Open the saved index in a fresh process: time to the first answer, resident memory at
    start and after 1,000 queries (printed as JSON)."""

    def rss_mb() -> float:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        return 0.0

    vectors = np.load(queries)
    t0 = time.perf_counter()
    index = open_read_only(folder, dimension, setting)
    held = {path.stem for path in Path(folder).glob("*.npz")}
    index.sync(held)
    index.search(vectors[0], K)
    first = time.perf_counter() - t0
    start_rss = rss_mb()
    for n in range(1000):
        index.search(vectors[n % len(vectors)], K)
    print(json.dumps({"first_s": first, "rss_start": start_rss, "rss_after": rss_mb()}))


def open_read_only(folder: str | Path, dimension: int, setting: str) -> UsearchIndex:
    """The saved index opened read-only, searched as `setting` says: "rows per passage
    asked of the index x its search breadth" (e.g. 4x1024; "auto": the breadth the index
    chooses for its size)."""
    rows, breadth = setting.split("x")
    rows_per_passage = int(rows)
    return UsearchIndex(
        folder,
        dimension,
        read_only=True,
        expansion_search=None if breadth == "auto" else int(breadth),
        rows_per_passage=rows_per_passage,
    )


def open_postgres(url: str, dimension: int, setting: str):
    """pgvector's index opened read-only, searched as `setting` says: rows per passage asked
    of it x `hnsw.ef_search` ("auto": its default)."""
    from graph.postgres import EF_SEARCH, PgVectorIndex

    rows, breadth = setting.split("x")
    return PgVectorIndex(
        url,
        dimension,
        read_only=True,
        rows_per_passage=int(rows),
        ef_search=EF_SEARCH if breadth == "auto" else int(breadth),
    )


def open_in_child(folder: Path, dimension: int, setting: str) -> dict[str, float]:
    """What `child` measures, in a fresh process."""
    out = subprocess.run(
        [
            sys.executable,
            __file__,
            "--child",
            str(folder),
            str(dimension),
            str(folder / "queries.npy"),
            setting,
        ],
        capture_output=True,
        text=True,
        check=True,
        timeout=600,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def measure(index, queries: np.ndarray, truths: list[set[str]], embedder, questions: list[str]):
    """Recall@10 against the exact answers, search p50/p95 with the query embedding, and the
    index's own p50 on the generated queries."""
    recall, index_times = [], []
    for q, truth in zip(queries, truths, strict=True):
        t0 = time.perf_counter()
        found = {key for key, _ in index.search(q, K)}
        index_times.append((time.perf_counter() - t0) * 1000)
        recall.append(len(truth & found) / K)
    times = []
    for n in range(len(queries)):
        t0 = time.perf_counter()
        index.search(embedder.encode_query(questions[n % len(questions)]), K)
        times.append((time.perf_counter() - t0) * 1000)
    times.sort()
    return (
        statistics.mean(recall),
        times[len(times) // 2],
        times[int(len(times) * 0.95)],
        statistics.median(index_times),
    )


def build_and_answer(args, base: np.ndarray, passages: int, rng, work: Path, postgres):
    """Build the index of `passages` generated passages in `work`, and the exact answers
    to the generated queries (saved beside the index, for `--reopen`)."""
    vectors = generate(base, passages * args.rows, rng)
    if postgres is not None:
        from graph.postgres import PgVectorIndex

        url = postgres.database(f"bench{passages}")
        empty = PgVectorIndex(url, base.shape[1])
    else:
        empty = UsearchIndex(
            work,
            base.shape[1],
            delta_rows=len(vectors) + 1,
            expansion_add=args.expansion_add,
            connectivity=args.connectivity,
            dtype=args.dtype,
            row_dtype=args.row_dtype,
        )
    index, exact, build_s, merge_s = build(empty, vectors, args.rows)
    del vectors
    queries = generate(base, args.queries, np.random.default_rng(9))
    truths, exact_times = [], []
    for q in queries:
        t0 = time.perf_counter()
        truths.append({key for key, _ in exact.search(q, K)})
        exact_times.append((time.perf_counter() - t0) * 1000)
    exact_p50 = statistics.median(exact_times)
    np.save(work / "queries.npy", queries)
    (work / "built.json").write_text(
        json.dumps(
            {
                "build_s": build_s,
                "merge_s": merge_s,
                "exact_p50": exact_p50,
                "truths": [sorted(t) for t in truths],
            }
        )
    )
    return index, build_s, merge_s, queries, truths, exact_p50


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--passages", default="20000,100000")
    parser.add_argument("--rows", type=int, default=2, help="sentence vectors a passage")
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--budget-s", type=float, default=600.0)
    parser.add_argument("--model", default="all-MiniLM-L6-v2")
    parser.add_argument(
        "--expansion-add",
        type=int,
        default=EXPANSION_ADD,
        help="usearch's breadth while building (the index's default: %(default)s)",
    )
    parser.add_argument(
        "--connectivity",
        type=int,
        default=CONNECTIVITY,
        help="usearch's graph degree (the index's default: %(default)s)",
    )
    parser.add_argument(
        "--backend",
        default="usearch",
        choices=("usearch", "pgvector"),
        help="pgvector: PostgreSQL from pgserver's binaries, started on loopback",
    )
    parser.add_argument(
        "--dtype",
        default=DTYPE,
        choices=("i8", "f16"),
        help="the precision of the embedded index's rows (the index's default: %(default)s)",
    )
    parser.add_argument(
        "--search",
        help="the searches to measure, comma-separated: rows asked of the index per passage "
        "wanted x search breadth (usearch's expansion_search, pgvector's hnsw.ef_search); "
        "'auto' the backend's own; default: the backend's settings. The embedded index's "
        "last is the one opened in a fresh process",
    )
    parser.add_argument(
        "--row-dtype",
        default=ROW_DTYPE,
        choices=("f16", "f32"),
        help="the precision candidates are scored again on (the index's default: %(default)s)",
    )
    kept = parser.add_mutually_exclusive_group()
    kept.add_argument("--keep", type=Path, help="keep each size's index under FOLDER/PASSAGES")
    kept.add_argument(
        "--reopen", type=Path, help="measure the indexes kept under FOLDER without building"
    )
    parser.add_argument("--child", nargs=4, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.backend == "pgvector" and (args.keep or args.reopen):
        parser.error("--keep and --reopen are for the embedded index (--backend usearch)")
    if args.search is None:
        from graph.postgres import ROWS_PER_PASSAGE as PG_ROWS_PER_PASSAGE

        rows = PG_ROWS_PER_PASSAGE if args.backend == "pgvector" else ROWS_PER_PASSAGE
        args.search = f"{rows}xauto"
    if args.child:
        child(args.child[0], int(args.child[1]), args.child[2], args.child[3])
        return
    from graph.embed import open_embedder

    embedder = open_embedder(args.model, "cpu")
    base = base_vectors(embedder, 500)
    rng = np.random.default_rng(1)
    questions = [f"{s.split(',')[0]}?" for s in make_document(random.Random(5), 0).split(". ")]
    table = []
    postgres = None
    if args.backend == "pgvector":
        from tests.servers import PostgresServer

        postgres = PostgresServer()
        atexit.register(postgres.stop)  # its data folder goes, however the run ends
    for passages in [int(p) for p in args.passages.split(",")]:
        if args.reopen:
            work = args.reopen / str(passages)
        elif args.keep:
            work = args.keep / str(passages)
            shutil.rmtree(work, ignore_errors=True)
            work.mkdir(parents=True)
        else:
            work = Path(tempfile.mkdtemp(prefix="civicgraph-bench-scale-"))
        try:
            if args.reopen:
                index = None
                built = json.loads((work / "built.json").read_text())
                build_s, merge_s, exact_p50 = built["build_s"], built["merge_s"], built["exact_p50"]
                truths = [set(keys) for keys in built["truths"]]
                queries = np.load(work / "queries.npy")
            else:
                index, build_s, merge_s, queries, truths, exact_p50 = build_and_answer(
                    args, base, passages, rng, work, postgres
                )
            measured = []
            if postgres is not None:
                index.close()
                for setting in args.search.split(","):
                    reader = open_postgres(index.db.url, base.shape[1], setting)
                    found = measure(reader, queries, truths, embedder, questions)
                    measured.append((setting, found))
                    reader.close()
            else:
                if index is not None:
                    index.close()  # each search setting is measured on the saved index, reopened
                held = {path.stem for path in work.glob("*.npz")}
                for setting in args.search.split(","):
                    reader = open_read_only(work, base.shape[1], setting)
                    reader.sync(held)
                    found = measure(reader, queries, truths, embedder, questions)
                    measured.append((setting, found))
                    reader.close()
            del index
            opened = None
            if postgres is None:
                opened = open_in_child(work, base.shape[1], args.search.split(",")[-1])
            print(f"{passages:,} passages measured", flush=True)
            for setting, (recall, p50, p95, index_p50) in measured:
                table.append(
                    (
                        passages,
                        passages * args.rows,
                        build_s,
                        merge_s,
                        setting,
                        recall,
                        p50,
                        p95,
                        index_p50,
                        exact_p50,
                        opened if setting == args.search.split(",")[-1] else None,
                    )
                )
        finally:
            if not (args.keep or args.reopen):
                shutil.rmtree(work, ignore_errors=True)
        if build_s > args.budget_s:
            print(f"building {passages:,} passages took {build_s:.0f} s: stopping", flush=True)
            break
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"{args.backend}: vectors GENERATED (mixes of real embeddings), queries embedded; "
        + (
            f"connectivity {args.connectivity}, expansion_add {args.expansion_add}, {args.dtype}, "
            f"candidates scored again at {args.row_dtype}; "
            if postgres is None and not args.reopen
            else f"reopened from {args.reopen}; "
            if args.reopen
            else ""
        )
        + f"the benchmark's own peak RSS {peak:,.0f} MB"
    )
    print(
        "| passages | sentence vectors | build (of which merged into the index) "
        "| search: rows a passage x breadth | recall@10 vs exact | search p50 / p95 "
        "(query embedding included) | index alone p50 | exact scan p50 | open to first answer "
        "| RSS at start / after 1,000 queries |"
    )
    print("| ---: | ---: | ---: | --- | ---: | --- | ---: | ---: | ---: | --- |")
    for row in table:
        passages, rows, build_s, merge_s, setting, recall, p50, p95, index_p50, exact_p50 = row[:10]
        opened = row[10]
        first = f"{opened['first_s'] * 1000:.0f} ms" if opened else "—"
        rss = f"{opened['rss_start']:.0f} / {opened['rss_after']:.0f} MB" if opened else "—"
        print(
            f"| {passages:,} | {rows:,} | {build_s:.1f} s ({merge_s:.1f} s) | {setting}"
            f" | {recall:.3f}"
            f" | {p50:.1f} / {p95:.1f} ms"
            f" | {index_p50:.1f} ms | {exact_p50:.1f} ms | {first} | {rss} |"
        )


if __name__ == "__main__":
    main()
