"""Sign in → buy $10 in the sandbox checkout → the Credits page shows 2,110 credits, in a real browser."""

from __future__ import annotations

import re
from typing import Any

import pytest

from billing.payments.models import Purchase, PurchaseStatus
from tests.conftest import make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct horse battery staple"
SCREENSHOT = "/tmp/cw-h5-credits.png"  # noqa: S108 - a look-at-it artefact, not committed


def test_it_buys_10_dollars_of_credits_in_the_sandbox(page: Any, settings: Any) -> None:
    settings.STRIPE_SECRET_KEY = ""  # the sandbox gateway, whatever the environment says
    user = make_user("buyer@example.com", name="Betty Buyer")
    page.goto("/login")
    page.fill("input[name=email]", "buyer@example.com")
    page.fill("input[name=password]", PASSWORD)
    page.click("form button:has-text('Sign in')")
    page.wait_for_url("**/dashboard")

    page.goto("/credits")
    page.fill("[data-testid=custom-amount]", "12.50")
    assert page.text_content("#topup-credits") == "= 2,637.50 credits"
    page.click("[data-testid=buy-10]")

    page.wait_for_url(re.compile(r"/billing/sandbox/checkout/"))
    assert page.is_visible("[data-testid=test-mode]")
    assert page.is_visible("text=$10.00")
    page.screenshot(path=SCREENSHOT.replace("credits", "checkout"), full_page=True)
    page.click("[data-testid=sandbox-pay]")

    page.wait_for_url(re.compile(r"/credits$"))
    assert page.is_visible("text=Payment received: 2,110 credits")
    assert page.text_content("[data-testid=available-credits]").strip() == "2,110 credits"
    assert Purchase.objects.get(user=user).status == PurchaseStatus.PAID
    page.screenshot(path=SCREENSHOT, full_page=True)
    assert page.console_errors == []
