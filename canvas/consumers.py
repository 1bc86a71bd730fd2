"""The canvas origin's `/s/<session>/ws`: ComfyUI's websocket relayed frame by frame, text and binary,
both ways. The backend is the session row's; the page must come from the canvas origin (Origin checked,
so another site cannot open the owner's socket with the owner's cookie)."""

from __future__ import annotations

import asyncio
import contextlib
import time
from typing import Any
from urllib.parse import urlsplit

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import WebSocketException

from canvas.cookies import cookie_user_id
from canvas.models import CanvasSession, SessionStatus

# Activity from a busy socket is written at most this often (services.ACTIVITY_RESOLUTION coalesces too).
TOUCH_EVERY_SECONDS = 30.0


def canvas_origin() -> str:
    parts = urlsplit(settings.CANVAS_BASE_URL)
    return f"{parts.scheme}://{parts.netloc}".lower()


@database_sync_to_async  # type: ignore[untyped-decorator]
def _load(session_public_id: str, user_id: int) -> CanvasSession | None:
    from canvas.selectors import session_for_proxy
    from canvas.services import session_touch

    session = session_for_proxy(session_public_id=session_public_id, user_id=user_id)
    if session is None or session.status != SessionStatus.READY:
        return None
    session_touch(session_id=session.pk)
    return session


@database_sync_to_async  # type: ignore[untyped-decorator]
def _touch(session_pk: int) -> None:
    from canvas.services import session_touch

    session_touch(session_id=session_pk)


class CanvasRelayConsumer(AsyncWebsocketConsumer):  # type: ignore[misc]  # channels ships no types
    upstream: ClientConnection | None = None
    pump: asyncio.Task[None] | None = None
    session: CanvasSession | None = None
    last_touch: float = 0.0

    def _header(self, name: bytes) -> str:
        values = [v.decode("latin-1") for k, v in self.scope["headers"] if k == name]
        return "; ".join(values)

    async def connect(self) -> None:
        session_id = self.scope["url_route"]["kwargs"]["session_id"]
        if self._header(b"origin").lower() != canvas_origin():
            await self.close()  # before accept: the handshake is refused with 403
            return
        user_id = cookie_user_id(self._header(b"cookie"), session_public_id=session_id)
        self.session = await _load(session_id, user_id) if user_id is not None else None
        if self.session is None:
            await self.close()
            return
        url = "ws" + self.session.backend_url.removeprefix("http") + "/ws"
        query = self.scope.get("query_string", b"").decode("latin-1")
        if query:
            url += "?" + query
        try:
            self.upstream = await connect(url, max_size=None, compression=None, open_timeout=10)
        except (OSError, WebSocketException, TimeoutError):
            await self.close()
            return
        await self.accept()
        self.last_touch = time.monotonic()
        self.pump = asyncio.create_task(self._pump(self.upstream))

    async def _pump(self, upstream: ClientConnection) -> None:
        """Backend → browser. Each send waits for the browser side, so a slow client slows the backend's
        reads (back-pressure) instead of filling memory."""
        with contextlib.suppress(WebSocketException, OSError):
            async for message in upstream:
                if isinstance(message, bytes):
                    await self.send(bytes_data=message)
                else:
                    await self.send(text_data=message)
        await self.close()

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        if self.upstream is None:
            return
        payload: str | bytes = text_data if text_data is not None else (bytes_data or b"")
        try:
            await self.upstream.send(payload)
        except WebSocketException:
            await self.close()
            return
        if self.session is not None and time.monotonic() - self.last_touch > TOUCH_EVERY_SECONDS:
            self.last_touch = time.monotonic()
            await _touch(self.session.pk)

    async def disconnect(self, code: Any) -> None:
        if self.pump is not None and self.pump is not asyncio.current_task():
            self.pump.cancel()
        if self.upstream is not None:
            with contextlib.suppress(WebSocketException, OSError):
                await self.upstream.close()
