"""The RDF store: Oxigraph on disk (through pyoxigraph, wrapped by oxrdflib for rdflib), or a
remote SPARQL 1.1 endpoint. One named graph per document, written in one transaction."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, Protocol

import pyoxigraph as ox
from rdflib import Dataset, URIRef
from rdflib.term import Node

from graph.errors import BadQuery, CivicGraphError, ConfigError, QueryTimeout, Unsupported
from graph.vocab import SPARQL_PREFIXES

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


class Store(Protocol):
    """What the rest of civicgraph needs of a graph store."""

    def replace_graph(self, graph: str, quads: Iterable[Quad], *, drop: Iterable[str] = ()) -> None:
        """Write a document's graph, dropping `drop` and any old copy, in one transaction."""
        ...

    def flush(self) -> None:
        """Make the writes so far durable on disk and visible to processes opening the store."""
        ...

    def update(self, sparql: str) -> None:
        """Run a SPARQL update as one transaction."""
        ...

    def drop_graph(self, graph: str) -> None: ...

    def select(self, sparql: str, *, timeout_s: float = DEFAULT_TIMEOUT_S) -> Rows: ...

    def ask(self, sparql: str, *, timeout_s: float = DEFAULT_TIMEOUT_S) -> bool: ...

    def raw_query(self, sparql: str) -> Any: ...

    def export(self, fmt: ExportFormat) -> Iterator[bytes]: ...

    def close(self) -> None: ...


def _value(term: Any) -> Any:
    """A pyoxigraph term as a plain Python value: IRIs and strings as str, numbers as numbers."""
    if term is None:
        return None
    if isinstance(term, ox.Literal):
        datatype = term.datatype.value
        if datatype.endswith(("#integer", "#int", "#long")):
            return int(term.value)
        if datatype.endswith(("#decimal", "#double", "#float")):
            return float(term.value)
        if datatype.endswith("#boolean"):
            return term.value == "true"
        return term.value
    return term.value


def _nt(term: Node) -> str:
    return term.n3()


def replace_graph_update(graph: str, quads: Iterable[Quad], *, drop: Iterable[str] = ()) -> str:
    """The SPARQL update that drops `graph` (and `drop`) and inserts `quads` into it."""
    parts = [f"DROP SILENT GRAPH <{g}> ;" for g in {graph, *drop}]
    body = "\n".join(f"{_nt(s)} {_nt(p)} {_nt(o)} ." for s, p, o, _ in quads)
    parts.append(f"INSERT DATA {{ GRAPH <{graph}> {{\n{body}\n}} }}")
    return "\n".join(parts)


EXPORT_FORMATS: dict[str, tuple[ox.RdfFormat, bool]] = {
    # name: (format, whether it carries named graphs)
    "turtle": (ox.RdfFormat.TURTLE, False),
    "ntriples": (ox.RdfFormat.N_TRIPLES, False),
    "nquads": (ox.RdfFormat.N_QUADS, True),
    "trig": (ox.RdfFormat.TRIG, True),
    "jsonld": (ox.RdfFormat.JSON_LD, True),
}


