"""GET /entities (find by name) and GET /entities/{id} (the entity card)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query

from api.deps import ServiceDep
from api.schemas import (
    BAD_PARAMETERS,
    ENTITY_ERRORS,
    NAMED,
    EntitiesOut,
    EntityCardOut,
    EntityMatchOut,
)

router = APIRouter(tags=["graph"])

EntityType = Literal["council", "body", "person", "programme", "theme"]


@router.get("/entities", response_model=EntitiesOut, responses=BAD_PARAMETERS)
def find_entities(
    service: ServiceDep,
    q: Annotated[
        str | None,
        Query(max_length=300, description="a name, alias or abbreviation; typos are tolerated"),
    ] = None,
    type: Annotated[EntityType | None, Query(description="only entities of this type")] = None,
    limit: Annotated[int, Query(ge=1, le=1000, description="how many entities")] = 20,
) -> EntitiesOut:
    """Entities whose name or alias matches `q`, best first; without `q`, in label order."""
    matches = service.find_entities(q, kind=type, limit=limit)
    return EntitiesOut(query=q, type=type, entities=[EntityMatchOut.of_match(m) for m in matches])


@router.get("/entities/{key:path}", response_model=EntityCardOut, responses=ENTITY_ERRORS)
def entity(
    key: Annotated[str, Path(pattern=NAMED, description="an id, an IRI or a name")],
    service: ServiceDep,
) -> EntityCardOut:
    """The entity card: type, labels, identifiers, relations in and out with evidence, and the
    documents that mention it. `key` is an id ("council/ken"), an IRI, or a name."""
    return EntityCardOut.of_card(service.entity(key))
