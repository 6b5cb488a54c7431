"""GET and POST /sparql: the SPARQL 1.1 Protocol, read-only."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Query, Request, Response

from api.deps import ServiceDep
from api.service import SPARQL_FORMATS, CivicGraph
from graph.errors import BadParameter, BadQuery

router = APIRouter(tags=["sparql"])


def _answer(
    service: CivicGraph, query: str | None, accept: str | None, fmt: str | None
) -> Response:
    if not query:
        raise BadParameter("no query: pass it as 'query' (GET parameter or POST form field)")
    if fmt and fmt not in SPARQL_FORMATS:
        raise BadParameter(f"unknown format {fmt!r}; choose {', '.join(SPARQL_FORMATS)}")
    if fmt and (not accept or accept.strip() == "*/*"):
        # the format parameter is a shorthand for clients that cannot set Accept
        accept = SPARQL_FORMATS[fmt]
    result = service.sparql(query, accept)
    return Response(content=result.body, media_type=result.media_type)


@router.get("/sparql")
def sparql_get(
    service: ServiceDep,
    query: Annotated[str | None, Query(description="a SPARQL 1.1 query")] = None,
    format: Annotated[str | None, Query(description="json, xml, csv, tsv, turtle")] = None,
    accept: Annotated[str | None, Header()] = None,
) -> Response:
    """Run a read-only SPARQL query (SELECT, ASK, CONSTRUCT, DESCRIBE)."""
    return _answer(service, query, accept, format)


@router.post("/sparql")
async def sparql_post(
    request: Request,
    service: ServiceDep,
    accept: Annotated[str | None, Header()] = None,
) -> Response:
    """The same, with the query in a form field or as an application/sparql-query body."""
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    fmt = request.query_params.get("format")
    if media == "application/sparql-query":
        query = (await request.body()).decode("utf-8", errors="replace")
    elif media == "application/sparql-update":
        raise BadQuery("SPARQL updates are refused: this endpoint is read-only")
    elif media in ("application/x-www-form-urlencoded", "multipart/form-data"):
        form = await request.form()
        if form.get("update"):
            raise BadQuery("SPARQL updates are refused: this endpoint is read-only")
        query = str(form.get("query") or "")
        fmt = fmt or (str(form["format"]) if form.get("format") else None)
    else:
        raise BadParameter(
            f"unsupported content type {media or '(none)'}; send "
            "application/x-www-form-urlencoded or application/sparql-query"
        )
    return _answer(service, query, accept, fmt)
