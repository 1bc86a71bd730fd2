"""Under ASGI the upload PUT is size-checked before Django spools the body (nodes/storage_asgi.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest
from asgiref.sync import async_to_sync

from accounts.models import User
from nodes.storage import storage_slot_create
from nodes.storage_asgi import UploadSizeGuard

LIMIT = 1000
# Django closes stale connections at the end of every ASGI request, which touches the database layer.
pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def small_uploads(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = str(tmp_path)
    settings.UPLOAD_MAX_BYTES = LIMIT
    return tmp_path


def upload_path() -> str:
    # An unsaved user is enough: slots are signed tokens, no row is read or written.
    slot = storage_slot_create(user=User(email="asgi@example.com"), file_name="a.bin", content_type="")
    return slot.upload_url.removeprefix("http://127.0.0.1:8000")


def asgi_put(path: str, content: bytes) -> httpx.Response:
    from comfyweb.asgi import application

    async def run() -> httpx.Response:
        transport = httpx.ASGITransport(app=application)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            return await client.put(path, content=content)

    return async_to_sync(run)()


def stored(root: Path) -> list[Path]:
    return [path for path in root.rglob("*") if path.is_file()]


def test_it_stores_an_upload_within_the_limit_through_asgi(small_uploads: Path) -> None:
    response = asgi_put(upload_path(), b"x" * LIMIT)
    assert response.status_code == 200
    assert [path.stat().st_size for path in stored(small_uploads)] == [LIMIT]


def test_it_refuses_a_declared_oversize_upload_before_reading_it(small_uploads: Path) -> None:
    response = asgi_put(upload_path(), b"x" * (LIMIT + 1))
    assert response.status_code == 413
    assert response.json()["error"]["type"] == "payload_too_large"
    assert stored(small_uploads) == []


def test_it_answers_413_to_an_undeclared_body_past_the_limit() -> None:
    """Chunked bodies carry no Content-Length: the guard answers 413 and the app sees a disconnect."""
    seen: list[dict[str, Any]] = []
    sent: list[dict[str, Any]] = []
    chunks = [{"type": "http.request", "body": b"x" * 600, "more_body": True}] * 3

    async def app(scope: Any, receive: Any, send: Any) -> None:
        while True:
            message = await receive()
            seen.append(message)
            if message["type"] == "http.disconnect" or not message.get("more_body"):
                return

    async def receive() -> dict[str, Any]:
        return chunks.pop(0)

    async def send(message: Any) -> None:
        sent.append(message)

    scope = {"type": "http", "method": "PUT", "path": "/storage/upload/t", "headers": []}
    async_to_sync(UploadSizeGuard(app))(scope, receive, send)
    assert [message["type"] for message in seen] == ["http.request", "http.disconnect"]
    assert sent[0]["type"] == "http.response.start"
    assert sent[0]["status"] == 413
    assert b"payload_too_large" in sent[1]["body"]


def test_it_leaves_other_requests_alone() -> None:
    calls: list[str] = []

    async def app(scope: Any, receive: Any, send: Any) -> None:
        calls.append(scope["path"])

    scope = {"type": "http", "method": "PUT", "path": "/other", "headers": [(b"content-length", b"999999")]}
    async_to_sync(UploadSizeGuard(app))(scope, None, None)
    assert calls == ["/other"]


def test_it_refuses_a_chunked_oversize_upload_through_asgi(small_uploads: Path) -> None:
    from comfyweb.asgi import application

    async def chunks() -> Any:
        for _ in range(3):
            yield b"x" * 600

    async def run() -> httpx.Response:
        transport = httpx.ASGITransport(app=application)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            return await client.put(upload_path(), content=chunks())

    response = async_to_sync(run)()
    assert response.status_code == 413
    assert stored(small_uploads) == []
