"""Request guards in front of the app: body type and size, and unhandled errors.

:class:`BodyGuard` answers before any route runs: an API write whose body is neither JSON nor
multipart gets 415, a body above its limit gets 413 (declared ``Content-Length`` or counted
while it streams). :func:`log_unhandled` logs a server error by type and stack only: the
message of an exception may carry request values (a password in a validation error), so it
is never logged, and neither is any request body.
"""

from __future__ import annotations

import json
import logging
import re
import traceback
from typing import Any

__all__ = ["MAX_RECORD_ID", "BodyGuard", "BodyTooLarge", "IdGuard", "log_unhandled", "send_error"]

_LOG = logging.getLogger("runnersknee.web")
_API_TYPES = ("application/json", "multipart/form-data")
_UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}
#: Record numbers are 32-bit on every database (PostgreSQL INTEGER); larger ones cannot exist.
MAX_RECORD_ID = 2**31 - 1
_NUMBER = re.compile(r"^[+-]?\d+$")
_NOT_FOUND_PAGE = (
    b"<!doctype html><html lang=en><meta charset=utf-8><title>Not found</title>"
    b"<p>No such page or record. <a href=/>Start page</a></p></html>"
)


class BodyTooLarge(Exception):
    """The request body streamed past its limit."""


async def send_error(send: Any, status: int, code: str, message: str, **extra: str) -> None:
    """Send a JSON error in the app's one error shape (before the response has started)."""
    body = json.dumps({"error": {"code": code, "message": message}}).encode()
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
        *((name.encode(), value.encode()) for name, value in extra.items()),
    ]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def log_unhandled(scope: Any, error: BaseException) -> None:
    """Log an unhandled error: method, path, exception type and stack (never its message)."""
    stack = "".join(traceback.format_tb(error.__traceback__))
    _LOG.error(
        "unhandled %s on %s %s\n%s",
        type(error).__name__,
        scope.get("method", "?"),
        scope.get("path", "?"),
        stack,
    )


class IdGuard:
    """404 for a path with a number no record can have (beyond 32 bits), before any route."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http" and _impossible_id(scope["path"]):
            if scope["path"].startswith("/api/"):
                await send_error(send, 404, "not_found", "no such page or resource")
                return
            headers = [(b"content-type", b"text/html; charset=utf-8")]
            await send({"type": "http.response.start", "status": 404, "headers": headers})
            await send({"type": "http.response.body", "body": _NOT_FOUND_PAGE})
            return
        await self.app(scope, receive, send)


def _impossible_id(path: str) -> bool:
    return any(
        _NUMBER.match(part) and abs(int(part)) > MAX_RECORD_ID
        for part in path.split("/")
        if len(part) > 9
    )


class BodyGuard:
    """415 for an API write that is not JSON or multipart; 413 above the size limits."""

    def __init__(self, app: Any, max_json_bytes: int, max_upload_bytes: int) -> None:
        self.app = app
        self.max_json_bytes = max_json_bytes
        self.max_upload_bytes = max_upload_bytes

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or scope["method"] not in _UNSAFE:
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        kind = headers.get(b"content-type", b"").decode("latin-1").split(";")[0].strip().lower()
        declared = headers.get(b"content-length", b"").decode("latin-1")
        has_body = b"transfer-encoding" in headers or declared not in ("", "0")
        if has_body and scope["path"].startswith("/api/") and kind not in _API_TYPES:
            await send_error(
                send, 415, "unsupported_media_type", "send the body as application/json"
            )
            return
        limit = self.max_upload_bytes if kind == "multipart/form-data" else self.max_json_bytes
        if declared.isdigit() and int(declared) > limit:
            await _too_large(send, limit)
            return
        await self._counted(scope, receive, send, limit)

    async def _counted(self, scope: Any, receive: Any, send: Any, limit: int) -> None:
        seen = 0
        started = False

        async def counting_receive() -> Any:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise BodyTooLarge
            return message

        async def watching_send(message: Any) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counting_receive, watching_send)
        except BodyTooLarge:
            if not started:
                await _too_large(send, limit)


async def _too_large(send: Any, limit: int) -> None:
    mb = f"{limit / 1e6:.1f} MB"
    await send_error(send, 413, "too_large", f"the request body is above the limit of {mb}")
