"""GET /paths: the shortest relationship paths between two entities."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from api.deps import ServiceDep
from api.schemas import ENTITY_ERRORS, NAMED, PathsOut, error_responses
from api.service import MAX_HOPS, MAX_PATHS

router = APIRouter(tags=["graph"])


@router.get(
    "/paths",
    response_model=PathsOut,
    responses={
        **ENTITY_ERRORS,
        **error_responses({503: "the path search ran past the time limit"}),
    },
)
def paths(
    service: ServiceDep,
    source: Annotated[str, Query(pattern=NAMED, description="id, IRI or name")],
    target: Annotated[str, Query(pattern=NAMED, description="id, IRI or name")],
    max_hops: Annotated[int, Query(ge=1, le=MAX_HOPS, description="longest path, in hops")] = 4,
    limit: Annotated[int, Query(ge=1, le=MAX_PATHS, description="how many paths")] = 5,
) -> PathsOut:
    """Up to `limit` shortest paths over stated facts, each hop with its predicate, direction
    and evidence; co-mentions in a passage are used, and labelled, only when no such path
    exists."""
    return PathsOut.of(service.paths(source, target, max_hops=max_hops, limit=limit))
