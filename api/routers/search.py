"""GET /search: passages ranked by meaning and keywords."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query

from api.deps import ServiceDep
from api.schemas import BAD_PARAMETERS, NAMED, SearchOut, error_responses

router = APIRouter(tags=["search"])


@router.get(
    "/search",
    response_model=SearchOut,
    responses={
        **error_responses({404: "no such document", 503: "the embedding model is not installed"}),
        **BAD_PARAMETERS,
    },
)
def search(
    service: ServiceDep,
    q: Annotated[
        str,
        Query(
            min_length=1,
            max_length=1000,
            pattern=NAMED,
            description="what to look for (with a letter or digit in it)",
        ),
    ],
    k: Annotated[int, Query(ge=1, le=100, description="how many passages")] = 10,
    document: Annotated[str | None, Query(description="only this document's passages")] = None,
    type: Annotated[
        Literal["council", "body", "person", "programme", "theme"] | None,
        Query(description="only passages that mention an entity of this type"),
    ] = None,
    mode: Annotated[
        Literal["hybrid", "dense", "keyword"],
        Query(description="hybrid (fused), or one ranking alone: dense or keyword"),
    ] = "hybrid",
) -> SearchOut:
    """Passages ranked by meaning (sentence vectors), keywords (FTS5 bm25) and the entities
    the question names, fused by reciprocal rank."""
    return SearchOut.of(q, service.search(q, k=k, document=document, kind=type, mode=mode))
