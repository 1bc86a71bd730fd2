"""Refuse request bodies at the edge, before anyone reads them (quality.md B-04, issue 14 item 1).

Under ASGI, Django reads a whole request body (spooling it to disk past DATA_UPLOAD_MAX_MEMORY_SIZE) before
any middleware or view runs, so a client declaring 2 GiB and trickling it would hold a worker and fill the
temporary directory, and a caller without a key would get its 401 only after the last byte. This wrapper,
around the whole application (comfyweb/asgi.py, the lean /proxy path included), decides from the headers:

- a route that needs a credential (settings.BODY_LIMITS) and a request that carries a body but neither an
  `X-API-KEY` nor an `Authorization` header: 401 at once, no body byte read;
- a `Content-Length` above the route's limit: 413 at once, no body byte read;
- otherwise the body is counted as it streams (chunked bodies, or more bytes than declared): at the limit
  the client gets 413 and the application is told the client went away, so no view runs.

Every refusal is in the one error shape (comfyweb.errors) and closes the connection.
"""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from django.conf import settings

from comfyweb.errors import error_body

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Any, Any, Any], Awaitable[None]]

PROXY_PREFIX = "/proxy/"
# Said exactly as the views say it (comfyweb.auth), so an early 401 reads like a late one.
MISSING_CREDENTIAL = "Sign in to use this: send your API key in the X-API-KEY header (or a platform token)."


@dataclass(frozen=True)
class Limit:
    max_bytes: int
    needs_credential: bool


def _headers(scope: Scope) -> dict[bytes, bytes]:
    # Repeated headers: the first wins for our purposes (a second Content-Length is refused by servers).
    found: dict[bytes, bytes] = {}
    for name, value in scope.get("headers", ()):
        found.setdefault(bytes(name).lower(), bytes(value))
    return found


def _declared_length(headers: dict[bytes, bytes]) -> int | None:
    value = headers.get(b"content-length")
    if value is None:
        return None
    text = value.decode("latin-1").strip()
    # Not a plain number: servers refuse it; count as "unknown, streamed" here.
    return int(text) if text.isascii() and text.isdigit() and len(text) <= 19 else None


def _has_body(headers: dict[bytes, bytes], declared: int | None) -> bool:
    if declared is not None:
        return declared > 0
    return b"transfer-encoding" in headers or b"content-length" in headers


def _has_credential(headers: dict[bytes, bytes]) -> bool:
    return bool(headers.get(b"x-api-key", b"").strip()) or b"authorization" in headers


@lru_cache(maxsize=1)
def _proxy_routes() -> tuple[tuple[str, str, re.Pattern[str], int, bool], ...]:
    """(vendor, method, path pattern, max_bytes, public) of every /proxy route (the engine's table)."""
    from nodes.vendors import VENDORS

    rows = []
    for vendor in VENDORS.values():
        for route in vendor.routes:
            # Each {slot} segment (typed, or an {a|b} choice) is one path segment; the rest is literal.
            segments = (
                "[^/]+" if part.startswith("{") and part.endswith("}") else re.escape(part)
                for part in route.path.split("/")
            )
            pattern = "/".join(segments)
            rows.append((vendor.name, route.method, re.compile(pattern), route.max_bytes, route.public))
    return tuple(rows)


def _proxy_limit(method: str, path: str, ceiling: int) -> Limit:
    """A /proxy call's own route limit (its `max_bytes`), so the engine's per-route caps hold at the edge;
    an unknown route gets the ceiling (the view answers 404 or 405, after the credential check)."""
    vendor_name, _, sub = path.removeprefix(PROXY_PREFIX).partition("/")
    for vendor, route_method, pattern, max_bytes, public in _proxy_routes():
        if vendor == vendor_name and route_method == method and pattern.fullmatch(sub):
            return Limit(min(max_bytes, ceiling), needs_credential=not public)
    return Limit(ceiling, needs_credential=True)


def limit_for(method: str, path: str) -> Limit:
    """The body limit of one request, from settings.BODY_LIMITS (first matching prefix wins)."""
    for prefix, max_bytes, needs_credential in settings.BODY_LIMITS:
        if path.startswith(prefix):
            if prefix == PROXY_PREFIX:
                return _proxy_limit(method, path, max_bytes)
            return Limit(max_bytes, needs_credential)
    return Limit(settings.BODY_LIMIT_DEFAULT_BYTES, needs_credential=False)


def _security_headers(scope: Scope) -> list[tuple[bytes, bytes]]:
    """What Django's SecurityMiddleware adds to every answer, so an edge refusal is dressed alike."""
    headers: list[tuple[bytes, bytes]] = []
    if settings.SECURE_CONTENT_TYPE_NOSNIFF:
        headers.append((b"x-content-type-options", b"nosniff"))
    if settings.SECURE_REFERRER_POLICY:
        headers.append((b"referrer-policy", str(settings.SECURE_REFERRER_POLICY).encode()))
    if settings.SECURE_CROSS_ORIGIN_OPENER_POLICY:
        headers.append(
            (b"cross-origin-opener-policy", str(settings.SECURE_CROSS_ORIGIN_OPENER_POLICY).encode())
        )
    if settings.SECURE_HSTS_SECONDS and scope.get("scheme") == "https":
        hsts = f"max-age={settings.SECURE_HSTS_SECONDS}"
        if settings.SECURE_HSTS_INCLUDE_SUBDOMAINS:
            hsts += "; includeSubDomains"
        if settings.SECURE_HSTS_PRELOAD:
            hsts += "; preload"
        headers.append((b"strict-transport-security", hsts.encode()))
    return headers


async def _refuse(send: Send, scope: Scope, status: int, error_type: str, message: str) -> None:
    body = json.dumps(error_body(error_type, message)).encode()
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
        (b"cache-control", b"no-store"),
        # The unread rest of the body must not be parsed as the next request on this connection.
        (b"connection", b"close"),
        *_security_headers(scope),
    ]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def _too_large(limit: int) -> str:
    return f"The request body is larger than this route's limit of {limit} bytes."


class BodyLimit:
    """The ASGI wrapper (see the module docstring)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = _headers(scope)
        declared = _declared_length(headers)
        limit = limit_for(str(scope.get("method", "")), str(scope.get("path", "")))
        if limit.needs_credential and _has_body(headers, declared) and not _has_credential(headers):
            await _refuse(send, scope, 401, "unauthorized", MISSING_CREDENTIAL)
            return
        if declared is not None and declared > limit.max_bytes:
            await _refuse(send, scope, 413, "payload_too_large", _too_large(limit.max_bytes))
            return
        await _CountedCall(self.app, limit.max_bytes).run(scope, receive, send)


class _CountedCall:
    """One request whose body is counted as it arrives; past the limit it answers 413 itself."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit
        self.received = 0
        self.refused = False
        self.started = False

    async def run(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def counted() -> Message:
            if self.refused:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                self.received += len(message.get("body", b""))
                if self.received > self.limit:
                    self.refused = True
                    if not self.started:
                        await _refuse(send, scope, 413, "payload_too_large", _too_large(self.limit))
                    # Django raises RequestAborted on a disconnect: the body is dropped and no view runs.
                    return {"type": "http.disconnect"}
            return message

        async def guarded_send(message: Message) -> None:
            if self.refused:
                return
            if message["type"] == "http.response.start":
                self.started = True
            await send(message)

        await self.app(scope, counted, guarded_send)
