"""GET /relations: facts between entities, with the quotes that state them."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query

from api.deps import ServiceDep
from api.schemas import ENTITY_ERRORS, NAMED, RelationsOut

router = APIRouter(tags=["graph"])

PredicateName = Literal[
    "leads",
    "participatesIn",
    "rated",
    "headOf",
    "holdsPost",
    "memberOf",
    "subOrganizationOf",
    "createdBy",
    "hasTheme",
]


@router.get("/relations", response_model=RelationsOut, responses=ENTITY_ERRORS)
def relations(
    service: ServiceDep,
    subject: Annotated[
        str | None, Query(pattern=NAMED, description="id, IRI or name of the subject")
    ] = None,
    predicate: Annotated[PredicateName | None, Query(description="only this relation")] = None,
    object: Annotated[
        str | None, Query(pattern=NAMED, description="id, IRI or name of the object")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=10000, description="how many facts")] = 100,
) -> RelationsOut:
    """Facts with their evidence; any argument may be an id, an IRI or a label."""
    found = service.relations(subject=subject, predicate=predicate, object=object, limit=limit)
    return RelationsOut.of(found)
