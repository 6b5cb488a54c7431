"""The graph store's contract, and its embedded engine: Oxigraph on disk through pyoxigraph.

One named graph per document, written in one transaction; queries see the union of the
graphs. A remote SPARQL 1.1 store (graph/sparql_store.py) keeps the same contract, and
graph/backends.py chooses between them by the settings.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Protocol

import pyoxigraph as ox
from rdflib import Dataset, URIRef
from rdflib.term import Node

from graph.errors import BadQuery, CivicGraphError, ConfigError, QueryTimeout
from graph.vocab import SPARQL_PREFIXES

if TYPE_CHECKING:
    from graph.sparql_pool import SparqlRunner

log = logging.getLogger(__name__)

Quad = tuple[Node, Node, Node, URIRef]
ExportFormat = Literal["turtle", "nquads", "jsonld", "ntriples", "trig"]

DEFAULT_TIMEOUT_S = 10.0


class StoreBusy(CivicGraphError):
    """The store is open for writing in another process."""

    status = 503
    code = "store_busy"


@dataclass(frozen=True, slots=True)
class Rows:
    """The result of a SELECT: variable names and rows of plain values (None where unbound)."""

    variables: list[str]
    rows: list[tuple[Any, ...]]


@dataclass(frozen=True, slots=True)
class Capabilities:
    """What a store is and how far its promises go, for /health and for callers that choose
    how to use it."""

    engine: str  # "oxigraph" (embedded) or "sparql" (a remote SPARQL 1.1 endpoint)
    location: str  # the folder, or the endpoint's URL
    export_formats: tuple[str, ...]
    # whether a query past its time limit is stopped in the engine, or only abandoned by
    # civicgraph while the engine may run on (a remote endpoint enforces its own limit)
    stops_queries: bool


class Store(Protocol):
    """What the rest of civicgraph needs of a graph store."""

    read_only: bool

    @property
    def capabilities(self) -> Capabilities: ...

    def replace_graph(self, graph: str, quads: Iterable[Quad], *, drop: Iterable[str] = ()) -> None:
        """Write a document's graph, dropping `drop` and any old copy, in one transaction."""
        ...

    def drop_graph(self, graph: str) -> None:
        """Remove a named graph and everything in it, at once."""
        ...

    def flush(self) -> None:
        """Make the writes so far durable and visible to other readers of the store."""
        ...

    def graphs(self) -> list[str]:
        """The names of all named graphs, sorted."""
        ...

    def select(self, sparql: str, *, timeout_s: float = DEFAULT_TIMEOUT_S) -> Rows:
        """A SELECT query (civicgraph's prefixes declared), its rows as plain values."""
        ...

    def ask(self, sparql: str, *, timeout_s: float = DEFAULT_TIMEOUT_S) -> bool:
        """An ASK query (civicgraph's prefixes declared)."""
        ...

    def sparql_runner(self, *, timeout_s: float, generation: Callable[[], int]) -> SparqlRunner:
        """What runs the SPARQL endpoint's checked queries over this store, each stopped at
        `timeout_s`, answered in the negotiated format; `generation` changes at each write."""
        ...

    def export(self, fmt: ExportFormat) -> Iterator[bytes]:
        """The whole store in an RDF format, streamed."""
        ...

    def close(self) -> None:
        """Flush and release the store."""
        ...


_XSD = "http://www.w3.org/2001/XMLSchema#"
_NUMBERS: dict[str, Callable[[str], Any]] = {
    "integer": int,
    "int": int,
    "long": int,
    "short": int,
    "nonNegativeInteger": int,
    "decimal": float,
    "double": float,
    "float": float,
}


def json_value(term: dict[str, Any] | None) -> Any:
    """A term of SPARQL JSON results as a plain Python value: IRIs and strings as str, numbers
    as numbers, booleans as bool, None where unbound."""
    if term is None:
        return None
    value = term["value"]
    datatype = term.get("datatype")
    if datatype and datatype.startswith(_XSD):
        name = datatype[len(_XSD) :]
        if name in _NUMBERS:
            return _NUMBERS[name](value)
        if name == "boolean":
            return value in ("true", "1")
    return value


