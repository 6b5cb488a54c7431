"""Graph benchmark on a synthetic graph of about 1,000,000 triples; prints a table.

    python tests/bench/bench_graph.py [--documents 2500] [--repeat 200]

Generates documents with passages, entities, mentions and claims in civicgraph's vocabulary
(through graph.build, so the shape is the real one), writes them as N-Quads and bulk-loads them
into an on-disk store. Then measures, in process and through a real server: leads p50, entity
card p50, paths p50, and server start to first answer (a `civicgraph serve` subprocess,
launched until GET /leads answers). Targets: leads < 10 ms, card < 20 ms, paths < 50 ms,
start < 5 s.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import pyoxigraph as ox

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from api.service import CivicGraph  # noqa: E402
from api.settings import Settings  # noqa: E402
from graph.build import build_quads  # noqa: E402
from graph.model import (  # noqa: E402
    Claim,
    Document,
    Entity,
    EntityKind,
    Extraction,
    Mention,
    Passage,
    Predicate,
)
from tests.conftest import free_port  # noqa: E402

SYLLABLES = [
    "ash",
    "bar",
    "cal",
    "den",
    "ell",
    "fen",
    "gar",
    "hol",
    "ing",
    "kel",
    "lor",
    "mar",
    "nor",
    "ost",
    "pen",
    "quin",
    "ros",
    "sel",
    "tor",
    "wyn",
]
WORDS = [
    "council",
    "services",
    "older",
    "people",
    "hospital",
    "admissions",
    "care",
    "budget",
    "housing",
    "schools",
    "community",
    "safety",
    "partnership",
    "programme",
    "pilot",
    "funding",
    "strategy",
    "review",
    "board",
    "members",
    "residents",
    "local",
    "government",
    "health",
    "social",
    "improvement",
    "integration",
    "youth",
    "employment",
    "warmth",
    "homes",
    "transport",
]
ROLES = ["leader", "chief executive", "director of adult services", "cabinet member", "chair"]
RATINGS = ["excellent", "good", "fair", "poor", "three stars"]


def name(rng: random.Random, parts: int = 2) -> str:
    """A made-up proper name."""
    return "".join(rng.choice(SYLLABLES) for _ in range(parts)).capitalize()


def make_entities(rng: random.Random, scale: float) -> dict[str, list[Entity]]:
    """Councils, bodies, people, programmes and themes, in numbers that grow with `scale`."""
    councils = [
        Entity(
            f"c{n:04d}",
            EntityKind.COUNCIL,
            f"{name(rng)} {rng.choice(['County', 'City', 'Borough', 'District'])} Council",
            (f"{name(rng)} Council",),
            {"gss": f"E{rng.choice([6, 7, 8, 9, 10]):02d}{n:06d}"},
        )
        for n in range(int(400 * scale))
    ]
    bodies = []
    for n in range(int(300 * scale)):
        parent = f"body/b{rng.randrange(n):04d}" if n > 10 and rng.random() < 0.2 else None
        label = f"{name(rng)} {rng.choice(['Association', 'Agency', 'Trust', 'Board'])}"
        bodies.append(Entity(f"b{n:04d}", EntityKind.BODY, label, (), {}, parent))
    people = [
        Entity(
            f"p{n:05d}",
            EntityKind.PERSON,
            f"{name(rng, 1)} {name(rng)}",
            (name(rng),),
        )
        for n in range(int(20000 * scale))
    ]
    programmes = [
        Entity(f"g{n:04d}", EntityKind.PROGRAMME, f"{name(rng)} {rng.choice(WORDS)} programme")
        for n in range(int(600 * scale))
    ]
    themes = [
        Entity(f"t{n:03d}", EntityKind.THEME, f"{rng.choice(WORDS)} {rng.choice(WORDS)} {n}")
        for n in range(60)
    ]
    return {
        "council": councils,
        "body": bodies,
        "person": people,
        "programme": programmes,
        "theme": themes,
    }


def skewed(rng: random.Random, items: list, k: int) -> list:
    """k distinct items, the first ones far more often (a few hubs, a long tail)."""
    chosen: dict[int, None] = {}
    while len(chosen) < min(k, len(items)):
        chosen[min(int(rng.paretovariate(0.8)) - 1, len(items) - 1)] = None
    return [items[i] for i in chosen]


def make_document(rng: random.Random, n: int, entities: dict[str, list[Entity]]):
    """One synthetic document: eight passages of ~600 characters and its extraction."""
    key = f"doc{n:05d}"
    cast = {
        "council": skewed(rng, entities["council"], 3),
        "body": skewed(rng, entities["body"], 2),
        "person": rng.sample(entities["person"], 6),
        "programme": skewed(rng, entities["programme"], 2),
        "theme": skewed(rng, entities["theme"], 2),
    }
    everyone = [e for group in cast.values() for e in group]
    paragraphs = []
    for _ in range(8):
        named = rng.sample(everyone, 4)
        words = [rng.choice(WORDS) for _ in range(80)]
        for e in named:
            words.insert(rng.randrange(len(words)), e.label)
        paragraphs.append((" ".join(words) + ".", named))
    text = "\n\n".join(p for p, _ in paragraphs)
    passages, mentions, at = [], [], 0
    for i, (paragraph, named) in enumerate(paragraphs):
        pkey = f"{key}-p{i:04d}"
        passages.append(Passage(pkey, key, at, at + len(paragraph), paragraph))
        for e in named:
            start = at + paragraph.find(e.label)
            mentions.append(Mention(pkey, start, start + len(e.label), e.label, e.kind, e.ref))
        at += len(paragraph) + 2

    def claim(subject: Entity, predicate: Predicate, obj: Entity, **extra) -> Claim:
        passage = rng.choice(passages)
        quote = passage.text[:90]
        return Claim(
            subject.ref,
            predicate,
            obj.ref,
            passage.key,
            passage.start,
            passage.start + len(quote),
            quote,
            "bench",
            0.8,
            **extra,
        )

    councils, bodies, people = cast["council"], cast["body"], cast["person"]
    led = cast["theme"] + cast["programme"]
    claims = [claim(councils[0], Predicate.LEADS, rng.choice(led))]
    if rng.random() < 0.5:
        claims.append(claim(rng.choice(bodies), Predicate.LEADS, rng.choice(cast["programme"])))
    claims += [claim(c, Predicate.PARTICIPATES_IN, rng.choice(cast["programme"])) for c in councils]
    for person in people:
        where = rng.choice(councils + bodies)
        role = rng.choice(ROLES)
        claims.append(claim(person, Predicate.HOLDS_POST, where, role=role))
        if role in ("leader", "chief executive", "chair"):
            claims.append(claim(person, Predicate.HEAD_OF, where, role=role))
    claims.append(claim(councils[-1], Predicate.MEMBER_OF, bodies[0]))
    claims.append(
        claim(
            councils[1 % len(councils)],
            Predicate.RATED,
            cast["programme"][-1],
            rating=rng.choice(RATINGS),
            scheme=cast["programme"][-1].label,
        )
    )
    parents = {e.parent for e in bodies if e.parent}
    by_ref = {e.ref: e for e in entities["body"]}
    defined = tuple(everyone) + tuple(by_ref[p] for p in parents)
    document = Document(key, f"{key}.txt", f"Synthetic report {n}", text, "2012-01-01")
    return document, passages, Extraction(defined, tuple(mentions), tuple(claims))


def generate(path: Path, documents: int, seed: int = 7) -> int:
    """Write the synthetic graph as N-Quads; the number of quads written."""
    rng = random.Random(seed)
    entities = make_entities(rng, max(documents / 2500, 0.05))
    count = 0
    with path.open("w", encoding="utf-8") as out:
        for n in range(documents):
            document, passages, extraction = make_document(rng, n, entities)
            lines = [
                f"{s.n3()} {p.n3()} {o.n3()} {g.n3()} .\n"
                for s, p, o, g in build_quads(document, passages, extraction)
            ]
            out.writelines(lines)
            count += len(lines)
    return count


def p50(samples: list[float]) -> float:
    """The median, in milliseconds."""
    return round(statistics.median(samples) * 1000, 2)


def timed(calls: list[Callable[[], object]]) -> list[float]:
    """Seconds each call took."""
    out = []
    for call in calls:
        t0 = time.perf_counter()
        call()
        out.append(time.perf_counter() - t0)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--documents", type=int, default=2500, help="synthetic documents")
    parser.add_argument("--repeat", type=int, default=200, help="timed calls per question")
    parser.add_argument("--store", type=Path, help="reuse (or build) the store here")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()
    os.environ["CIVICGRAPH_MODEL"] = "hash"
    figures: dict[str, object] = {
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}"
    }

    folder = args.store or Path(tempfile.mkdtemp(prefix="civicgraph-graph-bench-")) / "store"
    if not (folder / "graph").exists():
        nquads = folder.parent / "bench.nq"
        folder.mkdir(parents=True, exist_ok=True)
        t0 = time.perf_counter()
        figures["quads"] = generate(nquads, args.documents)
        figures["generate_s"] = round(time.perf_counter() - t0, 1)
        t0 = time.perf_counter()
        store = ox.Store(str(folder / "graph"))
        store.bulk_load(path=str(nquads), format=ox.RdfFormat.N_QUADS)
        store.flush()
        del store
        figures["bulk_load_s"] = round(time.perf_counter() - t0, 1)
        nquads.unlink()

    # -- in process ---------------------------------------------------------------------------
    shutil.rmtree(folder / "projection", ignore_errors=True)
    shutil.rmtree(folder / "projection", ignore_errors=True)
    t0 = time.perf_counter()
    service = CivicGraph.open(Settings(store=folder, model="hash"))
    figures["quads_in_store"] = service.store.count()
    service.entity_index  # noqa: B018
    figures["entity_index_s"] = round(time.perf_counter() - t0, 2)
    t0 = time.perf_counter()
    all_leads = service.leads()
    figures["leads_first_s"] = round(time.perf_counter() - t0, 3)
    t0 = time.perf_counter()
    with service.projections.graph() as graph:
        figures["path_projection_s"] = round(time.perf_counter() - t0, 2)
        figures["fact_edges"] = graph.facts.number_of_edges()
        figures["all_edges"] = graph.links.number_of_edges()
    figures["entities"] = len(service.entity_index)
    figures["leads"] = len(all_leads)

    rng = random.Random(11)
    refs = sorted(service.entity_index.entities)
    councils = [r for r in refs if r.startswith("council/")]
    people = [r for r in refs if r.startswith("person/")]
    cards = [rng.choice(refs) for _ in range(args.repeat)]
    council_cards = [rng.choice(councils) for _ in range(args.repeat // 4)]
    pairs = [(rng.choice(people), rng.choice(councils + people)) for _ in range(args.repeat)]
    pairs = [(a, b) for a, b in pairs if a != b]
    leaders = [rng.choice(councils) for _ in range(args.repeat)]
    in_process = {
        "leads (all)": timed([service.leads for _ in range(args.repeat)]),
        "leads ?council=": timed([lambda c=c: service.leads(council=c) for c in leaders]),
        "entity card": timed([lambda r=r: service.entity(r) for r in cards]),
        "entity card, councils only": timed([lambda r=r: service.entity(r) for r in council_cards]),
        "paths": timed([lambda a=a, b=b: service.paths(a, b) for a, b in pairs]),
    }
    found = [service.paths(a, b) for a, b in pairs[:50]]
    figures["pairs_with_a_path"] = f"{sum(1 for f in found if f.paths)}/{len(found)}"
    figures["pairs_over_co_mentions"] = sum(1 for f in found if f.co_mention)
    t0 = time.perf_counter()
    service.close()  # saves the projection
    figures["snapshot_save_s"] = round(time.perf_counter() - t0, 2)
    sizes = {p.stem: p.stat().st_size / 1e6 for p in (folder / "projection").iterdir()}
    figures["snapshot_mb"] = {part: round(size, 1) for part, size in sorted(sizes.items())}

    # -- through a real server, first without a saved projection, then with one -----------------
    def start_server() -> tuple[subprocess.Popen, str, float, float]:
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        t0 = time.perf_counter()
        server = subprocess.Popen(
            [sys.executable, "-m", "api.cli", "serve", "--store", str(folder), "--port", str(port)],
            cwd=ROOT,
            env={**os.environ, "CIVICGRAPH_MODEL": "hash"},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        while True:
            try:
                if httpx.get(f"{url}/leads", timeout=60).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.02)
            if time.perf_counter() - t0 > 300:
                server.terminate()
                raise RuntimeError("the server did not answer in 300 s")
        first = time.perf_counter() - t0
        httpx.get(f"{url}/health", timeout=600).raise_for_status()
        return server, url, round(first, 2), round(time.perf_counter() - t0, 2)

    def stop(server: subprocess.Popen) -> None:
        server.terminate()
        server.wait(timeout=120)

    shutil.rmtree(folder / "projection")
    server, url, first, ready = start_server()
    figures["cold_start_to_first_answer_s"], figures["cold_start_to_ready_s"] = first, ready
    stop(server)  # saves the projection again
    server, url, first, ready = start_server()
    figures["start_to_first_answer_s"], figures["start_to_ready_s"] = first, ready
    try:
        client = httpx.Client(base_url=url, timeout=60)

        def get(path: str, **params) -> Callable[[], object]:
            return lambda: client.get(path, params=params).raise_for_status()

        over_http = {
            "leads (all)": timed([get("/leads") for _ in range(args.repeat)]),
            "leads ?council=": timed([get("/leads", council=c) for c in leaders]),
            "entity card": timed([get(f"/entities/{r}") for r in cards]),
            "entity card, councils only": timed([get(f"/entities/{r}") for r in council_cards]),
            "paths": timed([get("/paths", source=a, target=b) for a, b in pairs]),
        }
    finally:
        stop(server)

    figures["in_process_p50_ms"] = {k: p50(v) for k, v in in_process.items()}
    figures["http_p50_ms"] = {k: p50(v) for k, v in over_http.items()}
    figures["peak_memory_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    targets = {
        "leads (all)": "< 10 ms",
        "leads ?council=": "< 10 ms",
        "entity card": "< 20 ms",
        "entity card, councils only": "",
        "paths": "< 50 ms",
    }

    print(f"\nstore: {folder}  ({figures['machine']})")
    print(
        f"{figures['quads_in_store']:,} quads; {figures['entities']:,} entities; "
        f"{figures['leads']:,} leads; {figures['fact_edges']:,} fact edges, "
        f"{figures['all_edges']:,} with co-mentions; paths found for "
        f"{figures['pairs_with_a_path']} pairs "
        f"({figures['pairs_over_co_mentions']} over co-mentions)"
    )
    print("\n| measure | in process | HTTP | target |\n| --- | --- | --- | --- |")
    for key, target in targets.items():
        print(
            f"| {key} p50 | {figures['in_process_p50_ms'][key]} ms | "
            f"{figures['http_p50_ms'][key]} ms | {target} |"
        )
    rows = [
        ("server start to first answer (GET /leads)", "start_to_first_answer_s", "< 5 s"),
        ("server start to ready (GET /health: catalogue, vectors, model)", "start_to_ready_s", ""),
        ("same, without a saved projection: first answer", "cold_start_to_first_answer_s", ""),
        ("same, without a saved projection: ready", "cold_start_to_ready_s", ""),
    ]
    for label, key, target in rows:
        print(f"| {label} | | {figures[key]} s | {target} |")
    for label, key in (
        ("generate N-Quads", "generate_s"),
        ("bulk load", "bulk_load_s"),
        ("entity index build (open + names)", "entity_index_s"),
        ("leads, first (uncached)", "leads_first_s"),
        ("path projection build", "path_projection_s"),
        ("projection snapshot save", "snapshot_save_s"),
    ):
        if key in figures:
            print(f"| {label} | {figures[key]} s | | |")
    sizes = ", ".join(f"{part} {size} MB" for part, size in figures["snapshot_mb"].items())
    print(f"| projection snapshots | {sizes} | | |")
    print(f"| peak memory (bench process) | {figures['peak_memory_mb']} MB | | |")
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2) + "\n")


if __name__ == "__main__":
    main()
