"""FastAPI dependencies: the service of this app, its upload jobs, and the API key that writes
need."""

from __future__ import annotations

import hmac
from typing import Annotated

import anyio
from fastapi import Depends, FastAPI, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from api.jobs import IngestJobs
from api.service import CivicGraph
from graph.errors import Forbidden, Unauthorized


def get_service(request: Request) -> CivicGraph:
    """The CivicGraph opened in the app's lifespan."""
    return request.app.state.service


ServiceDep = Annotated[CivicGraph, Depends(get_service)]


def get_jobs(request: Request) -> IngestJobs:
    """The upload jobs of the app's service."""
    return request.app.state.jobs


JobsDep = Annotated[IngestJobs, Depends(get_jobs)]

_bearer = HTTPBearer(auto_error=False)


def require_api_key(
    service: ServiceDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> None:
    """Let a write through only with one of the configured API keys."""
    keys = service.settings.api_keys
    if not keys:
        raise Forbidden("writes are switched off: set CIVICGRAPH_API_KEYS to allow them")
    if credentials is None:
        raise Unauthorized("this write needs an API key: send 'Authorization: Bearer KEY'")
    if not any(hmac.compare_digest(credentials.credentials, key) for key in keys):
        raise Forbidden("the API key is not valid")


ApiKeyDep = Depends(require_api_key)


def limiter(app: FastAPI, name: str, threads: int) -> anyio.CapacityLimiter:
    """The app's limiter called `name`: `threads` threads for one kind of blocking work, apart
    from those that answer every other route, so that it neither waits for them nor holds
    them."""
    limiters = getattr(app.state, "limiters", None)
    if limiters is None:  # routes are async: only the event loop's thread comes here
        limiters = app.state.limiters = {}
    if name not in limiters:
        limiters[name] = anyio.CapacityLimiter(threads)
    return limiters[name]
