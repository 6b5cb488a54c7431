"""Load benchmark: many clients on loopback against a real server; prints a table.

    python tests/bench/bench_load.py [--seconds 20] [--clients 1,10,100] [--upload-files 60]
                                     [--store DIR] [--code DIR]

Builds a store from seeds/ and the development corpus's documents (copied into a temporary
folder and ingested by `civicgraph ingest`; `--store DIR` keeps that store and reuses it next
time), starts `civicgraph serve` on a free 127.0.0.1 port, and sends it a mix of the read
routes (search, leads, entities, the entity card, paths, SPARQL) from 1, 10 and 100 clients
for `--seconds` each, every client on its own keep-alive connection, each request sent when
the client's previous answer came. Then it uploads `--upload-files` synthetic documents
through `POST /documents` while clients go on reading, starts an `/export` as the upload
begins, and reports how long each waited. `--code DIR` runs the server from another
checkout of civicgraph (the same interpreter), to compare before and after.

Traffic goes only to 127.0.0.1, and every phase is bounded in time. For each phase: requests
per second, and p50, p95, p99 and the longest wait per route, errors (any answer but 2xx, or
no answer within 30 s), the load average of the machine, the share of its CPU time the
hypervisor gave to other machines (steal), and the CPU the server used.
Targets at 100 clients: >= 150 requests/s, p95 < 1 s, no errors; during the upload, no
request waits more than 2 s.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import itertools
import json
import math
import os
import random
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, urlencode

import httpx

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.bench.corpus import make_corpus  # noqa: E402
from tests.conftest import DEVCORPUS, DIES_WITH_US, SEEDS, free_port  # noqa: E402
from tests.processes import tree_cpu_s  # noqa: E402

API_KEY = "bench-load-key"
REQUEST_TIMEOUT_S = 30.0
# Questions of our own, in the genre's words.
SEARCHES = [
    "keeping older people out of hospital",
    "funding for children's services",
    "which councils share back-office services",
    "inspection ratings for social care",
    "housing and homelessness prevention",
    "pilot schemes for personal budgets",
    "partnership boards with the health service",
    "devolution deals for city regions",
    "cuts to council budgets",
    "community safety partnerships",
    "support for carers at home",
    "mental health services for young people",
]
QUERIES = [
    "SELECT ?d ?t WHERE { ?d a foaf:Document ; dcterms:title ?t } LIMIT 50",
    "SELECT ?e (COUNT(?p) AS ?n) WHERE { ?p cg:mentions ?e } GROUP BY ?e "
    "ORDER BY DESC(?n) LIMIT 10",
    "SELECT ?s ?o WHERE { ?s cg:leads ?o } LIMIT 20",
    "ASK { ?c a cg:Council }",
]
ROUTES = ["search", "leads", "entities", "entity", "paths", "sparql"]


# -- a small HTTP/1.1 client ------------------------------------------------------------------
# One keep-alive connection a client, parsed by hand: a full client library costs the load
# generator more CPU than the server's answers on a 2-core machine.


class Connection:
    """One keep-alive HTTP/1.1 connection to the server."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def get(self, target: str) -> tuple[int, bytes]:
        """GET `target`; the status and the body (reconnecting once if the server closed)."""
        for attempt in (0, 1):
            if self.writer is None:
                self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)
            try:
                return await self._exchange(target)
            except (ConnectionError, asyncio.IncompleteReadError):
                self.close()
                if attempt:
                    raise
        raise AssertionError("unreachable")

    async def _exchange(self, target: str) -> tuple[int, bytes]:
        assert self.reader is not None and self.writer is not None
        self.writer.write(f"GET {target} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode())
        await self.writer.drain()
        head = await self.reader.readuntil(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ", 2)[1])
        headers = {}
        for line in lines[1:]:
            if ":" in line:
                name, value = line.split(":", 1)
                headers[name.strip().lower()] = value.strip()
        if headers.get("transfer-encoding", "").lower() == "chunked":
            body = bytearray()
            while True:
                size = int((await self.reader.readuntil(b"\r\n")).split(b";")[0], 16)
                body += await self.reader.readexactly(size + 2)
                if size == 0:
                    break
                del body[-2:]
            data = bytes(body)
        else:
            data = await self.reader.readexactly(int(headers.get("content-length", "0")))
        if headers.get("connection", "").lower() == "close":
            self.close()
        return status, data

    def close(self) -> None:
        """Drop the connection."""
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None


# -- the requests -----------------------------------------------------------------------------


@dataclass
class Targets:
    """What the clients ask for: entity ids and pairs, found in the store being served."""

    entities: list[str]
    names: list[str]
    pairs: list[tuple[str, str]]

    def request(self, route: str, rng: random.Random) -> str:
        """A request target for a route."""
        if route == "search":
            return "/search?" + urlencode({"q": rng.choice(SEARCHES), "k": 10})
        if route == "leads":
            return "/leads"
        if route == "entities":
            name = rng.choice(self.names)
            return "/entities?" + urlencode({"q": name[: max(4, len(name) - 2)], "limit": 10})
        if route == "entity":
            return "/entities/" + quote(rng.choice(self.entities), safe="/")
        if route == "paths":
            source, target = rng.choice(self.pairs)
            return "/paths?" + urlencode({"source": source, "target": target})
        if route == "sparql":
            return "/sparql?" + urlencode({"query": rng.choice(QUERIES)})
        raise ValueError(route)


def find_targets(url: str) -> Targets:
    """Entities of the store being served, and pairs of them for paths."""
    found = httpx.get(f"{url}/entities", params={"limit": 1000}, timeout=60).json()["entities"]
    rng = random.Random(5)
    ids = [e["id"] for e in found]
    connected = [e["id"] for e in found if e["type"] in ("council", "body", "person")]
    pairs = []
    while len(pairs) < 200 and len(connected) > 1:
        a, b = rng.sample(connected, 2)
        pairs.append((a, b))
    return Targets(ids, [e["label"] for e in found], pairs)


@dataclass
class Sample:
    """One request: its route, when it was sent and answered, and whether it succeeded."""

    route: str
    sent: float
    done: float
    status: int  # 0: no answer

    @property
    def ok(self) -> bool:
        """Whether the answer was a success (2xx)."""
        return 200 <= self.status < 300

    @property
    def seconds(self) -> float:
        """How long the client waited."""
        return self.done - self.sent


def cpu_ticks() -> list[int]:
    """The machine's CPU time so far by kind (/proc/stat: user, nice, system, idle, iowait,
    irq, softirq, steal), in ticks; empty where there is no /proc."""
    try:
        with open("/proc/stat") as stat:
            return [int(n) for n in stat.readline().split()[1:9]]
    except OSError:
        return []


def steal_share(before: list[int], after: list[int]) -> float:
    """The share of the CPU time between two readings that a virtual machine's hypervisor
    gave to others: a phase run while it is high had fewer cores than the machine says."""
    if len(before) < 8 or len(after) < 8:
        return 0.0
    spent = [b - a for a, b in zip(before, after, strict=True)]
    return spent[7] / max(1, sum(spent))


@dataclass
class Phase:
    """What one phase measured."""

    name: str
    clients: int
    samples: list[Sample] = field(default_factory=list)
    seconds: float = 0.0
    load: tuple[float, float] = (0.0, 0.0)  # 1-minute load average at the start and end
    steal: float = 0.0  # the share of the machine's CPU time taken by the hypervisor
    server_cpu_s: float = 0.0
    notes: list[str] = field(default_factory=list)


async def _client(
    port: int, targets: Targets, n: int, stop: asyncio.Event, samples: list[Sample]
) -> None:
    rng = random.Random(n)
    connection = Connection(port)
    turn = n
    try:
        while not stop.is_set():
            route = ROUTES[turn % len(ROUTES)]
            turn += 1
            target = targets.request(route, rng)
            sent = time.monotonic()
            try:
                status, _ = await asyncio.wait_for(connection.get(target), REQUEST_TIMEOUT_S)
            except (TimeoutError, OSError, asyncio.IncompleteReadError, ValueError):
                connection.close()
                status = 0
            samples.append(Sample(route, sent, time.monotonic(), status))
    finally:
        connection.close()


async def _load(
    port: int, targets: Targets, clients: int, until: asyncio.Event | float
) -> list[Sample]:
    samples: list[Sample] = []
    stop = asyncio.Event()
    tasks = [asyncio.create_task(_client(port, targets, n, stop, samples)) for n in range(clients)]
    if isinstance(until, asyncio.Event):
        await until.wait()
    else:
        await asyncio.sleep(until)
    stop.set()
    await asyncio.wait(tasks, timeout=REQUEST_TIMEOUT_S + 5)
    return samples


def run_phase(server: ServerProcess, targets: Targets, clients: int, seconds: float) -> Phase:
    """`clients` clients reading for `seconds`."""
    phase = Phase(f"{clients} clients", clients)
    phase.load = (os.getloadavg()[0], 0.0)
    cpu = tree_cpu_s(server.process.pid)
    ticks = cpu_ticks()
    t0 = time.monotonic()
    phase.samples = asyncio.run(_load(server.port, targets, clients, seconds))
    phase.seconds = time.monotonic() - t0
    phase.server_cpu_s = tree_cpu_s(server.process.pid) - cpu
    phase.steal = steal_share(ticks, cpu_ticks())
    phase.load = (phase.load[0], os.getloadavg()[0])
    return phase


def run_upload_phase(
    server: ServerProcess, targets: Targets, clients: int, files: list[Path], cap_s: float
) -> Phase:
    """Clients reading while `files` are uploaded, until the upload is done (or `cap_s`)."""
    phase = Phase(f"{clients} clients, upload", clients)
    phase.load = (os.getloadavg()[0], 0.0)
    cpu = tree_cpu_s(server.process.pid)
    ticks = cpu_ticks()
    outcome: dict[str, object] = {}

    async def main() -> list[Sample]:
        done = asyncio.Event()
        loop = asyncio.get_running_loop()

        def upload() -> None:
            try:
                outcome.update(_upload(server.url, files, cap_s))
            finally:
                loop.call_soon_threadsafe(done.set)

        def export() -> None:
            t0 = time.monotonic()
            response = httpx.get(f"{server.url}/export", params={"format": "nquads"}, timeout=cap_s)
            outcome["export"] = (response.status_code, time.monotonic() - t0, len(response.content))

        loader = asyncio.create_task(_load(server.port, targets, clients, done))
        await asyncio.sleep(1.0)  # clients connected and reading before the upload starts
        threading.Thread(target=upload, daemon=True).start()
        await asyncio.sleep(0.5)  # the upload's body is sent; its ingest begins
        exporter = threading.Thread(target=export, daemon=True)
        exporter.start()
        samples = await loader
        exporter.join(timeout=cap_s)
        return samples

    t0 = time.monotonic()
    phase.samples = asyncio.run(main())
    phase.seconds = time.monotonic() - t0
    phase.server_cpu_s = tree_cpu_s(server.process.pid) - cpu
    phase.steal = steal_share(ticks, cpu_ticks())
    phase.load = (phase.load[0], os.getloadavg()[0])
    phase.notes.append(
        f"upload of {len(files)} files: answered {outcome.get('answer_status')} in "
        f"{outcome.get('answer_s', 0):.2f} s, stored after {outcome.get('done_s', 0):.1f} s "
        f"({outcome.get('result', '?')})"
    )
    if "export" in outcome:
        status, seconds, _size = outcome["export"]  # type: ignore[misc]
        phase.notes.append(f"/export started during the upload: {status} in {seconds:.2f} s")
    else:
        phase.notes.append("/export started during the upload: no answer")
    return phase


def _upload(url: str, files: list[Path], cap_s: float) -> dict[str, object]:
    """POST the files; wait for the job when the answer is 202 Accepted."""
    t0 = time.monotonic()
    parts = [("files", (path.name, path.read_bytes(), "text/plain")) for path in files]
    headers = {"Authorization": f"Bearer {API_KEY}"}
    response = httpx.post(f"{url}/documents", files=parts, headers=headers, timeout=cap_s)
    out: dict[str, object] = {"answer_status": response.status_code}
    out["answer_s"] = time.monotonic() - t0
    body = response.json()
    if response.status_code == 202:  # a job: poll it until it is done
        job = body
        while job["state"] in ("queued", "running") and time.monotonic() - t0 < cap_s:
            time.sleep(0.5)
            job = httpx.get(f"{url}/jobs/{job['id']}", timeout=30).json()
        body = job.get("result") or {}
        out["result"] = f"job {job['state']}, {len(body.get('added', []))} added"
        if job["state"] in ("queued", "running") and job.get("progress"):
            done, total = job["progress"]["files"], job["progress"]["total"]
            out["result"] = f"job {job['state']}, {done} of {total} files done"
    else:  # answered once the files were stored
        out["result"] = f"{len(body.get('added', []))} added"
    out["done_s"] = time.monotonic() - t0
    return out


# -- the server -------------------------------------------------------------------------------


class ServerProcess:
    """`civicgraph serve` from a checkout, on a free loopback port; ends with this process."""

    def __init__(self, store: Path, code: Path, log: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = log.open("w")
        env = {**os.environ, "CIVICGRAPH_API_KEYS": json.dumps([API_KEY])}
        env["PYTHONPATH"] = str(code)
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "api.cli",
                "serve",
                "--store",
                str(store),
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
            ],
            cwd=code,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            preexec_fn=DIES_WITH_US,
        )
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the server exited; see {log}")
            try:
                if httpx.get(f"{self.url}/health", timeout=5).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.5)
        self.stop()
        raise RuntimeError("the server did not answer within 180 s")

    def stop(self) -> None:
        """Stop the server and wait for it."""
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.log.close()


