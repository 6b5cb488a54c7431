"""GET /leads: which councils and bodies lead which themes and programmes, with evidence."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from api.deps import ServiceDep
from api.schemas import ENTITY_ERRORS, NAMED, LeadsOut

router = APIRouter(tags=["graph"])


@router.get("/leads", response_model=LeadsOut, responses=ENTITY_ERRORS)
def leads(
    request: Request,
    service: ServiceDep,
    theme: Annotated[
        str | None,
        Query(pattern=NAMED, description="only this theme or programme (id, IRI or name)"),
    ] = None,
    council: Annotated[
        str | None, Query(pattern=NAMED, description="only this council or body (id, IRI or name)")
    ] = None,
) -> Response:
    """Every council or body that leads a theme or programme, with the quotes that say so."""
    # the answer only changes when the store does: keep the last body, serialised
    key = (service.generation, theme, council)
    cached = getattr(request.app.state, "leads_body", None)
    if cached is None or cached[0] != key:
        body = LeadsOut.of(service.leads(theme=theme, council=council))
        cached = (key, body.model_dump_json().encode())
        request.app.state.leads_body = cached
    return Response(cached[1], media_type="application/json")
