"""Issue 14 item 1: bodies are refused at the edge, from the headers, before a byte is read.

Real ASGI calls into `comfyweb.asgi.application` (the whole stack, the lean /proxy path included), with a
`receive` that records every read and trickles the body one small chunk at a time.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from asgiref.sync import async_to_sync

from comfyweb.bodylimit import limit_for
from tests.billing.payments.helpers import api_key_for

pytestmark = pytest.mark.django_db(transaction=True)

GIB = 1024**3


class Trickle:
    """A client body: `chunks` pieces of `size` bytes, then the end; counts what the server read."""

    def __init__(self, *, chunks: int, size: int = 1024) -> None:
        self.left = chunks
        self.size = size
        self.reads = 0
        self.bytes_read = 0

    async def __call__(self) -> dict[str, Any]:
        self.reads += 1
        if self.left <= 0:
            return {"type": "http.disconnect"}
        self.left -= 1
        self.bytes_read += self.size
        return {"type": "http.request", "body": b"x" * self.size, "more_body": self.left > 0}


def call(
    method: str, path: str, headers: dict[str, str], receive: Trickle
) -> tuple[int, dict[str, str], bytes]:
    from comfyweb.asgi import application

    sent: list[dict[str, Any]] = []

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [
            (b"host", b"testserver"),
            *[(k.lower().encode(), v.encode()) for k, v in headers.items()],
        ],
        "client": ("127.0.0.1", 50000),
        "server": ("testserver", 80),
    }
    async_to_sync(application)(scope, receive, send)
    start = next(m for m in sent if m["type"] == "http.response.start")
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return start["status"], {k.decode(): v.decode() for k, v in start["headers"]}, body


def assert_error(body: bytes, error_type: str) -> None:
    data = json.loads(body)
    assert data["error"]["type"] == error_type
    assert data["code"] == error_type.upper()
    assert data["message"] == data["error"]["message"]


@pytest.mark.parametrize(
    "path",
    ["/proxy/openai/images/generations", "/customers/credit", "/login", "/billing/stripe/webhook"],
)
def test_a_declared_2_gib_body_is_refused_with_413_before_a_byte_is_read(owner: Any, path: str) -> None:
    body = Trickle(chunks=2 * GIB // 1024)
    headers = {"content-length": str(2 * GIB), "content-type": "application/json"}
    headers["x-api-key"] = api_key_for(owner)
    status, response_headers, content = call("POST", path, headers, body)
    assert status == 413
    assert_error(content, "payload_too_large")
    assert body.reads == 0
    assert response_headers["connection"] == "close"


@pytest.mark.parametrize("path", ["/proxy/openai/images/generations", "/customers/credit"])
def test_no_credential_is_a_401_before_the_body_is_read(db: None, path: str) -> None:
    body = Trickle(chunks=800 * 1024)  # 800 MiB if it were read
    status, _headers, content = call("POST", path, {"content-length": str(800 * 1024 * 1024)}, body)
    assert status == 401
    assert_error(content, "unauthorized")
    assert body.reads == 0


def test_a_chunked_body_with_no_credential_is_refused_unread(db: None) -> None:
    body = Trickle(chunks=10)
    status, _headers, _content = call(
        "POST", "/proxy/recraft/v1/images/generations", {"transfer-encoding": "chunked"}, body
    )
    assert (status, body.reads) == (401, 0)


def test_a_trickled_chunked_body_stops_at_the_limit(owner: Any, settings: Any) -> None:
    limit = limit_for("POST", "/customers/credit").max_bytes
    body = Trickle(chunks=100_000)  # ~100 MiB offered one KiB at a time
    headers = {"transfer-encoding": "chunked", "x-api-key": api_key_for(owner)}
    status, _headers, content = call("POST", "/customers/credit", headers, body)
    assert status == 413
    assert_error(content, "payload_too_large")
    # Read up to the limit plus the one chunk that crossed it, never the rest.
    assert limit < body.bytes_read <= limit + 1024


def test_a_body_within_the_limit_reaches_the_view(owner: Any) -> None:
    payload = json.dumps({"amount_micros": 1}).encode()
    headers = {"content-length": str(len(payload)), "content-type": "application/json"}
    headers["x-api-key"] = api_key_for(owner)

    class Once(Trickle):
        async def __call__(self) -> dict[str, Any]:
            self.reads += 1
            if self.reads > 1:  # the client stays connected while the view runs
                await asyncio.sleep(3600)
            return {"type": "http.request", "body": payload, "more_body": False}

    status, _headers, content = call("POST", "/customers/credit", headers, Once(chunks=1))
    # The view ran: the amount is refused by the product rule, not by the edge.
    assert status == 400
    assert json.loads(content)["error"]["type"] == "invalid_amount"


def test_the_proxy_edge_limit_is_the_route_s_own_cap() -> None:
    from nodes.vendors import VENDORS

    json_route = limit_for("POST", "/proxy/openai/images/generations")
    multipart_route = limit_for("POST", "/proxy/openai/images/edits")
    caps = {
        (route.method, route.path): route.max_bytes
        for route in VENDORS["openai"].routes
        if route.path in {"images/generations", "images/edits"}
    }
    assert json_route.max_bytes == caps[("POST", "images/generations")]
    assert multipart_route.max_bytes == caps[("POST", "images/edits")]
    assert json_route.needs_credential
    assert multipart_route.needs_credential
    # The BFL signed polling URL is public: no credential is demanded at the edge.
    assert not limit_for("GET", "/proxy/bfl/poll/" + "a" * 40).needs_credential


def test_forms_are_small_and_uploads_big(settings: Any) -> None:
    assert limit_for("POST", "/login").max_bytes == settings.BODY_LIMIT_DEFAULT_BYTES <= 256 * 1024
    assert limit_for("PUT", "/storage/upload/x").max_bytes == settings.UPLOAD_MAX_BYTES
    assert limit_for("POST", "/customers/storage").max_bytes <= 64 * 1024
