"""A lost webhook never loses a payment: the success page and the periodic sweep fulfil from a
server-side retrieve of the session, exactly once with the webhook."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from billing.payments.models import Purchase, PurchaseStatus
from billing.payments.services.purchases import checkout_start
from billing.payments.tasks import sweep_open_purchases
from tests.billing.payments.conftest import deliver, event
from tests.billing.payments.helpers import available, purchased


def _paid_checkout(owner: Any, stripe_api: Any, amount: int = 10_000_000) -> Purchase:
    purchase = checkout_start(user=owner, amount_micros=amount, base_url="http://testserver")
    assert purchase.checkout_session_id
    stripe_api.set_session(
        purchase.checkout_session_id, status="complete", payment_status="paid", payment_intent="pi_return_1"
    )
    return purchase


def test_it_fulfils_on_the_success_page_and_tells_the_owner(
    client: Client, owner: Any, stripe_api: Any
) -> None:
    purchase = _paid_checkout(owner, stripe_api)
    client.force_login(owner)
    response = client.get(f"/credits/return?session_id={purchase.checkout_session_id}", follow=False)
    assert response.status_code == 302
    assert response["Location"] == "/credits"
    assert available(owner) == 10_000_000
    purchase.refresh_from_db()
    assert purchase.status == PurchaseStatus.PAID
    assert purchase.payment_intent_id == "pi_return_1"
    # The webhook arriving afterwards changes nothing.
    deliver(client, event("checkout.session.completed", stripe_api.sessions[purchase.checkout_session_id]))
    assert purchased(owner) == 10_000_000


def test_it_credits_nothing_for_an_unpaid_or_unknown_session(
    client: Client, owner: Any, stripe_api: Any
) -> None:
    purchase = checkout_start(user=owner, amount_micros=10_000_000, base_url="http://testserver")
    assert client.get(f"/credits/return?session_id={purchase.checkout_session_id}").status_code == 302
    assert client.get("/credits/return?session_id=cs_test_forged").status_code == 302
    assert client.get("/credits/return").status_code == 302
    assert available(owner) == 0


def test_it_refuses_a_retrieved_session_whose_amount_was_changed(
    client: Client, owner: Any, stripe_api: Any
) -> None:
    purchase = _paid_checkout(owner, stripe_api)
    stripe_api.set_session(purchase.checkout_session_id, amount_total=1)
    assert client.get(f"/credits/return?session_id={purchase.checkout_session_id}").status_code == 302
    assert available(owner) == 0


def test_the_sweep_fulfils_paid_sessions_whose_webhook_was_lost(
    owner: Any, teammate: Any, stripe_api: Any
) -> None:
    lost = _paid_checkout(owner, stripe_api, 20_000_000)
    still_open = checkout_start(user=teammate, amount_micros=10_000_000, base_url="http://testserver")
    expired = checkout_start(user=teammate, amount_micros=10_000_000, base_url="http://testserver")
    assert expired.checkout_session_id
    stripe_api.set_session(expired.checkout_session_id, status="expired")
    Purchase.objects.update(created_at=timezone.now() - timedelta(minutes=10))
    assert sweep_open_purchases() == 1
    assert sweep_open_purchases() == 0
    assert available(owner) == 20_000_000
    assert available(teammate) == 0
    assert Purchase.objects.get(pk=still_open.pk).status == PurchaseStatus.PENDING
    assert Purchase.objects.get(pk=expired.pk).status == PurchaseStatus.EXPIRED
    assert Purchase.objects.get(pk=lost.pk).status == PurchaseStatus.PAID


def test_the_sweep_expires_abandoned_sandbox_checkouts(owner: Any) -> None:
    fresh = checkout_start(user=owner, amount_micros=10_000_000, base_url="http://testserver")
    old = checkout_start(user=owner, amount_micros=10_000_000, base_url="http://testserver")
    Purchase.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(hours=25))
    sweep_open_purchases()
    assert Purchase.objects.get(pk=old.pk).status == PurchaseStatus.EXPIRED
    assert Purchase.objects.get(pk=fresh.pk).status == PurchaseStatus.PENDING


def test_it_cross_checks_the_retrieved_line_items(client: Client, owner: Any, stripe_api: Any) -> None:
    purchase = _paid_checkout(owner, stripe_api)
    stripe_api.set_session(
        purchase.checkout_session_id, line_items={"object": "list", "data": [{"amount_total": 1}]}
    )
    client.get(f"/credits/return?session_id={purchase.checkout_session_id}")
    assert available(owner) == 0
    [retrieve] = [
        r for r in stripe_api.requests if r.method == "GET" and r.path.startswith("/v1/checkout/sessions/")
    ]
    assert retrieve.form.get("expand[0]") == "line_items"


@pytest.mark.parametrize("session_id", ["%00", "cs_test_%00x", "cs_" + "x" * 300, "%ff", "../credits"])
def test_it_sends_a_malformed_session_id_back_to_the_credits_page(
    client: Client, owner: Any, session_id: str
) -> None:
    client.force_login(owner)
    response = client.get(f"/credits/return?session_id={session_id}")
    assert response.status_code == 302
    assert response["Location"] == "/credits"