def json_rows(results: dict[str, Any]) -> Rows:
    """SPARQL JSON results of a SELECT as Rows of plain values."""
    variables = list(results["head"]["vars"])
    rows = []
    for binding in results["results"]["bindings"]:
        row = []
        for v in variables:
            term = binding.get(v)
            # most terms are IRIs and plain strings: their value as it is, without a call
            row.append(term["value"] if term and "datatype" not in term else json_value(term))
        rows.append(tuple(row))
    return Rows(variables, rows)


def _nt(term: Node) -> str:
    return term.n3()


EXPORT_FORMATS: dict[str, tuple[ox.RdfFormat, bool]] = {
    # name: (format, whether it carries named graphs)
    "turtle": (ox.RdfFormat.TURTLE, False),
    "ntriples": (ox.RdfFormat.N_TRIPLES, False),
    "nquads": (ox.RdfFormat.N_QUADS, True),
    "trig": (ox.RdfFormat.TRIG, True),
    "jsonld": (ox.RdfFormat.JSON_LD, True),
}


class OxigraphStore:
    """Oxigraph's embedded on-disk store (in memory when `path` is None), through pyoxigraph."""

    def __init__(self, path: str | Path | None, *, read_only: bool = False) -> None:
        self.path = Path(path) if path is not None else None
        self.read_only = read_only
        try:
            if path is None:
                self._store = ox.Store()
            elif read_only and not Path(path).is_dir():
                raise ConfigError(
                    f"there is no store at {path}; ingest documents first "
                    "(civicgraph ingest --store FOLDER PATH...)"
                )
            elif read_only:
                self._store = ox.Store.read_only(str(path))
            else:
                Path(path).mkdir(parents=True, exist_ok=True)
                self._store = ox.Store(str(path))
        except OSError as exc:
            if "lock" in str(exc).lower():
                raise StoreBusy(
                    f"the store at {path} is open for writing in another process "
                    "(a running `civicgraph serve`?); stop it, or send documents to its API"
                ) from None
            raise ConfigError(f"cannot open the store at {path}: {exc}") from None

    @property
    def capabilities(self) -> Capabilities:
        """Embedded, every export format, queries stopped at their limit (in workers)."""
        return Capabilities(
            engine="oxigraph",
            location=str(self.path) if self.path is not None else ":memory:",
            export_formats=tuple(EXPORT_FORMATS),
            stops_queries=self.path is not None,
        )

    def sparql_runner(self, *, timeout_s: float, generation: Callable[[], int]) -> SparqlRunner:
        """Worker processes over the store on disk, which the time limit can kill; a store
        held in memory answers in the calling thread."""
        from graph.sparql_pool import open_runner

        self.flush()  # a worker's read-only view replays what is not flushed: slow
        return open_runner(self._store, self.path, timeout_s=timeout_s, generation=generation)

    def rdflib_dataset(self) -> Dataset:
        """The store as an rdflib `Dataset` (oxrdflib), with the default graph as the union."""
        from oxrdflib import OxigraphStore as RdflibOxigraphStore

        dataset = Dataset(store=RdflibOxigraphStore(store=self._store), default_union=True)
        return dataset

    def _check_writable(self) -> None:
        if self.read_only:
            raise StoreBusy(
                f"the store at {self.path} is open read-only because another process holds it"
            )

    def replace_graph(self, graph: str, quads: Iterable[Quad], *, drop: Iterable[str] = ()) -> None:
        """Drop the graph (and `drop`) and insert `quads`, all in one SPARQL update transaction."""
        self._check_writable()
        parts = [f"DROP SILENT GRAPH <{g}> ;" for g in {graph, *drop}]
        body = "\n".join(f"{_nt(s)} {_nt(p)} {_nt(o)} ." for s, p, o, _ in quads)
        parts.append(f"INSERT DATA {{ GRAPH <{graph}> {{\n{body}\n}} }}")
        # the transaction is atomic and logged; flushing (a dozen milliseconds) is left to
        # flush(), which ingest calls once a group of documents is written
        self._store.update("\n".join(parts))

    def flush(self) -> None:
        """Write what is buffered to disk, for durability and for other processes to see."""
        if not self.read_only:
            self._store.flush()

    def drop_graph(self, graph: str) -> None:
        """Remove a named graph and everything in it."""
        self._check_writable()
        self._store.update(f"DROP SILENT GRAPH <{graph}>")
        self._store.flush()

    def _query(self, sparql: str) -> Any:
        """Run a SPARQL query over the union of all graphs; pyoxigraph's own result object."""
        try:
            return self._store.query(sparql, use_default_graph_as_union=True)
        except SyntaxError as exc:
            raise BadQuery(f"SPARQL syntax error: {exc}") from None
        except OSError as exc:
            raise CivicGraphError(f"query failed: {exc}") from None

    def select(self, sparql: str, *, timeout_s: float = DEFAULT_TIMEOUT_S) -> Rows:
        """A SELECT query with our prefixes, its rows as plain values; past its time limit,
        QueryTimeout (an embedded query runs to its end: the server runs the SPARQL
        endpoint's queries in worker processes that can be stopped)."""
        started = time.monotonic()
        result = self._query(SPARQL_PREFIXES + sparql)
        # All the rows in one call that lets go of Python's lock, parsed after: pyoxigraph
        # lets go of it and takes it back for every row of an iteration, and each taking back
        # waits for the thread that holds it to yield (up to 5 ms), so that with other request
        # threads busy a query of 25 rows took 30 times as long
        results = json.loads(result.serialize(format=ox.QueryResultsFormat.JSON))
        if time.monotonic() - started > timeout_s:
            raise QueryTimeout(f"query ran past its limit of {timeout_s:g} s")
        return json_rows(results)

    def ask(self, sparql: str, *, timeout_s: float = DEFAULT_TIMEOUT_S) -> bool:
        """An ASK query with our prefixes."""
        return bool(self._query(SPARQL_PREFIXES + sparql))

    def graphs(self) -> list[str]:
        """The names of all named graphs, sorted."""
        return sorted(g.value for g in self._store.named_graphs() if isinstance(g, ox.NamedNode))

    def count(self) -> int:
        """The number of quads in the store (a full count: use sparingly)."""
        return len(self._store)

    def export(self, fmt: ExportFormat) -> Iterator[bytes]:
        """Stream the whole store in an RDF format, one named graph at a time.

        Turtle and N-Triples hold triples only, so they give the union of all graphs;
        N-Quads, TriG and JSON-LD keep each document's graph.
        """
        graphs = [ox.DefaultGraph(), *self._store.named_graphs()]
        return serialize_graphs(
            (self._store.quads_for_pattern(None, None, None, graph) for graph in graphs), fmt
        )

    def close(self) -> None:
        """Flush writes so the next open is fast, and release the store for other processes."""
        store = self.__dict__.pop("_store", None)
        if store is not None and not self.read_only:
            store.flush()


