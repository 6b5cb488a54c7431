"""GET /export and GET /health."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Annotated, Any, Literal

import anyio.to_thread
from fastapi import APIRouter, Query, Request
from fastapi.responses import StreamingResponse

from api.deps import ServiceDep, limiter
from api.schemas import BAD_PARAMETERS

router = APIRouter(tags=["system"])

# Exports made at once, each in a thread apart from those that answer the other routes: the
# whole graph streams in many chunks, and each chunk would otherwise wait its turn behind
# every request then waiting.
EXPORT_THREADS = 2

EXPORT_MEDIA = {
    "turtle": ("text/turtle", "ttl"),
    "nquads": ("application/n-quads", "nq"),
    "ntriples": ("application/n-triples", "nt"),
    "trig": ("application/trig", "trig"),
    "jsonld": ("application/ld+json", "jsonld"),
    "graphml": ("application/graphml+xml", "graphml"),
}


@router.get(
    "/export",
    response_class=StreamingResponse,
    responses={
        200: {
            "description": "the graph, streamed",
            "content": {media: {} for media, _ in EXPORT_MEDIA.values()},
        },
        **BAD_PARAMETERS,
    },
)
async def export(
    request: Request,
    service: ServiceDep,
    format: Annotated[
        Literal["turtle", "nquads", "ntriples", "trig", "jsonld", "graphml"], Query()
    ] = "turtle",
) -> StreamingResponse:
    """The whole graph, streamed: Turtle, N-Quads, N-Triples, TriG, JSON-LD or GraphML."""
    media, extension = EXPORT_MEDIA[format]
    threads = limiter(request.app, "export", EXPORT_THREADS)
    chunks = await anyio.to_thread.run_sync(service.export, format, limiter=threads)
    return StreamingResponse(
        _stream(chunks, threads),
        media_type=media,
        headers={"Content-Disposition": f'attachment; filename="civicgraph.{extension}"'},
    )


async def _stream(chunks: Iterator[bytes], threads: anyio.CapacityLimiter) -> AsyncIterator[bytes]:
    """The chunks, each made in a thread of the export's own."""
    while (
        chunk := await anyio.to_thread.run_sync(next, chunks, None, limiter=threads)
    ) is not None:
        yield chunk


@router.get("/health")
def health(service: ServiceDep) -> dict[str, Any]:
    """Store, index and model status."""
    return service.health()