def build_store(store: Path, scratch: Path) -> None:
    """Ingest seeds/ and the development corpus's documents, copied into `scratch`."""
    corpus = scratch / "corpus"
    corpus.mkdir(parents=True)
    for folder in (SEEDS, DEVCORPUS / "docs"):
        for path in sorted(folder.iterdir()):
            if path.is_file():
                shutil.copy(path, corpus / path.name)
    t0 = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-m", "api.cli", "ingest", "--store", str(store), str(corpus)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=1800,
        preexec_fn=DIES_WITH_US,
    )
    if result.returncode != 0:
        raise RuntimeError(f"ingest failed:\n{result.stderr[-2000:]}")
    print(f"store built in {time.monotonic() - t0:.0f} s from {len(list(corpus.iterdir()))} files")


# -- the table --------------------------------------------------------------------------------


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (0-100) of values, nearest rank."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q / 100 * len(ordered)) - 1)]


def longest_gap(samples: list[Sample], start: float, end: float) -> float:
    """The longest time in [start, end] in which no request was answered."""
    times = sorted([start, *(s.done for s in samples), end])
    return max(b - a for a, b in itertools.pairwise(times))


def report(phases: list[Phase]) -> None:
    """Print one table of every phase."""
    print()
    print("| clients | route | requests | req/s | p50 ms | p95 ms | p99 ms | max ms | errors |")
    print("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for phase in phases:
        groups = {"all": phase.samples}
        for route in ROUTES:
            groups[route] = [s for s in phase.samples if s.route == route]
        for route, samples in groups.items():
            if not samples:
                continue
            waits = [s.seconds * 1000 for s in samples]
            errors = sum(not s.ok for s in samples)
            name = f"**{phase.name}**" if route == "all" else ""
            label = f"**{route}**" if route == "all" else route
            print(
                f"| {name} | {label} | {len(samples):,} | {len(samples) / phase.seconds:.1f} | "
                f"{percentile(waits, 50):.0f} | {percentile(waits, 95):.0f} | "
                f"{percentile(waits, 99):.0f} | {max(waits):.0f} | {errors} |"
            )
    print()
    for phase in phases:
        first = min((s.sent for s in phase.samples), default=0.0)
        last = max((s.done for s in phase.samples), default=0.0)
        gap = longest_gap(phase.samples, first, last) if phase.samples else 0.0
        print(
            f"{phase.name}: {phase.seconds:.1f} s, load average {phase.load[0]:.2f} -> "
            f"{phase.load[1]:.2f}, steal {phase.steal:.0%}, "
            f"server CPU {phase.server_cpu_s / phase.seconds:.2f} cores, "
            f"longest time with no answer {gap:.2f} s"
        )
        failed = collections.Counter((s.route, s.status) for s in phase.samples if not s.ok)
        if failed:
            counts = ", ".join(
                f"{route} {status or 'no answer'} x{n}" for (route, status), n in failed.items()
            )
            print(f"  errors: {counts}")
        for note in phase.notes:
            print(f"  {note}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=20.0, help="length of each phase")
    parser.add_argument("--clients", default="1,10,100", help="client counts, comma-separated")
    parser.add_argument("--upload-files", type=int, default=60, help="files in the upload")
    parser.add_argument("--upload-clients", default="10,100", help="clients during the upload")
    parser.add_argument("--upload-cap", type=float, default=300.0, help="longest upload phase")
    parser.add_argument("--store", type=Path, help="keep the store here and reuse it")
    parser.add_argument("--code", type=Path, default=ROOT, help="checkout the server runs from")
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")

    with tempfile.TemporaryDirectory(prefix="civicgraph-load-") as tmp:
        scratch = Path(tmp)
        if args.store is None or not (args.store / "graph").exists():
            build_store(args.store or scratch / "built", scratch)
        store = scratch / "store"
        shutil.copytree(args.store or scratch / "built", store)
        print(f"server from {args.code.resolve()}; {os.cpu_count()} cores")
        server = ServerProcess(store, args.code.resolve(), scratch / "server.log")
        try:
            targets = find_targets(server.url)
            asyncio.run(_load(server.port, targets, 10, 3.0))  # warm every route
            phases = []
            for clients in (int(c) for c in args.clients.split(",") if c):
                phases.append(run_phase(server, targets, clients, args.seconds))
                print(f"  {phases[-1].name}: {len(phases[-1].samples)} requests", flush=True)
            for n, clients in enumerate(int(c) for c in args.upload_clients.split(",") if c):
                files = make_corpus(scratch / f"upload-{n}", args.upload_files, seed=100 + n)
                files = [path.rename(path.with_stem(f"{path.stem}-{n}")) for path in files]
                phases.append(run_upload_phase(server, targets, clients, files, args.upload_cap))
                print(f"  {phases[-1].name}: {len(phases[-1].samples)} requests", flush=True)
        finally:
            server.stop()
        report(phases)


if __name__ == "__main__":
    main()
