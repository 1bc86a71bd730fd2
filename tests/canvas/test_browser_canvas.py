"""The real stock frontend (comfyui-frontend-package) through the proxy, in Debian's chromium: the user
opens ComfyUI from the platform, the canvas loads on its own origin inside the platform frame, its
websocket connects, a queued prompt carries the session's key, and the frame's End session closes it."""

from __future__ import annotations

import time
from typing import Any

import httpx
import pytest
from django.test import Client

from canvas.models import CanvasSession, SessionStatus
from canvas.services import session_key_plaintext
from tests.browser.conftest import CHROMIUM_ARGS, browser, chromium_path  # noqa: F401 - fixtures
from tests.canvas.conftest import Platform

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def frontend_root() -> str:
    frontend = pytest.importorskip("comfyui_frontend_package")
    from pathlib import Path

    return str(Path(frontend.__file__).parent / "static")


def _signed_in_context(browser: Any, platform: Platform, user: Any) -> Any:  # noqa: F811
    client = Client()
    client.force_login(user)
    # The TLS test's certificate is self-signed; nothing else here is https.
    context = browser.new_context(viewport={"width": 1280, "height": 860}, ignore_https_errors=True)
    context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": platform.url}]
    )
    return context


def _frame(page: Any, url: str) -> Any:
    """The canvas iframe inside the platform frame, once it has navigated."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        found = next((frame for frame in page.frames if frame.url == url), None)
        if found is not None:
            return found
        page.wait_for_timeout(100)
    raise AssertionError(f"no frame at {url}: {[frame.url for frame in page.frames]}")


def test_the_stock_frontend_runs_logged_in_through_the_proxy(
    canvas_platform: Platform,
    browser: Any,  # noqa: F811 - the fixture imported above
    frontend_root: str,
    settings: Any,
    owner: Any,
) -> None:
    settings.CANVAS_COMFYUI_EXTRA_ARGS = f"--front-end-root {frontend_root}"
    context = _signed_in_context(browser, canvas_platform, owner)
    page = context.new_page()
    page.set_default_timeout(30_000)
    sockets: list[Any] = []
    # A lambda, not the bound method: Playwright tags its handlers with an attribute, which builtins refuse.
    page.on("websocket", lambda ws: sockets.append(ws))  # noqa: PLW0108
    customers: list[Any] = []
    page.on(
        "response",
        lambda r: customers.append(r) if r.url.startswith(canvas_platform.url + "/customers") else None,
    )

    page.goto(canvas_platform.url + "/canvas")
    page.click("text=Open ComfyUI")
    # The start page polls, then hands over to the canvas origin with a ticket, into the platform frame.
    page.wait_for_url(f"{canvas_platform.canvas}/s/*/_platform/frame", timeout=60_000)
    session = CanvasSession.objects.get(user=owner)
    canvas_url = f"{canvas_platform.canvas}/s/{session.public_id}/"
    assert page.url == canvas_url + "_platform/frame"
    assert page.inner_text("[data-testid=frame-balance]") == "0"
    canvas = _frame(page, canvas_url)
    canvas.wait_for_function("() => window.app && window.app.graph", timeout=60_000)
    assert any(f"/s/{session.public_id}/ws" in ws.url for ws in sockets)
    assert not any(ws.is_closed() for ws in sockets if f"/s/{session.public_id}/ws" in ws.url)

    # Over plain http the frame keeps the session key out of the frontend's storage: frontends from 1.55
    # would try it on api.comfy.org (they ignore an http base) and report it as a key without an account.
    assert canvas.evaluate("() => localStorage.getItem('comfy_api_key')") is None
    features = canvas.evaluate("async () => (await fetch('api/features')).json()")
    assert features["comfy_api_base_url"] == canvas_platform.url
    canvas.evaluate(
        "async () => { const { api } = await import('./scripts/api.js');"
        " await api.queuePrompt(0, { output: {}, workflow: {} }); }"
    )
    history = httpx.get(session.backend_url + "/api/history").json()
    extras = [entry["prompt"][3] for entry in history.values()]
    assert extras
    assert all(extra["api_key_comfy_org"] == session_key_plaintext(session) for extra in extras)
    # The frontend's own page never saw the platform's cookie: the canvas origin has only its own.
    canvas_cookies = context.cookies(canvas_url)
    assert {c["name"] for c in canvas_cookies} == {"canvas_session"}
    assert all(c["httpOnly"] for c in canvas_cookies)

    page.once("dialog", lambda dialog: dialog.accept())
    page.click("[data-testid=frame-end]")
    page.wait_for_selector("[data-testid=frame-ended]", state="visible")
    assert "Ended by the user" in page.inner_text("[data-testid=frame-ended]")
    session.refresh_from_db()
    assert session.status == SessionStatus.ENDED
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and not all(ws.is_closed() for ws in sockets):
        page.wait_for_timeout(100)
    assert all(ws.is_closed() for ws in sockets)
    assert page.goto(page.url).status == 410
    context.close()
