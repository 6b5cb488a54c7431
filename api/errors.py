"""How errors are shown: one JSON shape over HTTP, one line (or that JSON) on the command line."""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Callable
from functools import wraps
from typing import Any

import click
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from graph.errors import CivicGraphError, error_body

log = logging.getLogger(__name__)

_HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "ambiguous",
    413: "too_large",
    414: "uri_too_long",
    415: "unsupported_media_type",
    422: "bad_parameter",
    503: "unavailable",
}


def install_handlers(app: FastAPI) -> None:
    """Render every error, ours or the framework's, in the one JSON shape."""

    @app.exception_handler(CivicGraphError)
    async def civicgraph_error(_: Request, exc: CivicGraphError) -> JSONResponse:
        return JSONResponse(exc.body(), status_code=exc.status, headers=exc.headers())

    @app.exception_handler(RequestValidationError)
    async def validation_error(_: Request, exc: RequestValidationError) -> JSONResponse:
        problems = [
            {
                "field": ".".join(str(p) for p in e["loc"][1:]) or str(e["loc"][0]),
                "reason": e["msg"],
            }
            for e in exc.errors()
        ]
        message = "; ".join(f"{p['field']}: {p['reason']}" for p in problems)
        return JSONResponse(
            error_body(422, "bad_parameter", message, problems=problems), status_code=422
        )

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = _HTTP_CODES.get(exc.status_code, "error")
        return JSONResponse(
            error_body(exc.status_code, code, str(exc.detail)),
            status_code=exc.status_code,
            headers=getattr(exc, "headers", None),
        )

    @app.exception_handler(Exception)
    async def unexpected_error(_: Request, exc: Exception) -> JSONResponse:
        log.exception("unexpected error")
        return JSONResponse(
            error_body(500, "internal", f"internal error: {type(exc).__name__}"), status_code=500
        )


def handle_errors(command: Callable[..., Any]) -> Callable[..., Any]:
    """Turn a CivicGraphError in a command into 'Error: message' (or its JSON) and exit 1."""

    @wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except CivicGraphError as exc:
            ctx = click.get_current_context(silent=True)
            as_json = bool(ctx and ctx.params.get("as_json"))
            if as_json:
                click.echo(json.dumps(exc.body(), indent=2))
            else:
                click.echo(f"Error: {exc.message}", err=True)
                candidates = exc.extra.get("candidates") or exc.extra.get("nearest")
                for candidate in candidates or ():
                    click.echo(f"  {candidate.get('label')}  ({candidate.get('id')})", err=True)
            sys.exit(1)

    return wrapper
