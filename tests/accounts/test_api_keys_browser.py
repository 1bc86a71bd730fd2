"""The Keys page in a real browser: create → copy the key once → revoke (no inline script, CSP clean)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from accounts.models import ApiKey
from tests.browser.conftest import browser, chromium_path, page, site_url  # noqa: F401 - fixtures
from tests.conftest import make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "a long and pleasant passphrase"
KEY_RE = re.compile(r"comfyui-[A-Za-z0-9]{64}")


def test_it_creates_copies_and_revokes_a_key(page: Any) -> None:  # noqa: F811 - the fixture
    make_user("artist@example.com", password=PASSWORD, name="Ada Artist")
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    page.goto("/login")
    page.fill("input[name=email]", "artist@example.com")
    page.fill("input[name=password]", PASSWORD)
    page.click("form button:has-text('Sign in')")
    page.wait_for_url("**/dashboard")

    page.goto("/keys")
    page.fill("input[name=name]", "Studio PC")
    page.select_option("select[name=expires_in_days]", "30")
    page.click("button:has-text('Create key')")
    shown = page.text_content("#new-api-key") or ""
    assert KEY_RE.fullmatch(shown.strip())
    page.bring_to_front()  # the clipboard API refuses pages without focus (parallel browsers in CI)
    page.click("button:has-text('Copy key')")
    expect(page.locator(".js-copy")).to_have_text(re.compile("Copied"), timeout=15_000)
    assert page.evaluate("navigator.clipboard.readText()") == shown.strip()

    page.click("text=I saved it")
    page.wait_for_url("**/keys")
    assert KEY_RE.search(page.content()) is None
    page.click("a:has-text('Revoke')")
    page.click("button:has-text('Revoke key')")
    page.wait_for_url("**/keys")
    assert page.is_visible("text=was revoked")
    assert ApiKey.objects.get().revoked_at is not None
    assert page.console_errors == []
