"""The SPARQL 1.1 Protocol's side of an answer: the media types a result or a graph may be
serialised in, content negotiation, and what an engine's answer or error becomes.

Every engine civicgraph runs queries on (the embedded store's workers, a remote endpoint)
answers in these formats and reports its errors as these outcomes, so that the HTTP endpoint
and the command line treat them alike.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from graph.errors import BadQuery, CivicGraphError
from graph.sparql_worker import Outcome

if TYPE_CHECKING:
    from graph.sparql import PreparedQuery

_SYNTAX = re.compile(r"^error at (\d+):(\d+): ?(.*)$", re.S)

# -- formats ----------------------------------------------------------------------------------
# media type -> member of pyoxigraph's QueryResultsFormat (SELECT, ASK) or RdfFormat (graphs)
RESULT_FORMATS = {
    "application/sparql-results+json": "JSON",
    "application/json": "JSON",
    "application/sparql-results+xml": "XML",
    "application/xml": "XML",
    "text/csv": "CSV",
    "text/tab-separated-values": "TSV",
}
GRAPH_FORMATS = {
    "text/turtle": "TURTLE",
    "application/n-triples": "N_TRIPLES",
    "application/ld+json": "JSON_LD",
    "application/rdf+xml": "RDF_XML",
    "application/n-quads": "N_QUADS",
}
# Short names of result formats, for clients that cannot set Accept (and the command line).
SPARQL_FORMATS = {
    "json": "application/sparql-results+json, application/ld+json",
    "xml": "application/sparql-results+xml, application/rdf+xml",
    "csv": "text/csv",
    "tsv": "text/tab-separated-values",
    "turtle": "text/turtle",
    "ntriples": "application/n-triples",
    "jsonld": "application/ld+json",
}


@dataclass(frozen=True, slots=True)
class ResultFormat:
    """How an answer is serialised: its media type and pyoxigraph's name for the format."""

    media_type: str
    name: str
    graph: bool


@dataclass(frozen=True, slots=True)
class SparqlResult:
    """A serialised SPARQL answer and its media type."""

    body: bytes
    media_type: str


def negotiate(accept: str | None, *, graph: bool) -> ResultFormat:
    """The first media type in `accept` that the answer can take, else the default one."""
    options = GRAPH_FORMATS if graph else RESULT_FORMATS
    media = "text/turtle" if graph else "application/sparql-results+json"
    for part in (accept or "").split(","):
        wanted = part.split(";")[0].strip().lower()
        if wanted in options:
            media = wanted
            break
    name = options[media]
    if media == "application/json":
        media = "application/sparql-results+json"
    return ResultFormat(media, name, graph)


# -- answers ----------------------------------------------------------------------------------


def answer(outcome: Outcome, prepared: PreparedQuery, fmt: ResultFormat) -> SparqlResult:
    """The result of an engine's outcome, or the error it means."""
    kind, value = outcome
    if kind == "ok":
        return SparqlResult(value, fmt.media_type)
    if kind == "syntax":
        raise syntax_error(value, prepared.shift)
    if kind == "failed":
        raise BadQuery(f"the query cannot run: {value}")
    raise CivicGraphError(f"the store could not answer the query: {value}")


def syntax_error(message: str, shift: int) -> BadQuery:
    """The engine's syntax error at the position in the user's own text."""
    match = _SYNTAX.match(message)
    if match is None:
        return BadQuery(f"SPARQL syntax error: {message}")
    line, column = int(match.group(1)), int(match.group(2))
    if line == 1:
        column = max(column - shift, 1)
    return BadQuery(
        f"SPARQL syntax error at line {line}, column {column}: {match.group(3)}",
        line=line,
        column=column,
    )