def _prefix_map() -> dict[str, str]:
    from graph.vocab import PREFIXES

    return {p: str(ns) for p, ns in PREFIXES.items()}


def serialize_graphs(graphs: Iterable[Iterable[ox.Quad]], fmt: str) -> Iterator[bytes]:
    """Quads, one iterable per graph, in an RDF format, streamed a graph at a time.

    Turtle and N-Triples hold triples only, so they give the union of all graphs; N-Quads,
    TriG and JSON-LD keep each document's graph.
    """
    if fmt not in EXPORT_FORMATS:
        raise BadQuery(f"unknown export format {fmt!r}; choose {', '.join(EXPORT_FORMATS)}")
    ox_format, with_graphs = EXPORT_FORMATS[fmt]
    prefixes = _prefix_map() if ox_format in (ox.RdfFormat.TURTLE, ox.RdfFormat.TRIG) else None
    if fmt == "jsonld":
        yield b"["
    first = True
    for quads in graphs:
        data = quads if with_graphs else (q.triple for q in quads)
        chunk = ox.serialize(data, format=ox_format, prefixes=prefixes) or b""
        # an Oxigraph iterator must end in the thread that made it, and a streamed
        # response may ask for the next chunk from another thread
        del data, quads
        if fmt == "jsonld":
            # each chunk is a JSON array; join their members into one array
            chunk = chunk.strip()[1:-1]
            if not chunk:
                continue
            chunk = (b"" if first else b",") + chunk
        first = first and not chunk
        if chunk:
            yield chunk
    if fmt == "jsonld":
        yield b"]\n"
