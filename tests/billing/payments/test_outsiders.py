"""The Credits page's browser endpoints act only on the signed-in user's own records: an outsider who
knows the owner's checkout session, or posts the settings forms, learns and changes nothing of the owner's.
"""

from __future__ import annotations

from typing import Any

from django.contrib.messages import get_messages
from django.test import Client

from billing.payments.models import AutoTopUp, LowBalanceAlert, StripeCustomer
from billing.payments.services import auto_topup_configure, low_balance_configure
from billing.payments.services.purchases import checkout_start


def _signed_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_return_page_tells_an_outsider_nothing_about_the_owners_payment(
    owner: Any, outsider: Any, stripe_api: Any
) -> None:
    purchase = checkout_start(user=owner, amount_micros=10_000_000, base_url="http://testserver")
    stripe_api.set_session(purchase.checkout_session_id, status="complete", payment_status="paid")
    response = _signed_in(outsider).get(f"/credits/return?session_id={purchase.checkout_session_id}")
    assert response["Location"] == "/credits"
    assert [str(m) for m in get_messages(response.wsgi_request)] == []


def test_an_outsiders_settings_never_touch_the_owners(owner: Any, outsider: Any) -> None:
    auto_topup_configure(
        user=owner,
        enabled=True,
        threshold_micros=5_000_000,
        amount_micros=25_000_000,
        monthly_cap_micros=100_000_000,
    )
    low_balance_configure(user=owner, enabled=True, threshold_micros=3_000_000)
    intruder = _signed_in(outsider)
    intruder.post("/credits/auto-topup", {"threshold_usd": "9", "amount_usd": "50", "monthly_cap_usd": "50"})
    intruder.post("/credits/low-balance", {"threshold_usd": "9"})
    mine = AutoTopUp.objects.get(user=owner)
    assert (mine.enabled, mine.threshold_micros, mine.amount_micros) == (True, 5_000_000, 25_000_000)
    assert LowBalanceAlert.objects.get(user=owner).threshold_micros == 3_000_000
    assert AutoTopUp.objects.get(user=outsider).enabled is False
    assert LowBalanceAlert.objects.get(user=outsider).threshold_micros == 9_000_000


def test_the_billing_portal_opens_the_outsiders_own_customer(
    owner: Any, outsider: Any, stripe_api: Any
) -> None:
    _signed_in(owner).post("/credits/billing-portal")
    _signed_in(outsider).post("/credits/billing-portal")
    customers = dict(StripeCustomer.objects.values_list("user_id", "stripe_customer_id"))
    assert len(set(customers.values())) == 2
    portals = [p.form["customer"] for p in stripe_api.posts("/v1/billing_portal/sessions")]
    assert portals == [customers[owner.pk], customers[outsider.pk]]
