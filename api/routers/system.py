"""GET /export and GET /health."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from fastapi.responses import StreamingResponse

from api.deps import ServiceDep
from api.schemas import BAD_PARAMETERS

router = APIRouter(tags=["system"])

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
def export(
    service: ServiceDep,
    format: Annotated[
        Literal["turtle", "nquads", "ntriples", "trig", "jsonld", "graphml"], Query()
    ] = "turtle",
) -> StreamingResponse:
    """The whole graph, streamed: Turtle, N-Quads, N-Triples, TriG, JSON-LD or GraphML."""
    media, extension = EXPORT_MEDIA[format]
    return StreamingResponse(
        service.export(format),
        media_type=media,
        headers={"Content-Disposition": f'attachment; filename="civicgraph.{extension}"'},
    )


@router.get("/health")
def health(service: ServiceDep) -> dict[str, Any]:
    """Store, index and model status."""
    return service.health()
