"""Ingest and search benchmark on a synthetic corpus of the seeds' genre; prints a table.

    python tests/bench/bench_ingest.py [--documents 1000] [--device auto|cpu|cuda]

Measures, in one run: ingest documents/s and passages/s with the share of time spent
reading, splitting, extracting, embedding and writing; the model's raw encode rate on the
same passages, with ingest as a ratio of it; extraction words/s; search p50/p95 with the
query embedding included; store size; peak memory.
"""

from __future__ import annotations

import argparse
import json
import platform
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from api.service import CivicGraph  # noqa: E402
from api.settings import Settings  # noqa: E402
from ingest.passages import embedding_units, split_passages  # noqa: E402
from ingest.readers import read_document  # noqa: E402
from tests.bench.corpus import make_corpus  # noqa: E402

QUERIES = [
    "keeping older people out of hospital",
    "who leads on community safety",
    "funding for insulating homes",
    "pilot areas for early help with families",
    "staff shortages in social work",
    "savings from moving money into prevention",
    "consultation with residents and businesses",
    "council chief executive comments on the programme",
    "measuring outcomes rather than activity",
    "government promises more freedoms",
]


def folder_size(path: Path) -> int:
    """Bytes on disk under a folder."""
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def time_searches(service: CivicGraph, count: int) -> list[float]:
    """Milliseconds of `count` searches, query embedding included, sorted."""
    service.search("warm up", k=10)
    timings = []
    for n in range(count):
        t0 = time.perf_counter()
        service.search(QUERIES[n % len(QUERIES)], k=10)
        timings.append((time.perf_counter() - t0) * 1000)
    return sorted(timings)


def search_only(store: Path, count: int) -> None:
    """Time searches on an existing store, opened and warmed as the server does."""
    service = CivicGraph.open(Settings(store=store))
    service.warm()
    passages = service.health()["store"]["passages"]
    timings = time_searches(service, count)
    service.close()
    print("\n| measure | value |\n| --- | --- |")
    print(
        f"| search p50 / p95 | {statistics.median(timings):.1f} / "
        f"{timings[int(len(timings) * 0.95) - 1]:.1f} ms at {passages:,} passages |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--documents", type=int, default=1000, help="synthetic documents")
    parser.add_argument("--paragraphs", type=int, default=8, help="paragraphs per document")
    parser.add_argument("--device", default="auto", choices=["auto", "cpu", "cuda"])
    parser.add_argument("--searches", type=int, default=200, help="search queries timed")
    parser.add_argument("--raw-sample", type=int, default=1024, help="passages for raw encode")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    parser.add_argument("--search-only", type=Path, metavar="STORE", help="time search only")
    args = parser.parse_args()
    if args.search_only:
        search_only(args.search_only, args.searches)
        return

    work = Path(tempfile.mkdtemp(prefix="civicgraph-bench-"))
    corpus = make_corpus(work / "corpus", args.documents, paragraphs=args.paragraphs)
    service = CivicGraph.open(Settings(store=work / "store", device=args.device), write=True)
    embedder = service.embedder

    # raw encode rate of the model on passages of this corpus, measured in the same run: the
    # model reads each passage as its sentences, so time the sentences of `raw_sample`
    # passages and count passages
    passages_sampled = []
    for path in corpus:
        passages_sampled += split_passages(read_document(path))
        if len(passages_sampled) >= args.raw_sample:
            break
    passages_sampled = passages_sampled[: args.raw_sample]
    sample = [u for p in passages_sampled for u in embedding_units(p)]
    embedder.encode(sample[:64])  # warm up
    t0 = time.perf_counter()
    embedder.encode(sample)
    raw_rate = len(passages_sampled) / (time.perf_counter() - t0)

    from tqdm import tqdm

    with tqdm(total=len(corpus), unit="doc", file=sys.stderr) as bar:
        t0 = time.perf_counter()
        report = service.ingest([work / "corpus"], progress=lambda p: bar.update(p.files - bar.n))
        ingest_s = time.perf_counter() - t0
    assert not report.failed, report.failed
    words = sum(len(read_document(p).text.split()) for p in corpus)

    # search as a user meets it: a freshly opened store, warmed up as the server does
    service.close()
    service = CivicGraph.open(Settings(store=work / "store", device=args.device))
    service.warm()
    service.health()
    timings = time_searches(service, args.searches)

    passages = report.passages
    stage_total = sum(report.timings.values()) or 1.0
    figures = {
        "device": getattr(embedder, "device", "cpu"),
        "torch_threads": __import__("torch").get_num_threads(),
        "machine": f"{platform.machine()}, {__import__('os').cpu_count()} cores",
        "documents": len(corpus),
        "passages": passages,
        "words": words,
        "ingest_seconds": round(ingest_s, 1),
        "documents_per_s": round(len(corpus) / ingest_s, 2),
        "passages_per_s": round(passages / ingest_s, 1),
        "raw_encode_passages_per_s": round(raw_rate, 1),
        "ingest_to_raw_ratio": round((passages / ingest_s) / raw_rate, 2),
        "extraction_words_per_s": round(words / report.timings["extract"], 0)
        if report.timings["extract"]
        else None,
        "extraction_to_embedding": round(report.timings["extract"] / report.timings["embed"], 2),
        "shares": {k: round(v / stage_total, 3) for k, v in report.timings.items()},
        "search_p50_ms": round(statistics.median(timings), 1),
        "search_p95_ms": round(timings[int(len(timings) * 0.95) - 1], 1),
        "store_mb": round(folder_size(work / "store") / 1e6, 1),
        "peak_memory_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 0),
    }
    service.close()

    rows = [
        ("documents / passages / words", f"{len(corpus):,} / {passages:,} / {words:,}"),
        ("device", f"{figures['device']} ({figures['machine']})"),
        (
            "ingest",
            f"{ingest_s:.1f} s: {figures['documents_per_s']} docs/s, "
            f"{figures['passages_per_s']} passages/s",
        ),
        ("raw encode (same run)", f"{figures['raw_encode_passages_per_s']} passages/s"),
        ("ingest / raw encode", f"{figures['ingest_to_raw_ratio']}x (target >= 0.7x)"),
        ("time shares", ", ".join(f"{k} {v:.0%}" for k, v in figures["shares"].items())),
        (
            "extraction",
            f"{figures['extraction_words_per_s']} words/s, "
            f"{figures['extraction_to_embedding']}x embedding time (target <= 0.5x)",
        ),
        (
            "search p50 / p95",
            f"{figures['search_p50_ms']} / {figures['search_p95_ms']} ms "
            f"at {passages:,} passages (target p50 < 25 ms at 10,000)",
        ),
        ("store size", f"{figures['store_mb']} MB"),
        ("peak memory", f"{figures['peak_memory_mb']:.0f} MB"),
    ]
    print("\n| measure | value |\n| --- | --- |")
    for name, value in rows:
        print(f"| {name} | {value} |")
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2) + "\n")


if __name__ == "__main__":
    main()