class OxigraphStore:
    """Oxigraph's embedded on-disk store; pyoxigraph for queries and writes, rdflib for the rest."""

    def __init__(self, path: str | Path | None, *, read_only: bool = False) -> None:
        self.path = Path(path) if path is not None else None
        self.read_only = read_only
        try:
            if path is None:
                self._store = ox.Store()
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
    def oxigraph(self) -> ox.Store:
        """The underlying pyoxigraph store, for the query paths where rdflib's cost shows."""
        return self._store

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
        self.update(replace_graph_update(graph, quads, drop=drop))

    def update(self, sparql: str) -> None:
        """Run a SPARQL update as one transaction (atomic and logged; flushing, a dozen
        milliseconds, is left to flush(), which ingest calls once a group of documents)."""
        self._check_writable()
        self._store.update(sparql)

    def flush(self) -> None:
        """Write what is buffered to disk, for durability and for other processes to see."""
        if not self.read_only:
            self._store.flush()

    def drop_graph(self, graph: str) -> None:
        """Remove a named graph and everything in it."""
        self._check_writable()
        self._store.update(f"DROP SILENT GRAPH <{graph}>")
        self._store.flush()

    def raw_query(self, sparql: str) -> Any:
        """Run a SPARQL query over the union of all graphs; pyoxigraph's own result object."""
        try:
            return self._store.query(sparql, use_default_graph_as_union=True)
        except SyntaxError as exc:
            raise BadQuery(f"SPARQL syntax error: {exc}") from None
        except OSError as exc:
            raise CivicGraphError(f"query failed: {exc}") from None

    def select(self, sparql: str, *, timeout_s: float = DEFAULT_TIMEOUT_S) -> Rows:
        """A SELECT query with our prefixes, its rows as plain values, within a time limit."""
        deadline = time.monotonic() + timeout_s
        result = self.raw_query(SPARQL_PREFIXES + sparql)
        variables = [v.value for v in result.variables]
        rows = []
        for n, solution in enumerate(result):
            if n % 256 == 0 and time.monotonic() > deadline:
                raise QueryTimeout(f"query ran past its limit of {timeout_s:g} s")
            rows.append(tuple(_value(solution[v]) for v in variables))
        return Rows(variables, rows)

    def ask(self, sparql: str, *, timeout_s: float = DEFAULT_TIMEOUT_S) -> bool:
        """An ASK query with our prefixes."""
        return bool(self.raw_query(SPARQL_PREFIXES + sparql))

    def graphs(self) -> list[str]:
        """The names of all named graphs."""
        return [g.value for g in self._store.named_graphs() if isinstance(g, ox.NamedNode)]

    def count(self) -> int:
        """The number of quads in the store (a full count: use sparingly)."""
        return len(self._store)

    def export(self, fmt: ExportFormat) -> Iterator[bytes]:
        """Stream the whole store in an RDF format, one named graph at a time.

        Turtle and N-Triples hold triples only, so they give the union of all graphs;
        N-Quads, TriG and JSON-LD keep each document's graph.
        """
        if fmt not in EXPORT_FORMATS:
            raise BadQuery(f"unknown export format {fmt!r}; choose {', '.join(EXPORT_FORMATS)}")
        ox_format, with_graphs = EXPORT_FORMATS[fmt]
        prefixes = _prefix_map() if ox_format in (ox.RdfFormat.TURTLE, ox.RdfFormat.TRIG) else None
        if fmt == "jsonld":
            yield b"["
        first = True
        for graph in [ox.DefaultGraph(), *self._store.named_graphs()]:
            quads = self._store.quads_for_pattern(None, None, None, graph)
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

    def close(self) -> None:
        """Flush writes so the next open is fast, and release the store for other processes."""
        store = self.__dict__.pop("_store", None)
        if store is not None and not self.read_only:
            store.flush()


def _prefix_map() -> dict[str, str]:
    from graph.vocab import PREFIXES

    return {p: str(ns) for p, ns in PREFIXES.items()}


class SparqlStore:
    """A remote SPARQL 1.1 endpoint (Oxigraph server, Fuseki, GraphDB) through rdflib."""

    def __init__(self, query_endpoint: str, update_endpoint: str | None = None) -> None:
        from rdflib.plugins.stores.sparqlstore import SPARQLUpdateStore

        self._store = SPARQLUpdateStore(query_endpoint, update_endpoint or query_endpoint)
        self.read_only = update_endpoint is None

    def replace_graph(self, graph: str, quads: Iterable[Quad], *, drop: Iterable[str] = ()) -> None:
        """One SPARQL update request: drop the old graphs and insert the new one."""
        self.update(replace_graph_update(graph, quads, drop=drop))

    def update(self, sparql: str) -> None:
        """One SPARQL update request."""
        if self.read_only:
            raise Unsupported("SparqlStore: writes need an update endpoint")
        self._store.update(sparql)

    def flush(self) -> None:
        """Nothing to do: each update request is committed by the endpoint."""

    def drop_graph(self, graph: str) -> None:
        """Remove a named graph."""
        self._store.update(f"DROP SILENT GRAPH <{graph}>")

    def raw_query(self, sparql: str) -> Any:
        """Not available: the remote store answers through `select`."""
        raise Unsupported("SparqlStore: raw pyoxigraph queries")

    def select(self, sparql: str, *, timeout_s: float = DEFAULT_TIMEOUT_S) -> Rows:
        """A SELECT query sent to the endpoint."""
        result = self._store.query(SPARQL_PREFIXES + sparql)
        variables = [str(v) for v in result.vars]
        rows = [tuple(None if t is None else t.toPython() for t in row) for row in result]
        return Rows(
            variables, [tuple(str(v) if isinstance(v, URIRef) else v for v in r) for r in rows]
        )

    def ask(self, sparql: str, *, timeout_s: float = DEFAULT_TIMEOUT_S) -> bool:
        """An ASK query sent to the endpoint."""
        return bool(self._store.query(SPARQL_PREFIXES + sparql).askAnswer)

    def export(self, fmt: ExportFormat) -> Iterator[bytes]:
        """Not available for a remote store: use the endpoint's own dump."""
        raise Unsupported(f"SparqlStore: export as {fmt}")

    def close(self) -> None:
        """Close the connection."""
        self._store.close()


def open_store(backend: str, location: str | Path | None, **options: Any) -> Store:
    """The store for a backend name: "oxigraph" (embedded, default) or "sparql" (remote)."""
    if backend == "oxigraph":
        return OxigraphStore(location, read_only=bool(options.get("read_only")))
    if backend == "sparql":
        return SparqlStore(str(location), options.get("update_endpoint"))
    raise ConfigError(f"unknown store backend {backend!r}; choose oxigraph or sparql")
