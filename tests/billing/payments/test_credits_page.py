"""The Credits page's top-up panel: presets, a custom amount, CSRF-protected browser views."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from billing.payments.models import AutoTopUp, LowBalanceAlert, Purchase


def test_it_renders_presets_with_credits_at_211_per_usd(client: Client, owner: Any) -> None:
    client.force_login(owner)
    html = client.get("/credits").content.decode()
    for usd, label in ((10, "2,110"), (25, "5,275"), (50, "10,550"), (100, "21,100")):
        assert f"${usd} · {label} credits" in html
    assert "TEST MODE" in html
    assert "js/topup.js" in html
    assert "<script>" not in html


@pytest.mark.parametrize("amount", ["10", "25", "50", "100", "5", "10000", "12.34"])
def test_it_redirects_a_purchase_to_the_checkout(client: Client, owner: Any, amount: str) -> None:
    client.force_login(owner)
    response = client.post("/credits/buy", {"amount_usd": amount})
    assert response.status_code == 302
    assert "/billing/sandbox/checkout/" in response["Location"]
    assert Purchase.objects.get(user=owner).amount_micros == int(float(amount) * 100) * 10_000


RANGE = "Choose an amount between $5 and $10,000."


@pytest.mark.parametrize(
    ("amount", "error"),
    [
        ("4.99", RANGE),
        ("10000.01", RANGE),
        ("-10", RANGE),
        ("0", RANGE),
        ("1e9", RANGE),
        ("abc", "Enter an amount in dollars, for example 25 or 12.50."),
        ("NaN", "Enter an amount in dollars, for example 25 or 12.50."),
        ("", "Enter an amount in dollars."),
        ("12.345", "Use at most two decimals (whole cents), for example 12.50."),
    ],
)
def test_it_refuses_a_bad_amount_next_to_the_field_keeping_what_was_typed(
    client: Client, owner: Any, amount: str, error: str
) -> None:
    client.force_login(owner)
    response = client.post("/credits/buy", {"amount_usd": amount})
    assert response.status_code == 400
    html = response.content.decode()
    assert f'role="alert" data-testid="custom-amount-error">{error}</p>' in html
    assert f'name="amount_usd" value="{amount}"' in html
    assert "Ensure" not in html  # none of Django's default wording
    assert not Purchase.objects.exists()


def test_it_reads_the_limits_from_the_settings(client: Client, owner: Any, settings: Any) -> None:
    settings.TOPUP_MIN_MICROS, settings.TOPUP_MAX_MICROS = 20_000_000, 500_000_000
    client.force_login(owner)
    html = client.post("/credits/buy", {"amount_usd": "10"}).content.decode()
    assert "Choose an amount between $20 and $500." in html
    assert "Custom amount (USD, $20 to $500)" in html
    assert 'data-range-message="Choose an amount between $20 and $500."' in html


def test_it_requires_sign_in_and_csrf(owner: Any) -> None:
    anonymous = Client()
    assert anonymous.post("/credits/buy", {"amount_usd": "10"})["Location"].startswith("/login")
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(owner)
    assert strict.post("/credits/buy", {"amount_usd": "10"}).status_code == 403
    assert not Purchase.objects.exists()


def test_it_saves_auto_top_up_and_low_balance_settings(client: Client, owner: Any) -> None:
    client.force_login(owner)
    client.post(
        "/credits/auto-topup",
        {"enabled": "on", "threshold_usd": "5", "amount_usd": "25", "monthly_cap_usd": "100"},
    )
    client.post("/credits/low-balance", {"enabled": "on", "threshold_usd": "3.50"})
    auto = AutoTopUp.objects.get(user=owner)
    assert (auto.enabled, auto.threshold_micros, auto.amount_micros, auto.monthly_cap_micros) == (
        True,
        5_000_000,
        25_000_000,
        100_000_000,
    )
    assert LowBalanceAlert.objects.get(user=owner).threshold_micros == 3_500_000
    html = client.get("/credits").content.decode()
    assert 'value="25.00"' in html
    assert 'value="3.50"' in html


@pytest.mark.parametrize(
    "data",
    [
        {"threshold_usd": "5", "amount_usd": "1", "monthly_cap_usd": "100"},
        {"threshold_usd": "5", "amount_usd": "50", "monthly_cap_usd": "20"},
        {"threshold_usd": "-1", "amount_usd": "25", "monthly_cap_usd": "100"},
        {"threshold_usd": "x", "amount_usd": "25", "monthly_cap_usd": "100"},
    ],
)
def test_it_refuses_bad_auto_top_up_settings(client: Client, owner: Any, data: dict[str, str]) -> None:
    client.force_login(owner)
    client.post("/credits/auto-topup", data)
    client.post("/credits/low-balance", {"threshold_usd": "0"})
    assert not AutoTopUp.objects.exists()
    assert not LowBalanceAlert.objects.exists()


@pytest.mark.parametrize(
    ("data", "field", "error"),
    [
        ({"amount_usd": "1"}, "amount_usd", "Choose an amount between $5 and $10,000."),
        (
            {"amount_usd": "50", "monthly_cap_usd": "20"},
            "monthly_cap_usd",
            "The monthly cap must be at least one",
        ),
        ({"threshold_usd": "-1"}, "threshold_usd", "Enter an amount of $0 or more."),
        ({"threshold_usd": "x"}, "threshold_usd", "Enter an amount in dollars, for example 25 or 12.50."),
    ],
)
def test_it_shows_auto_top_up_errors_next_to_their_field(
    client: Client, owner: Any, data: dict[str, str], field: str, error: str
) -> None:
    client.force_login(owner)
    typed = {"threshold_usd": "5", "amount_usd": "25", "monthly_cap_usd": "100", **data}
    response = client.post("/credits/auto-topup", typed)
    assert response.status_code == 400
    html = response.content.decode()
    input_id = {"threshold_usd": "auto-threshold", "amount_usd": "auto-amount", "monthly_cap_usd": "auto-cap"}
    after_field = html[html.index(f'id="{input_id[field]}"') :]
    assert after_field.index(error) < after_field.index("<label")  # right under its own input
    assert after_field.index(f'value="{typed[field]}"') < after_field.index(">")  # what was typed stays
    assert '<details class="topup-settings" open>' in html


def test_it_shows_the_low_balance_error_next_to_its_field(client: Client, owner: Any) -> None:
    client.force_login(owner)
    response = client.post("/credits/low-balance", {"enabled": "on", "threshold_usd": "0"})
    assert response.status_code == 400
    html = response.content.decode()
    assert (
        'value="0" required>\n    <p class="field-error" role="alert">Choose a threshold above $0.</p>'
        in html
    )


def test_it_asks_unverified_users_to_verify_before_buying(client: Client, owner: Any) -> None:
    owner.email_verified_at = None
    owner.save()
    client.force_login(owner)
    html = client.get("/credits").content.decode()
    assert html.count('data-testid="verify-notice"') == 1  # the one notice, in the banner
    assert "Verify your e-mail to create API keys and buy credits" in html
    assert client.post("/credits/buy", {"amount_usd": "10"})["Location"] == "/credits"
    assert not Purchase.objects.exists()


def test_it_opens_the_billing_portal_from_the_page(client: Client, owner: Any, stripe_api: Any) -> None:
    client.force_login(owner)
    response = client.post("/credits/billing-portal")
    assert response["Location"] == "https://billing.stripe.test/p/session"
    assert (
        stripe_api.posts("/v1/billing_portal/sessions")[0].form["return_url"] == "http://testserver/credits"
    )
    assert Client().post("/credits/billing-portal")["Location"].startswith("/login")


def test_it_lists_only_the_users_own_recent_purchases(client: Client, owner: Any, outsider: Any) -> None:
    from tests.billing.payments.conftest import make_purchase

    make_purchase(owner, 25_000_000)
    make_purchase(outsider, 77_000_000)
    client.force_login(owner)
    html = client.get("/credits").content.decode()
    assert "Recent purchases" in html
    assert "$25.00" in html
    assert "awaiting payment" in html
    assert "$77.00" not in html
