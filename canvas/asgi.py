"""Requests for the canvas origin (CANVAS_BASE_URL's host) go to the canvas proxy; everything else to the
platform. The split is by Host, so the canvas never shares an origin (or a cookie) with the platform."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from channels.routing import ProtocolTypeRouter, URLRouter
from django.conf import settings
from django.urls import re_path

from canvas.consumers import CanvasRelayConsumer
from canvas.proxy import CanvasHttpProxy, Receive, Send

_UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"


def canvas_application() -> Any:
    return ProtocolTypeRouter(
        {
            "http": CanvasHttpProxy(),
            "websocket": URLRouter(
                [re_path(rf"^s/(?P<session_id>{_UUID})/ws$", CanvasRelayConsumer.as_asgi())]
            ),
        }
    )


def canvas_host() -> str:
    return (urlsplit(settings.CANVAS_BASE_URL).hostname or "") if settings.CANVAS_BASE_URL else ""


def _host_of(scope: dict[str, Any]) -> str:
    for key, value in scope.get("headers", []):
        if key == b"host":
            host = value.decode("latin-1").lower()
            return urlsplit(f"//{host}").hostname or ""
    return ""


# Header-authenticated platform APIs answer on the canvas host too (cookies are never credentials there,
# so sharing the host gives a canvas page nothing): on the one-command run the canvas host is `localhost`,
# and a ComfyUI started with `--comfy-api-base http://localhost:8000` must still reach the platform.
PLATFORM_API_PREFIXES = ("/proxy/", "/customers", "/releases")


class CanvasHostRouter:
    def __init__(self, platform: Any) -> None:
        self.platform = platform
        self.canvas = canvas_application()

    async def __call__(self, scope: dict[str, Any], receive: Receive, send: Send) -> None:
        host = canvas_host()
        api = scope["type"] == "http" and str(scope.get("path", "")).startswith(PLATFORM_API_PREFIXES)
        if host and not api and scope["type"] in ("http", "websocket") and _host_of(scope) == host:
            await self.canvas(scope, receive, send)
            return
        await self.platform(scope, receive, send)
