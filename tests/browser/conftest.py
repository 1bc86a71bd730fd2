"""Browser tests: the app on a live loopback port, driven by Debian's chromium through Playwright.

Mark each test `@pytest.mark.browser` and `@pytest.mark.django_db(transaction=True)` (the server thread
must see committed rows). Use the `page` fixture; its `base_url` is the live server, so `page.goto("/login")`
works. Locally a missing chromium skips these tests; in CI (`CI` set) it fails them.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = Path("/usr/bin/chromium")
# Headless, sandbox-free (containers), and no traffic except to the live server on loopback.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture
def chromium_path() -> Path:
    if CHROMIUM.exists():
        return CHROMIUM
    if os.environ.get("CI"):
        pytest.fail(f"{CHROMIUM} is missing: CI must run the browser tests (apt-get install chromium).")
    pytest.skip(f"{CHROMIUM} is missing: apt-get install chromium to run the browser tests.")


@pytest.fixture
def browser(chromium_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """One chromium per test. Function-scoped on purpose: Playwright's sync API keeps an event loop
    running in this thread while it is started, and Django refuses ORM calls from a thread with a running
    loop; DJANGO_ALLOW_ASYNC_UNSAFE is set only for the test's own duration, never for the rest of the
    suite on this worker."""
    from playwright.sync_api import sync_playwright

    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=str(chromium_path), args=CHROMIUM_ARGS)
        try:
            yield instance
        finally:
            instance.close()


@pytest.fixture
def site_url(live_server: Any) -> str:
    """The live server's base URL (http://localhost:<port>), WSGI in a thread of this process."""
    return str(live_server.url)


@pytest.fixture
def page(browser: Any, site_url: str) -> Iterator[Any]:
    context = browser.new_context(base_url=site_url, viewport={"width": 1280, "height": 860})
    page = context.new_page()
    page.set_default_timeout(15_000)
    # Console errors (CSP violations, failed script or style loads) fail the test that reads them.
    page.console_errors = []
    page.on("console", lambda message: message.type == "error" and page.console_errors.append(message.text))
    try:
        yield page
    finally:
        context.close()
