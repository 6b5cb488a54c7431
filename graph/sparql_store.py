"""A remote SPARQL 1.1 store (Oxigraph server, Virtuoso, Fuseki, GraphDB) behind the `Store`
contract, spoken to over the SPARQL 1.1 Protocol with a pooled HTTP client.

The endpoint must treat its default graph as the union of the named graphs (Oxigraph server
`--union-default-graph`, Virtuoso by default, Fuseki `unionDefaultGraph`), as the embedded
store does. Writes are batched: documents' graph replacements wait in a buffer and go in one
update request (one transaction) once BATCH_QUADS quads are waiting or at `flush()`, which
ingest calls once a group of documents is written and every read calls first. A document
larger than a batch is written in pieces into a staging graph of its own and then moved over
its old graph in one request, so that readers never see half of it.
"""

from __future__ import annotations

import json
import logging
import threading
import uuid
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import httpx
import pyoxigraph as ox

from graph.errors import BadQuery, CivicGraphError, QueryTimeout, Unsupported
from graph.sparql import PreparedQuery
from graph.sparql_protocol import ResultFormat, SparqlResult, answer
from graph.store import (
    DEFAULT_TIMEOUT_S,
    EXPORT_FORMATS,
    Capabilities,
    ExportFormat,
    Quad,
    Rows,
    json_rows,
    serialize_graphs,
)
from graph.vocab import ID, SPARQL_PREFIXES

log = logging.getLogger(__name__)

# Quads sent in one update request: large enough that a group of documents goes in one
# request, small enough that no endpoint refuses the request's size (a few MB of N-Triples).
BATCH_QUADS = 20_000
# civicgraph's named graphs; an endpoint may hold graphs of its own (Virtuoso's system graphs).
GRAPH_PREFIX = f"{ID}graph/"


class EndpointUnavailable(CivicGraphError):
    """The remote SPARQL endpoint could not be reached or failed."""

    status = 503
    code = "unavailable"


