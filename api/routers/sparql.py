"""GET and POST /sparql: the SPARQL 1.1 Protocol, read-only.

Queries run in worker processes (graph/sparql_pool.py). A route waits for its query in a thread
of a limiter of its own, so SPARQL never blocks the event loop and never takes the threads that
the other routes run in; queries past that limiter wait without a thread, and past
SPARQL_WAITING they are answered 503 at once.
"""

from __future__ import annotations

from typing import Annotated, Literal
from urllib.parse import parse_qsl

import anyio
import anyio.to_thread
from fastapi import APIRouter, Header, Query, Request, Response

from api.deps import ServiceDep
from api.deps import limiter as limiter_of
from api.schemas import QueryErrorOut, error_responses
from api.service import CivicGraph
from graph.errors import (
    BadParameter,
    BadQuery,
    Busy,
    TooLarge,
    UnsupportedMediaType,
    UriTooLong,
)
from graph.sparql import MAX_QUERY_BYTES, oversize
from graph.sparql_protocol import GRAPH_FORMATS, RESULT_FORMATS, SPARQL_FORMATS

router = APIRouter(tags=["sparql"])

# Queries in flight at once, each in a thread that waits for its worker.
SPARQL_THREADS = 16
# Queries waiting for one of those threads before more are answered 503.
SPARQL_WAITING = 64
# A form-encoded query takes up to three bytes a character ("%E2").
BODY_BYTES = 3 * MAX_QUERY_BYTES + 4096
# A body over the limit is read (and dropped) up to this size before the 413, so that the
# client reads the answer rather than a connection reset while it is still sending.
DRAIN_BYTES = 16 << 20

FormatName = Literal["json", "xml", "csv", "tsv", "turtle", "ntriples", "jsonld"]
_FORMAT = "result format, for clients that cannot set Accept: " + ", ".join(SPARQL_FORMATS)
_ANSWERS: dict[int | str, dict] = {
    200: {
        "description": "the answer: results for SELECT and ASK, a graph for CONSTRUCT and "
        "DESCRIBE, in the first media type of Accept that fits",
        "content": {
            media: {}  # the formats' own grammars, which JSON Schema cannot state
            for media in sorted({*RESULT_FORMATS, *GRAPH_FORMATS})
        },
    }
}
_REFUSED = {
    400: "a SPARQL syntax error (with its line and column), an update, a SERVICE clause, an "
    "unknown prefix, or nesting, operators or triple patterns past the limits",
    422: "no query, or an unknown format",
    503: "the query ran past its time limit, ran out of memory, or would be one long query "
    "too many (with Retry-After)",
}


@router.get(
    "/sparql",
    response_class=Response,
    responses={
        **_ANSWERS,
        **error_responses(
            {**_REFUSED, 414: "the query is over the size limit: send it by POST"}, QueryErrorOut
        ),
    },
)
async def sparql_get(
    request: Request,
    service: ServiceDep,
    query: Annotated[str, Query(description="a SPARQL 1.1 query")],
    format: Annotated[FormatName | None, Query(description=_FORMAT)] = None,
    accept: Annotated[str | None, Header()] = None,
) -> Response:
    """Run a read-only SPARQL query (SELECT, ASK, CONSTRUCT, DESCRIBE)."""
    if too_long := oversize(query):
        raise UriTooLong(f"{too_long}; send the query in a POST body")
    return await _answer(request, service, query, accept, format)


@router.post(
    "/sparql",
    response_class=Response,
    responses={
        **_ANSWERS,
        **error_responses(
            {
                **_REFUSED,
                413: "the query or the body is over the size limit",
                415: "a body that is neither a form nor application/sparql-query",
            },
            QueryErrorOut,
        ),
    },
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/sparql-query": {"schema": {"type": "string"}},
                "application/x-www-form-urlencoded": {
                    "schema": {
                        "type": "object",
                        "properties": {
                            "query": {"type": "string", "description": "a SPARQL 1.1 query"},
                            "format": {"type": "string", "enum": list(SPARQL_FORMATS)},
                        },
                        "required": ["query"],
                    }
                },
            },
        }
    },
)
async def sparql_post(
    request: Request,
    service: ServiceDep,
    format: Annotated[FormatName | None, Query(description=_FORMAT)] = None,
    accept: Annotated[str | None, Header()] = None,
) -> Response:
    """The same, with the query in a form field or as an application/sparql-query body."""
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media == "application/sparql-update":
        raise BadQuery("SPARQL updates are refused: this endpoint is read-only")
    if media not in ("application/sparql-query", "application/x-www-form-urlencoded"):
        raise UnsupportedMediaType(
            f"unsupported content type {media or '(none)'}; send "
            "application/x-www-form-urlencoded or application/sparql-query"
        )
    text = (await _read_body(request)).decode("utf-8", errors="replace")
    fmt: str | None = format
    if media == "application/sparql-query":
        query = text
    else:
        fields = dict(parse_qsl(text, keep_blank_values=True))
        if fields.get("update"):
            raise BadQuery("SPARQL updates are refused: this endpoint is read-only")
        query = fields.get("query", "")
        fmt = fmt or fields.get("format") or None
    if too_large := oversize(query):
        raise TooLarge(too_large)
    return await _answer(request, service, query, accept, fmt)


async def _read_body(request: Request) -> bytes:
    """The request body, or TooLarge past BODY_BYTES."""
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size <= BODY_BYTES:
            chunks.append(chunk)
        elif size > DRAIN_BYTES:
            break
    if size > BODY_BYTES:
        raise TooLarge(f"the request body is over the limit of {BODY_BYTES:,} bytes")
    return b"".join(chunks)


async def _answer(
    request: Request, service: CivicGraph, query: str | None, accept: str | None, fmt: str | None
) -> Response:
    if not query:
        raise BadParameter("no query: pass it as 'query' (GET parameter or POST form field)")
    if fmt and fmt not in SPARQL_FORMATS:
        raise BadParameter(f"unknown format {fmt!r}; choose {', '.join(SPARQL_FORMATS)}")
    if fmt and (not accept or accept.strip() == "*/*"):
        # the format parameter is a shorthand for clients that cannot set Accept
        accept = SPARQL_FORMATS[fmt]
    limiter = limiter_of(request.app, "sparql", SPARQL_THREADS)
    if limiter.statistics().tasks_waiting >= SPARQL_WAITING:
        raise Busy("too many SPARQL queries are waiting; try again", retry_after=1)
    result = await anyio.to_thread.run_sync(service.sparql, query, accept, limiter=limiter)
    return Response(content=result.body, media_type=result.media_type)
