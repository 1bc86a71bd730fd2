"""The stock frontend's account panel over https, as behind a deployment's TLS proxy (the certificate is
self-signed here): the frame hands the frontend the session's own key, and the frontend signs in to this
platform with it. Run with ComfyUI 0.30.0's frontend (1.48.7) and the newer one of the dev extras."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest

from canvas.models import CanvasSession
from canvas.services import session_key_plaintext
from tests.browser.conftest import browser, chromium_path  # noqa: F401 - fixtures
from tests.canvas.conftest import Platform
from tests.canvas.test_browser_canvas import _frame, _signed_in_context
from tests.nodes.conftest import fund_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
# Installed by `make install-dev` beside the dev extras' newer frontend (Makefile FRONTEND_0300).
FRONTEND_0300 = Path(sys.prefix) / "frontends" / "1.48.7" / "comfyui_frontend_package" / "static"


def _frontend(version: str) -> Path:
    if version == "1.48.7":
        assert FRONTEND_0300.is_dir(), "ComfyUI 0.30.0's frontend is missing: run `make install-dev`"
        return FRONTEND_0300
    import comfyui_frontend_package

    return Path(comfyui_frontend_package.__file__).parent / "static"


@pytest.mark.parametrize("version", ["1.48.7", "1.58.1"])
def test_over_https_the_account_panel_signs_in_with_the_session_key(
    canvas_platform_tls: Platform,
    browser: Any,  # noqa: F811 - the fixture imported above
    settings: Any,
    owner: Any,
    version: str,
) -> None:
    settings.CANVAS_COMFYUI_EXTRA_ARGS = f"--front-end-root {_frontend(version)}"
    fund_user(owner, 5_000_000)  # $5: 1,055 credits at the frontend's 211 per dollar
    context = _signed_in_context(browser, canvas_platform_tls, owner)
    page = context.new_page()
    page.set_default_timeout(30_000)
    # (method path, status, the X-API-KEY it carried) of every call the pages made to the platform's API.
    calls: list[tuple[str, int, str]] = []
    api = canvas_platform_tls.url + "/customers"
    page.on(
        "response",
        lambda r: (
            calls.append(
                (
                    f"{r.request.method} {r.url.removeprefix(canvas_platform_tls.url)}",
                    r.status,
                    r.request.headers.get("x-api-key", ""),
                )
            )
            if r.url.startswith(api)
            else None
        ),
    )
    page.goto(canvas_platform_tls.url + "/canvas")
    page.click("text=Open ComfyUI")
    page.wait_for_url(f"{canvas_platform_tls.canvas}/s/*/_platform/frame", timeout=60_000)
    session = CanvasSession.objects.get(user=owner)
    key = session_key_plaintext(session)
    canvas = _frame(page, f"{canvas_platform_tls.canvas}/s/{session.public_id}/")
    canvas.wait_for_function("() => window.app && window.app.graph", timeout=60_000)
    assert page.inner_text("[data-testid=frame-balance]") == "1,055"
    # Over https the frame stores the session's key where "Log in with API key" would.
    assert canvas.evaluate("() => localStorage.getItem('comfy_api_key')") == key

    canvas.click("[data-testid=current-user-button]")
    canvas.get_by_text(owner.email).wait_for(state="visible")  # the account popover: signed in as the owner
    assert ("POST /customers", 201, key) in calls  # the frontend registered the customer with the key
    assert all(sent == key for _call, _status, sent in calls)
    if version == "1.48.7":
        # ComfyUI 0.30.0's frontend reads the balance from this platform and shows the frame's figure.
        canvas.get_by_text("1,055", exact=True).wait_for(state="visible")
        assert ("GET /customers/balance", 200, key) in calls
    context.close()


def test_over_http_only_a_frontend_before_1_55_gets_the_session_key(
    canvas_platform: Platform,
    browser: Any,  # noqa: F811 - the fixture imported above
    settings: Any,
    owner: Any,
) -> None:
    """The one-command run is plain http: ComfyUI 0.30.0's frontend (1.48.7) still takes the platform as
    its API base there, so the frame hands it the key and its account panel shows the balance."""
    settings.CANVAS_COMFYUI_EXTRA_ARGS = f"--front-end-root {_frontend('1.48.7')}"
    fund_user(owner, 5_000_000)
    context = _signed_in_context(browser, canvas_platform, owner)
    page = context.new_page()
    page.set_default_timeout(30_000)
    page.goto(canvas_platform.url + "/canvas")
    page.click("text=Open ComfyUI")
    page.wait_for_url(f"{canvas_platform.canvas}/s/*/_platform/frame", timeout=60_000)
    session = CanvasSession.objects.get(user=owner)
    canvas = _frame(page, f"{canvas_platform.canvas}/s/{session.public_id}/")
    canvas.wait_for_function("() => window.app && window.app.graph", timeout=60_000)
    assert canvas.evaluate("() => localStorage.getItem('comfy_api_key')") == session_key_plaintext(session)
    canvas.click("[data-testid=current-user-button]")
    canvas.get_by_text(owner.email).wait_for(state="visible")
    canvas.get_by_text("1,055", exact=True).wait_for(state="visible")
    context.close()
