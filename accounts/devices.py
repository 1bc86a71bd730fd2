"""Devices: one row per signed-in browser session.

DeviceMiddleware keeps the row fresh (last_seen_at, coalesced to one write per minute) and signs a browser
out on its next request once its device has been revoked. Rows are created by the user_logged_in signal
(accounts.signals); the middleware only creates one for a session that predates device tracking.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable

from asgiref.sync import sync_to_async
from django.conf import settings
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase

from accounts.models import Device
from accounts.services.devices import device_register, device_touch
from comfyweb.middleware import HybridMiddleware


def client_ip(request: HttpRequest) -> str | None:
    # REMOTE_ADDR only: a reverse proxy in front must set it (X-Forwarded-For is client-controlled).
    return request.META.get("REMOTE_ADDR") or None


class DeviceMiddleware(HybridMiddleware):
    def __call__(self, request: HttpRequest) -> HttpResponse | Awaitable[HttpResponse]:
        if self._is_async:
            return self._acall(request)
        if self._has_session_cookie(request):
            self._check(request)
        response = self.get_response(request)
        assert isinstance(response, HttpResponseBase)
        return response

    async def _acall(self, request: HttpRequest) -> HttpResponse:
        # API clients (ComfyUI on /proxy/) send no session cookie: no thread hop, no query.
        if self._has_session_cookie(request):
            await sync_to_async(self._check)(request)
        return await self.get_response(request)  # type: ignore[misc,no-any-return]

    @staticmethod
    def _has_session_cookie(request: HttpRequest) -> bool:
        return settings.SESSION_COOKIE_NAME in request.COOKIES

    @staticmethod
    def _check(request: HttpRequest) -> None:
        session_key = request.session.session_key
        if not session_key or not request.user.is_authenticated:
            return
        device = Device.objects.filter(session_key=session_key).first()
        if device is None:
            device = device_register(
                user=request.user,
                session_key=session_key,
                user_agent=request.headers.get("user-agent", ""),
                ip_address=client_ip(request),
            )
        elif device.revoked_at is not None or device.user_id != request.user.pk:
            # Revoked from another browser: sign this one out now, before the view runs.
            logout(request)
            return
        else:
            device_touch(device=device, ip_address=client_ip(request))
        request.device = device  # type: ignore[attr-defined]


# --- "Chrome on Linux" -------------------------------------------------------------------------------------

# Order matters: Edge and Opera also say "Chrome", Chrome also says "Safari".
_BROWSERS = [
    ("Edge", re.compile(r"\bEdg(e|A|iOS)?/")),
    ("Opera", re.compile(r"\bOPR/|\bOpera\b")),
    ("Samsung Internet", re.compile(r"SamsungBrowser/")),
    ("Firefox", re.compile(r"\b(Firefox|FxiOS)/")),
    ("Chromium", re.compile(r"\bChromium/")),
    ("Chrome", re.compile(r"(Chrome|CriOS)/")),  # also "HeadlessChrome/"
    ("Safari", re.compile(r"\bSafari/")),
    ("curl", re.compile(r"^curl/")),
    ("Python", re.compile(r"python-requests|python-httpx|aiohttp|Python-urllib")),
]
_SYSTEMS = [
    ("iOS", re.compile(r"iPhone|iPad|iPod")),
    ("Android", re.compile(r"Android")),
    ("ChromeOS", re.compile(r"CrOS")),
    ("Windows", re.compile(r"Windows")),
    ("macOS", re.compile(r"Mac OS X|Macintosh")),
    ("Linux", re.compile(r"Linux|X11")),
]


def user_agent_summary(user_agent: str) -> str:
    """A short, human label for a User-Agent string; the raw string is shown beside it on hover."""
    browser = next((name for name, pattern in _BROWSERS if pattern.search(user_agent)), None)
    system = next((name for name, pattern in _SYSTEMS if pattern.search(user_agent)), None)
    if browser and system:
        return f"{browser} on {system}"
    if browser or system:
        return browser or f"A browser on {system}"
    return "Unknown browser"
