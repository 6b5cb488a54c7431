"""GET /ask: a question in plain English, answered from the graph with quotes."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from api.ask.answer import MAX_QUESTION
from api.ask.words import AS_OF
from api.deps import ServiceDep
from api.schemas import AskOut, error_responses

router = APIRouter(tags=["graph"])

# A question has a letter or a digit in it; spelt so that it means the same in every regex
# dialect (\w is wider in Python's than in JSON Schema's, so a client could not tell).
WORDED = r"[A-Za-z0-9]"


@router.get(
    "/ask",
    response_model=AskOut,
    responses=error_responses(
        {
            422: "the question is empty or too long, or as_of is not a date",
            503: "a query ran past the time limit",
        }
    ),
)
def ask(
    service: ServiceDep,
    q: Annotated[
        str,
        Query(
            min_length=1,
            max_length=MAX_QUESTION,
            pattern=WORDED,
            description='the question, e.g. "who leads community safety?", "which councils '
            'were rated worst for social services in 2002?", "how is the LGA connected to '
            'Sunderland?"',
        ),
    ],
    as_of: Annotated[
        str | None,
        Query(
            pattern=AS_OF,
            description="answer as of a year or a month (2009, 2009-06): facts from documents "
            "dated up to its end, councils and bodies that existed then",
        ),
    ] = None,
    k: Annotated[int, Query(ge=1, le=50, description="how many passages")] = 5,
) -> AskOut:
    """Read the question against the question shapes (who leads X, what does X lead, which
    councils took part in X, who is the chief executive of X, which councils were rated
    best or worst in X, how is A connected to B, what is X, ...), link the entities it names,
    and answer from the graph's facts, each answer with the quotes (and their documents'
    dates) that state it. `interpretation` says how the question was read; `passages` are
    the search results for it, always given, and the only answer when no shape fits. A time
    in the question ("in 2009", "before 2010", "as of 2012") or `as_of` limits the answers to
    documents of that time and to councils that existed then."""
    return AskOut.of(service.ask(q, as_of=as_of, k=k))
