"""style.md habit 4: Stripe is never called with a database transaction open (a slow or hanging Stripe
would otherwise hold row locks). Every gateway call of a checkout, the billing portal, the return page, the
sweep and an auto top-up triggered by a purchase is recorded with `connection.in_atomic_block`."""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone

from billing.payments.gateway import StripeGateway
from billing.payments.models import Purchase, PurchaseKind, PurchaseStatus
from billing.payments.services import auto_topup_configure
from billing.payments.tasks import sweep_open_purchases
from tests.billing.payments.helpers import api_key_for

CALLS = ("create_customer", "create_checkout", "retrieve_checkout", "create_portal", "charge_off_session")


@pytest.fixture
def gateway_calls(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, bool]]:
    seen: list[tuple[str, bool]] = []

    def recording(name: str, method: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(method)
        def wrapper(self: StripeGateway, **kwargs: Any) -> Any:
            seen.append((name, connection.in_atomic_block))
            return method(self, **kwargs)

        return wrapper

    for name in CALLS:
        monkeypatch.setattr(StripeGateway, name, recording(name, getattr(StripeGateway, name)))
    return seen


@pytest.mark.django_db(transaction=True)
def test_no_stripe_call_runs_inside_a_transaction(
    owner: Any, stripe_api: Any, gateway_calls: list[tuple[str, bool]]
) -> None:
    key = api_key_for(owner)
    client = Client()
    # Auto top-up on with a threshold above what the purchase brings: the purchase's balance check
    # charges the saved card off-session once the purchase has committed.
    auto_topup_configure(
        user=owner,
        enabled=True,
        threshold_micros=50_000_000,
        amount_micros=10_000_000,
        monthly_cap_micros=100_000_000,
    )
    created = client.post(
        "/customers/credit",
        data={"amount_micros": 10_000_000},
        content_type="application/json",
        HTTP_X_API_KEY=key,
    )
    assert created.status_code == 201
    assert client.post("/customers/billing", HTTP_X_API_KEY=key).status_code == 200
    purchase = Purchase.objects.get(user=owner, kind=PurchaseKind.CHECKOUT)
    stripe_api.set_session(purchase.checkout_session_id, status="complete", payment_status="paid")
    client.get(f"/credits/return?session_id={purchase.checkout_session_id}")

    # A second checkout left open, old enough for the sweep to ask Stripe about it.
    client.post(
        "/customers/credit",
        data={"amount_micros": 5_000_000},
        content_type="application/json",
        HTTP_X_API_KEY=key,
    )
    Purchase.objects.filter(status=PurchaseStatus.PENDING, kind=PurchaseKind.CHECKOUT).update(
        created_at=timezone.now() - timedelta(minutes=10)
    )
    sweep_open_purchases()

    assert Purchase.objects.get(pk=purchase.pk).status == PurchaseStatus.PAID
    assert Purchase.objects.filter(kind=PurchaseKind.AUTO_TOPUP, status=PurchaseStatus.PAID).exists()
    assert {name for name, _ in gateway_calls} == set(CALLS)
    assert [call for call in gateway_calls if call[1]] == []
