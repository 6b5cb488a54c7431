"""The civicgraph error hierarchy: every error a user can act on, with its HTTP status.

Each error carries the status and code it is shown with; `api/errors.py` renders them in one shape:
``{"error": {"status": 404, "code": "not_found", "message": "...", ...}}``.
"""

from __future__ import annotations

from typing import Any


class CivicGraphError(Exception):
    """Base of every error civicgraph reports to a user."""

    status = 500
    code = "internal"

    def __init__(self, message: str, **extra: Any) -> None:
        super().__init__(message)
        self.message = message
        self.extra = extra

    def body(self) -> dict[str, Any]:
        """The JSON body of this error."""
        return error_body(self.status, self.code, self.message, **self.extra)


class BadQuery(CivicGraphError):
    """A query the user must fix: SPARQL syntax, an update sent to a read-only endpoint."""

    status = 400
    code = "bad_query"


class Unauthorized(CivicGraphError):
    """A write without an API key."""

    status = 401
    code = "unauthorized"


class Forbidden(CivicGraphError):
    """A write with a wrong API key, or while writes are switched off."""

    status = 403
    code = "forbidden"


class NotFound(CivicGraphError):
    """An unknown document, entity or passage."""

    status = 404
    code = "not_found"


class Ambiguous(CivicGraphError):
    """A name that matches several entities; carries the candidates."""

    status = 409
    code = "ambiguous"


class TooLarge(CivicGraphError):
    """An upload over the size limit."""

    status = 413
    code = "too_large"


class BadParameter(CivicGraphError):
    """A parameter with a value the service cannot use."""

    status = 422
    code = "bad_parameter"


class UnreadableFiles(CivicGraphError):
    """An upload in which no file could be stored; carries each file's reason."""

    status = 422
    code = "unreadable_files"


class QueryTimeout(CivicGraphError):
    """A query that ran past its time limit."""

    status = 503
    code = "timeout"


class ConfigError(CivicGraphError):
    """A setting that cannot be used, such as an unknown backend name."""

    status = 500
    code = "config"


class Unsupported(CivicGraphError):
    """An operation a backend cannot do."""

    status = 501
    code = "unsupported"


class IndexMismatch(CivicGraphError):
    """A store whose vectors were made by another embedding model."""

    status = 500
    code = "index_mismatch"


class ModelMissing(CivicGraphError):
    """A model package that is not installed, or whose files do not match the recorded hash."""

    status = 503
    code = "model_missing"


def error_body(status: int, code: str, message: str, **extra: Any) -> dict[str, Any]:
    """The one JSON shape of every error."""
    return {"error": {"status": status, "code": code, "message": message, **extra}}
