"""The support console in a real browser: support signs in with a TOTP code, finds a user by the ComfyUI
prompt id of a call, opens the user, explains the charge, asks for a grant above the threshold; a second
staff member (admin) approves it and the credits arrive."""

from __future__ import annotations

import re
from typing import Any

import pytest

from billing.models import Grant, GrantStatus
from billing.selectors import wallet_balance, wallet_get_for_user
from console import roles
from tests.console.conftest import dalle_call, make_staff, totp_now
from tests.nodes.conftest import proxy_comfy, proxy_key, proxy_prices, proxy_upstream

__all__ = ["proxy_comfy", "proxy_key", "proxy_prices", "proxy_upstream"]

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct horse battery staple"
SCREENSHOT = "/tmp/cw-console-{}.png"  # noqa: S108 - a look-at-it artefact, not committed


def _sign_in(page: Any, email: str, device: Any) -> None:
    page.goto("/console/")
    page.wait_for_url(re.compile(r"/login\?next="))
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", PASSWORD)
    page.click("form button:has-text('Sign in')")
    page.wait_for_url(re.compile(r"/console/verify"))
    page.fill("input[name=token]", totp_now(device))
    page.click("[data-testid=otp-submit]")
    page.wait_for_url(re.compile(r"/console/$"))


@pytest.fixture
def charged_call(proxy_comfy: Any) -> Any:
    """Made before the browser starts: Playwright's sync API keeps an event loop running in this thread,
    and the in-process /proxy call cannot run under it."""
    return dalle_call(proxy_comfy)


def test_it_goes_from_search_to_an_approved_grant(
    charged_call: Any, page: Any, browser: Any, site_url: str, owner: Any
) -> None:
    from django_otp.plugins.otp_totp.models import TOTPDevice

    usage = charged_call
    support = make_staff("support@example.com", roles.SUPPORT_GROUP)
    admin = make_staff("admin@example.com", roles.ADMIN_GROUP)
    before = wallet_balance(wallet=wallet_get_for_user(user=owner)).available_micros

    # Support: sign in (password + TOTP), search by the ComfyUI prompt id.
    _sign_in(page, support.email, TOTPDevice.objects.get(user=support))
    page.fill("input[name=q]", usage.comfy_job_id)
    page.click("[data-testid=console-search] button")
    page.wait_for_selector("[data-testid=search-result]")
    page.click("[data-testid=search-result] a:has-text('owner@example.com')")
    page.wait_for_url(f"**/console/users/{owner.public_id}")
    assert page.text_content("[data-testid=console-user-email]") == "owner@example.com"
    assert page.text_content("[data-testid=deletion-state]").strip() == "no deletion requested"

    # Explain the charge.
    page.click("[data-testid=console-usage-row] a:has-text('Explain')")
    page.wait_for_url(f"**/console/usage/{usage.public_id}")
    assert "8.4" in page.text_content("[data-testid=explain-charged]")
    assert "dall-e-2/1024x1024" in page.text_content("[data-testid=explain-price]")
    assert "Charged: 8.44 credits." in page.input_value("[data-testid=explain-summary]")
    page.screenshot(path=SCREENSHOT.format("explain"), full_page=True)

    # Ask for $150 (above the $100 threshold): it waits; support cannot approve their own request.
    page.go_back()
    page.fill("[data-testid=grant-form] input[name=usd]", "150")
    page.fill("[data-testid=grant-form] input[name=ticket]", "T-1001")
    page.fill("[data-testid=grant-form] input[name=reason]", "three failed renders during the outage")
    page.click("[data-testid=grant-form] button")
    page.wait_for_selector("text=awaiting a second staff member's approval")
    assert page.query_selector("[data-testid=approve-grant]") is None
    grant = Grant.objects.get(ticket="T-1001")
    assert grant.status == GrantStatus.PENDING
    assert page.console_errors == []

    # Admin, in another browser: approve it from the pending list.
    context = browser.new_context(base_url=site_url, viewport={"width": 1280, "height": 860})
    second = context.new_page()
    second.set_default_timeout(15_000)
    try:
        _sign_in(second, admin.email, TOTPDevice.objects.get(user=admin))
        second.click("nav.console-nav a:has-text('Pending grants')")
        second.wait_for_selector("[data-testid=pending-grant]")
        row = second.locator("[data-testid=pending-grant]", has_text="T-1001")
        row.locator("input[name=reason]").fill("checked the outage log")
        row.locator("button:has-text('Approve')").click()
        second.wait_for_selector("text=Approved: $150.00 credited.")
        second.screenshot(path=SCREENSHOT.format("approved"), full_page=True)
    finally:
        context.close()

    grant.refresh_from_db()
    assert (grant.status, grant.actor, grant.approver) == (GrantStatus.COMPLETED, support, admin)
    assert wallet_balance(wallet=wallet_get_for_user(user=owner)).available_micros - before == 150_000_000
    page.reload()
    assert "console.grant_approve" in page.text_content("body")
