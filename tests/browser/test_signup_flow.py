"""Sign up → "check your inbox" → the e-mail's link signs in → sign out → sign in → the dashboard, in a real
browser."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.core import mail

from accounts.models import User

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "a long and pleasant passphrase"
SCREENSHOT = "/tmp/cw-h1-dashboard.png"  # noqa: S108 - a look-at-it artefact, not committed


def verification_path() -> str:
    assert len(mail.outbox) == 1, [m.subject for m in mail.outbox]
    url = re.search(r"https?://\S+/verify-email/\S+", str(mail.outbox[0].body))
    assert url, mail.outbox[0].body
    return urlsplit(url.group(0)).path


def test_it_signs_up_verifies_and_signs_in(page: Any) -> None:
    page.goto("/signup")
    page.fill("input[name=email]", "Grace@Example.com")
    page.fill("input[name=name]", "Grace Hopper")
    page.fill("input[name=password]", PASSWORD)
    page.click("button:has-text('Create account')")

    # The same answer whether or not the address has an account: check your inbox.
    page.wait_for_url("**/signup/sent")
    assert page.is_visible("h1:has-text('Check your inbox')")
    assert page.is_visible("text=grace@example.com")

    # The link verifies the address and, in this browser, signs the new user in.
    page.goto(verification_path())
    page.wait_for_url("**/dashboard")
    assert page.is_visible("text=Welcome, Grace Hopper")
    assert User.objects.get(email="grace@example.com").is_verified

    page.click("header button:has-text('Sign out')")
    page.wait_for_url(re.compile(r"/$"))
    page.goto("/login")
    assert page.is_visible("text=API keys for ComfyUI are created after you sign in")
    page.fill("input[name=email]", "grace@example.com")
    page.fill("input[name=password]", PASSWORD)
    page.click("form button:has-text('Sign in')")

    page.wait_for_url("**/dashboard")
    assert page.is_visible("text=Welcome, Grace Hopper")
    assert page.is_visible("text=e-mail verified")
    assert not page.is_visible("text=Verify your e-mail to create API keys")
    page.screenshot(path=SCREENSHOT, full_page=True)
    assert page.console_errors == []
