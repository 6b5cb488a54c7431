"""FastAPI dependencies: the service of this app, and the API key that writes need."""

from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from api.service import CivicGraph
from graph.errors import Forbidden, Unauthorized


def get_service(request: Request) -> CivicGraph:
    """The CivicGraph opened in the app's lifespan."""
    return request.app.state.service


ServiceDep = Annotated[CivicGraph, Depends(get_service)]

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