class SparqlStore:
    """A remote SPARQL 1.1 store; read-only without an update endpoint."""

    def __init__(
        self,
        query_endpoint: str,
        update_endpoint: str | None = None,
        *,
        batch_quads: int = BATCH_QUADS,
        timeout_s: float = DEFAULT_TIMEOUT_S,
    ) -> None:
        if not query_endpoint:
            raise CivicGraphError(
                "the sparql store backend needs CIVICGRAPH_SPARQL_ENDPOINT, the query URL of "
                "the SPARQL 1.1 endpoint"
            )
        self.query_endpoint = query_endpoint
        self.update_endpoint = update_endpoint
        self.read_only = update_endpoint is None
        self.batch_quads = batch_quads
        self.timeout_s = timeout_s
        self._client = httpx.Client(timeout=timeout_s)
        self._lock = threading.RLock()
        self._pending: list[str] = []  # update operations waiting to be sent
        self._pending_quads = 0

    @property
    def capabilities(self) -> Capabilities:
        """Remote; every export format (read graph by graph); the endpoint enforces its own
        time limit, civicgraph stops waiting at its own."""
        return Capabilities(
            engine="sparql",
            location=self.query_endpoint,
            export_formats=tuple(EXPORT_FORMATS),
            stops_queries=False,
        )

    # -- writing ------------------------------------------------------------------------------

    def _check_writable(self) -> None:
        if self.read_only:
            raise Unsupported(
                "SparqlStore: writes need an update endpoint (CIVICGRAPH_SPARQL_UPDATE_ENDPOINT)"
            )

    def replace_graph(self, graph: str, quads: Iterable[Quad], *, drop: Iterable[str] = ()) -> None:
        """Queue a document's graph (dropping `drop` and its old copy) for the next batch; a
        graph over a batch on its own goes through a staging graph at once."""
        self._check_writable()
        lines = [f"{s.n3()} {p.n3()} {o.n3()} ." for s, p, o, _ in quads]
        drops = [f"DROP SILENT GRAPH <{g}>" for g in sorted({graph, *drop})]
        with self._lock:
            if len(lines) <= self.batch_quads:
                self._pending += [*drops, _insert(graph, lines)]
                self._pending_quads += len(lines)
                if self._pending_quads >= self.batch_quads:
                    self._send_pending()
                return
            self._send_pending()
            staging = f"urn:uuid:{uuid.uuid4()}"
            try:
                for start in range(0, len(lines), self.batch_quads):
                    self._update(_insert(staging, lines[start : start + self.batch_quads]))
                moves = [d for d in drops if d != f"DROP SILENT GRAPH <{graph}>"]
                self._update(" ;\n".join([*moves, f"MOVE SILENT GRAPH <{staging}> TO <{graph}>"]))
            except BaseException:
                self._update(f"DROP SILENT GRAPH <{staging}>")
                raise

    def drop_graph(self, graph: str) -> None:
        """Remove a named graph, with whatever writes were waiting, at once."""
        self._check_writable()
        with self._lock:
            self._pending.append(f"DROP SILENT GRAPH <{graph}>")
            self._send_pending()

    def flush(self) -> None:
        """Send the writes waiting in the buffer, in one request."""
        with self._lock:
            self._send_pending()

    def _send_pending(self) -> None:
        if not self._pending:
            return
        request = " ;\n".join(self._pending)
        self._update(request)
        self._pending, self._pending_quads = [], 0

    def _update(self, update: str) -> None:
        assert self.update_endpoint is not None
        self._post(
            self.update_endpoint,
            content=update.encode("utf-8"),
            headers={"Content-Type": "application/sparql-update; charset=utf-8"},
            timeout_s=max(self.timeout_s, 120.0),
        )

    # -- reading ------------------------------------------------------------------------------

    def _post(
        self,
        url: str,
        *,
        timeout_s: float,
        data: dict[str, str] | None = None,
        content: bytes | None = None,
        headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        try:
            response = self._client.post(
                url, data=data, content=content, headers=headers, timeout=timeout_s
            )
        except httpx.TimeoutException:
            raise QueryTimeout(
                f"the SPARQL endpoint {url} did not answer within {timeout_s:g} s"
            ) from None
        except httpx.HTTPError as exc:
            raise EndpointUnavailable(
                f"cannot reach the SPARQL endpoint {url}: {exc}; is it running?"
            ) from None
        if response.status_code == 400:
            raise BadQuery(f"the SPARQL endpoint refused the request: {_message(response)}")
        if response.status_code >= 300:
            raise EndpointUnavailable(
                f"the SPARQL endpoint {url} answered {response.status_code}: {_message(response)}"
            )
        return response

    def _results(self, sparql: str, timeout_s: float) -> dict[str, Any]:
        self.flush()  # read what was written
        response = self._post(
            self.query_endpoint,
            data={"query": SPARQL_PREFIXES + sparql},
            headers={"Accept": "application/sparql-results+json"},
            timeout_s=timeout_s,
        )
        try:
            return json.loads(response.content)
        except json.JSONDecodeError as exc:
            raise EndpointUnavailable(
                f"the SPARQL endpoint {self.query_endpoint} answered with no JSON results: {exc}"
            ) from None

    def select(self, sparql: str, *, timeout_s: float = DEFAULT_TIMEOUT_S) -> Rows:
        """A SELECT query sent to the endpoint, its rows as plain values."""
        return json_rows(self._results(sparql, timeout_s))

    def ask(self, sparql: str, *, timeout_s: float = DEFAULT_TIMEOUT_S) -> bool:
        """An ASK query sent to the endpoint."""
        return bool(self._results(sparql, timeout_s)["boolean"])

    def graphs(self) -> list[str]:
        """civicgraph's named graphs in the endpoint, sorted."""
        rows = self.select(
            "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } "
            f'FILTER(STRSTARTS(STR(?g), "{GRAPH_PREFIX}")) }}',
            timeout_s=max(self.timeout_s, 120.0),
        )
        return sorted(g for (g,) in rows.rows)

    def sparql_runner(
        self, *, timeout_s: float, generation: Callable[[], int] = lambda: 0
    ) -> RemoteRunner:
        """The endpoint itself runs the SPARQL endpoint's queries."""
        return RemoteRunner(self, timeout_s)

    def export(self, fmt: ExportFormat) -> Iterator[bytes]:
        """The whole store in an RDF format, read one named graph at a time."""
        if fmt not in EXPORT_FORMATS:
            raise BadQuery(f"unknown export format {fmt!r}; choose {', '.join(EXPORT_FORMATS)}")
        return serialize_graphs((self._graph_quads(g) for g in self.graphs()), fmt)

    def _graph_quads(self, graph: str) -> list[ox.Quad]:
        response = self._post(
            self.query_endpoint,
            data={"query": f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}"},
            headers={"Accept": "application/n-triples"},
            timeout_s=max(self.timeout_s, 120.0),
        )
        name = ox.NamedNode(graph)
        triples = ox.parse(response.content, format=ox.RdfFormat.N_TRIPLES)
        return [ox.Quad(t.subject, t.predicate, t.object, name) for t in triples]

    def close(self) -> None:
        """Send what is waiting and close the connections."""
        try:
            self.flush()
        finally:
            self._client.close()


class RemoteRunner:
    """Runs the SPARQL endpoint's checked queries on the remote store, in the format asked
    for; civicgraph stops waiting at the time limit."""

    def __init__(self, store: SparqlStore, timeout_s: float) -> None:
        self.store = store
        self.timeout_s = timeout_s

    def run(self, query: PreparedQuery, fmt: ResultFormat) -> SparqlResult:
        """Send the query and pass its answer on."""
        self.store.flush()
        try:
            response = self.store._post(
                self.store.query_endpoint,
                data={"query": query.text},
                headers={"Accept": fmt.media_type},
                timeout_s=self.timeout_s,
            )
        except BadQuery as exc:
            return answer(("failed", exc.message), query, fmt)
        return answer(("ok", response.content), query, fmt)

    def warm(self) -> None:
        """Nothing to start: the endpoint runs on its own."""

    def close(self) -> None:
        """Nothing to stop."""


def _insert(graph: str, lines: list[str]) -> str:
    body = "\n".join(lines)
    return f"INSERT DATA {{ GRAPH <{graph}> {{\n{body}\n}} }}"


def _message(response: httpx.Response) -> str:
    text = response.text.strip()
    return text[:500] + ("…" if len(text) > 500 else "")
