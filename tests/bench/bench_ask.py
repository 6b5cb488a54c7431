"""Latency of questions in plain English (GET /ask) on the seeds' store; prints a table.

    python tests/bench/bench_ask.py [--store DIR] [--model all-MiniLM-L6-v2] [--repeat 5]

Ingests seeds/ into a new store (unless --store names one that exists), then asks questions of
every shape, made from the facts the graph holds (who leads X, what does X lead, which councils
took part in X, who is the <post> of X, which councils were rated best in X, how is A
connected to B, what is X, one limited to a year) and a few no shape fits, in process and
through a real server. Each answer includes the passage search for the question, so the query
embedding is part of every figure. Target: p50 < 50 ms.
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from api.service import CivicGraph  # noqa: E402
from api.settings import Settings  # noqa: E402
from tests.bench.bench_graph import timed  # noqa: E402
from tests.conftest import free_port  # noqa: E402

# Questions that no shape fits: their answer is the search results alone.
FREE_QUESTIONS = [
    "Why do councils struggle to keep older people out of hospital?",
    "What happened to funding for youth services?",
]
PER_SHAPE = 4


def questions(service: CivicGraph) -> dict[str, list[str]]:
    """Questions of each shape, made from the facts the graph holds."""
    facts = service.relations(limit=100_000)

    def first(predicate: str, make, n: int = PER_SHAPE) -> list[str]:
        made: list[str] = []
        for fact in facts:
            if fact.predicate == predicate and fact.evidence:
                question = make(fact)
                if question and question not in made:
                    made.append(question)
            if len(made) == n:
                break
        return made

    asked = {
        "who leads X": first("leads", lambda f: f"Who leads {f.object.label}?"),
        "what does X lead": first("leads", lambda f: f"What does {f.subject.label} lead?"),
        "which councils took part in X": first(
            "participatesIn", lambda f: f"Which councils took part in {f.object.label}?"
        ),
        "who is the <post> of X": first(
            "headOf", lambda f: f"Who is the {f.role} of {f.object.label}?" if f.role else None
        ),
        "which councils were rated best in X": first(
            "rated", lambda f: f"Which councils were rated best in {f.object.label}?"
        ),
        "how is A connected to B": first(
            "holdsPost",
            lambda f: f"How is {f.subject.label} connected to {f.object.label}?",
        ),
        "what is X": first("leads", lambda f: f"What is {f.subject.label}?"),
        "... in a year": first("leads", lambda f: f"Who leads {f.object.label} in 2010?"),
        "no shape fits": FREE_QUESTIONS,
    }
    return {shape: made for shape, made in asked.items() if made}


def percentile(samples: list[float], q: float) -> float:
    """A percentile, in milliseconds."""
    ordered = sorted(samples)
    at = min(len(ordered) - 1, round(q * (len(ordered) - 1)))
    return round(ordered[at] * 1000, 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", type=Path, help="reuse (or build) the store here")
    parser.add_argument("--model", default=None, help="embedding model (default: the setting's)")
    parser.add_argument("--repeat", type=int, default=5, help="timed calls per question")
    args = parser.parse_args()
    if args.model:
        os.environ["CIVICGRAPH_MODEL"] = args.model
    folder = args.store or Path(tempfile.mkdtemp(prefix="civicgraph-ask-bench-")) / "store"
    if not (folder / "graph").exists():
        subprocess.run(
            [
                sys.executable,
                "-m",
                "api.cli",
                "ingest",
                "--store",
                str(folder),
                str(ROOT / "seeds"),
            ],
            cwd=ROOT,
            check=True,
        )
    service = CivicGraph.open(Settings(store=folder))
    asked = questions(service)
    t0 = time.perf_counter()
    service.ask("Who leads what?")  # loads the catalogue, the vectors, the model and the shapes
    warm_up = time.perf_counter() - t0
    for made in asked.values():  # and runs each kind of query once, as a server's first users do
        service.ask(made[0])

    # rounds over every question, each question's answer timed next to its search alone, so
    # that both meet the same load on a shared machine
    in_process: dict[str, list[float]] = {shape: [] for shape in asked}
    search_only: list[float] = []
    for _ in range(args.repeat):
        for shape, made in asked.items():
            for question in made:
                in_process[shape] += timed([lambda q=question: service.ask(q)])
                search_only += timed([lambda q=question: service.search(q, k=5)])
    answered = sum(bool(service.ask(q).answers) for made in asked.values() for q in made)
    service.close()

    port = free_port()
    url = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        [sys.executable, "-m", "api.cli", "serve", "--store", str(folder), "--port", str(port)],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 300
        while True:
            try:
                httpx.get(f"{url}/health", timeout=300).raise_for_status()
                break
            except httpx.HTTPError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise RuntimeError("the server did not start") from None
                time.sleep(0.2)
        with httpx.Client(base_url=url, timeout=60) as client:
            client.get("/ask", params={"q": "Who leads what?"}).raise_for_status()
            over_http: list[float] = []
            for made in asked.values():
                for question in made:
                    over_http += timed(
                        [lambda q=question: client.get("/ask", params={"q": q}).raise_for_status()]
                        * args.repeat
                    )
    finally:
        server.terminate()
        server.wait(timeout=60)

    everything = [t for samples in in_process.values() for t in samples]
    count = sum(len(m) for m in asked.values())
    print(f"\nstore: {folder}; {len(asked)} shapes of question the graph has facts for")
    print(
        f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}; "
        f"model {Settings().model}; {count} questions x {args.repeat}; "
        f"{answered} answered from the graph; first question (loading) {warm_up:.2f} s"
    )
    print("\n| questions | p50 | p95 |\n| --- | ---: | ---: |")
    for shape, samples in in_process.items():
        print(f"| {shape} | {percentile(samples, 0.5)} ms | {percentile(samples, 0.95)} ms |")
    print(
        f"| **all, in process** | **{percentile(everything, 0.5)} ms** | "
        f"{percentile(everything, 0.95)} ms |"
    )
    print(
        f"| all, over HTTP | {percentile(over_http, 0.5)} ms | {percentile(over_http, 0.95)} ms |"
    )
    print(
        f"| of which: passage search alone | {percentile(search_only, 0.5)} ms | "
        f"{percentile(search_only, 0.95)} ms |"
    )
    print("\ntarget: p50 < 50 ms")


if __name__ == "__main__":
    main()
