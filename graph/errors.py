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

    def headers(self) -> dict[str, str]:
        """HTTP headers that go with this error's answer."""
        return {}


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


class UriTooLong(CivicGraphError):
    """A request whose URL is over the limit (a query that belongs in a POST body)."""

    status = 414
    code = "uri_too_long"


class UnsupportedMediaType(CivicGraphError):
    """A request body of a media type the endpoint does not read."""

    status = 415
    code = "unsupported_media_type"


class BadParameter(CivicGraphError):
    """A parameter with a value the service cannot use."""

    status = 422
    code = "bad_parameter"


class UnreadableFiles(CivicGraphError):
    """An upload in which no file could be stored; carries each file's reason."""

    status = 422
    code = "unreadable_files"


class IngestFailed(CivicGraphError):
    """An ingest that could not run to its end (its process failed or was stopped); the
    documents it wrote before are whole and stored."""

    status = 500
    code = "ingest_failed"


class QueryTimeout(CivicGraphError):
    """A query that ran past its time limit."""

    status = 503
    code = "timeout"


class Busy(CivicGraphError):
    """Too many long queries at once: try again after `retry_after` seconds."""

    status = 503
    code = "busy"

    def __init__(self, message: str, *, retry_after: int, **extra: Any) -> None:
        super().__init__(message, retry_after=retry_after, **extra)

    def headers(self) -> dict[str, str]:
        """Retry-After, in whole seconds."""
        return {"Retry-After": str(self.extra["retry_after"])}


class QueryAborted(CivicGraphError):
    """A query whose engine process died: it needed more memory or stack than a worker has."""

    status = 503
    code = "query_aborted"


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
