"""The HTTP server's limits on a request's URL and head, and how `civicgraph serve` runs uvicorn.

An over-long URL is answered 414 in the one error shape wherever it is found: by a middleware
when the head reached the app, and by the protocol when the head is over what uvicorn buffers.
uvicorn's own answer to an over-long head is a bare 400 and a close with the client's bytes
unread, which the kernel turns into a connection reset before the client reads anything.
"""

from __future__ import annotations

import json
import sys
from typing import Any

from uvicorn.protocols.http.h11_impl import H11Protocol

from graph.errors import error_body
from graph.sparql import MAX_QUERY_BYTES

# A GET query of MAX_QUERY_BYTES, percent-encoded (up to three bytes a byte), and the path.
MAX_URL_BYTES = 3 * MAX_QUERY_BYTES + 8 * 1024
# How long a thread holds Python's lock before it must yield to another that waits.
SWITCH_INTERVAL_S = 0.001
# What uvicorn buffers of a request head: the longest URL and room for the headers.
MAX_HEAD_BYTES = 512 * 1024
# How long a connection refused for its head is read from (and dropped) before it is closed.
LINGER_S = 5.0

_TOO_LONG = f"the URL is over the limit of {MAX_URL_BYTES:,} bytes; send a long query by POST"


def _error_json(status: int, code: str, message: str) -> bytes:
    return json.dumps(error_body(status, code, message), separators=(",", ":")).encode()


class UrlLengthLimit:
    """ASGI middleware: 414 for a URL over MAX_URL_BYTES, before any route reads it."""

    def __init__(self, app: Any, max_bytes: int = MAX_URL_BYTES) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            size = len(scope.get("raw_path") or scope["path"].encode())
            size += len(scope.get("query_string", b""))
            if size > self.max_bytes:
                body = _error_json(414, "uri_too_long", _TOO_LONG)
                await send(
                    {
                        "type": "http.response.start",
                        "status": 414,
                        "headers": [
                            (b"content-type", b"application/json"),
                            (b"content-length", str(len(body)).encode()),
                        ],
                    }
                )
                await send({"type": "http.response.body", "body": body})
                return
        await self.app(scope, receive, send)


class BoundedH11Protocol(H11Protocol):
    """uvicorn's h11 protocol that answers a head over the buffer limit with 414 (the request
    line is not yet complete: the URL is too long) or 431 (the headers are), in the one error
    shape, and then reads what the client still sends, so that it reads the answer."""

    _draining = False

    def data_received(self, data: bytes) -> None:
        """Drop what arrives after a refused head; otherwise as uvicorn does."""
        if not self._draining:
            super().data_received(data)

    def send_400_response(self, msg: str) -> None:
        """A head over the limit gets 414 or 431; any other malformed request, uvicorn's 400."""
        head, _ = self.conn.trailing_data
        limit = self.config.h11_max_incomplete_event_size
        if limit is None or len(head) <= limit:
            super().send_400_response(msg)
            return
        if b"\n" in head:
            status, code, message = 431, "headers_too_large", "the request headers are too large"
        else:
            status, code, message = 414, "uri_too_long", _TOO_LONG
        body = _error_json(status, code, message)
        reason = "URI Too Long" if status == 414 else "Request Header Fields Too Large"
        self.transport.write(
            f"HTTP/1.1 {status} {reason}\r\ncontent-type: application/json\r\n"
            f"content-length: {len(body)}\r\nconnection: close\r\n\r\n".encode()
            + body
        )
        self._draining = True
        if self.transport.can_write_eof():
            self.transport.write_eof()
        self.loop.call_later(LINGER_S, self.transport.close)


def serve(app: Any, host: str, port: int) -> None:
    """Run the app under uvicorn with civicgraph's request limits."""
    import uvicorn

    # Request threads let go of Python's lock for every row SQLite steps through and for every
    # call into the store, and each must then wait for the thread holding it to yield: every
    # SWITCH_INTERVAL_S at most, 5 ms by default, so that a keyword search of 2.5 ms took 35
    # to 85 ms beside one busy thread (8 ms at 1 ms)
    sys.setswitchinterval(SWITCH_INTERVAL_S)

    uvicorn.run(
        app,
        host=host,
        port=port,
        log_level="warning",
        http=BoundedH11Protocol,
        h11_max_incomplete_event_size=MAX_HEAD_BYTES,
    )
