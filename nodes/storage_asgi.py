"""An ASGI guard for the unauthenticated upload PUT.

Under ASGI, Django spools a whole request body to a temporary file before any view runs, so the view's own
size check (nodes.storage) comes only after an oversize body has been written to disk. This guard, wrapped
around the Django app, refuses an upload whose Content-Length is above UPLOAD_MAX_BYTES before reading a
byte, and answers 413 to a chunked body (no Content-Length) as soon as it passes the limit (quality.md B-04),
telling Django the client went away so no view runs.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from django.conf import settings

from comfyweb.errors import error_body

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
# Loose on purpose: Django, Channels and test apps each type scope and messages a little differently.
ASGIApp = Callable[[Any, Any, Any], Awaitable[None]]

UPLOAD_PATH_PREFIX = "/storage/upload/"


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", []):
        if name == b"content-length":
            text = value.decode("latin-1")
            return int(text) if text.isascii() and text.isdigit() else None
    return None


async def _refuse_too_large(send: Send, limit: int) -> None:
    body = json.dumps(error_body("payload_too_large", f"Uploads may be at most {limit} bytes.")).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": 413, "headers": headers})
    await send({"type": "http.response.body", "body": body})


class UploadSizeGuard:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        guarded = (
            scope["type"] == "http"
            and scope.get("method") == "PUT"
            and str(scope.get("path", "")).startswith(UPLOAD_PATH_PREFIX)
        )
        if not guarded:
            await self.app(scope, receive, send)
            return
        limit = settings.UPLOAD_MAX_BYTES
        declared = _content_length(scope)
        if declared is not None and declared > limit:
            await _refuse_too_large(send, limit)
            return
        await _CountingCall(self.app, limit).run(scope, receive, send)


class _CountingCall:
    """One chunked upload: counts body bytes and answers 413 itself once they pass the limit."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit
        self.received = 0
        self.refused = False

    async def run(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def counted() -> Message:
            message = await receive()
            if message["type"] == "http.request" and not self.refused:
                self.received += len(message.get("body", b""))
                if self.received > self.limit:
                    self.refused = True
                    await _refuse_too_large(send, self.limit)
            # Django raises RequestAborted on a disconnect: the body is dropped and no view runs.
            return {"type": "http.disconnect"} if self.refused else message

        async def guarded_send(message: Message) -> None:
            if not self.refused:
                await send(message)

        await self.app(scope, counted, guarded_send)
