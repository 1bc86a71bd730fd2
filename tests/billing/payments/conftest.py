"""Payments fixtures: signed webhook deliveries, purchases in a known state, a Stripe stub on loopback."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import stripe
from django.test import Client

from billing.money import micros_to_cents_floor
from billing.payments.models import Gateway, Purchase
from tests.billing.payments.stripe_stub import StripeStub, start_stub

WEBHOOK_SECRET = "whsec_test_0123456789abcdef"
WEBHOOK_URL = "/billing/stripe/webhook"


@pytest.fixture(autouse=True)
def _payments_settings(settings: Any) -> None:
    settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
    settings.STRIPE_LIVEMODE = False
    settings.STRIPE_SECRET_KEY = ""


@pytest.fixture
def stripe_api(settings: Any) -> Iterator[StripeStub]:
    """Point the Stripe gateway at the loopback stub (a real HTTP round trip through stripe-python)."""
    stub, server = start_stub()
    settings.STRIPE_SECRET_KEY = "sk_test_stub"
    settings.STRIPE_API_BASE = stub.url
    yield stub
    server.shutdown()
    server.server_close()


def sign(payload: str, *, secret: str = WEBHOOK_SECRET, timestamp: int | None = None) -> str:
    """The real Stripe-Signature header, computed by stripe-python itself."""
    return stripe.WebhookSignature.generate_signature_header(payload, secret, timestamp or int(time.time()))


def deliver(
    client: Client,
    event: dict[str, Any],
    *,
    secret: str = WEBHOOK_SECRET,
    timestamp: int | None = None,
    raw: bytes | None = None,
) -> Any:
    payload = json.dumps(event)
    headers = {"HTTP_STRIPE_SIGNATURE": sign(payload, secret=secret, timestamp=timestamp)}
    return client.post(
        WEBHOOK_URL, data=raw if raw is not None else payload, content_type="application/json", **headers
    )


def event(
    event_type: str, obj: dict[str, Any], *, event_id: str | None = None, livemode: bool = False
) -> dict[str, Any]:
    return {
        "id": event_id or f"evt_{uuid.uuid4().hex[:24]}",
        "object": "event",
        "api_version": "2025-06-30.basil",
        "created": int(time.time()),
        "livemode": livemode,
        "type": event_type,
        "data": {"object": obj},
    }


def make_purchase(user: Any, amount_micros: int = 10_000_000, *, gateway: str = Gateway.STRIPE) -> Purchase:
    hex_id = uuid.uuid4().hex
    return Purchase.objects.create(
        user=user,
        gateway=gateway,
        amount_micros=amount_micros,
        checkout_session_id=f"cs_test_{hex_id}",
        checkout_url=f"https://checkout.stripe.test/c/pay/cs_test_{hex_id}",
    )


def session_obj(
    purchase: Purchase,
    *,
    payment_status: str = "paid",
    status: str = "complete",
    amount_total: int | None = None,
    metadata: dict[str, str] | None = None,
    payment_intent: str | None = None,
) -> dict[str, Any]:
    return {
        "id": purchase.checkout_session_id,
        "object": "checkout.session",
        "status": status,
        "payment_status": payment_status,
        "amount_total": micros_to_cents_floor(purchase.amount_micros)
        if amount_total is None
        else amount_total,
        "currency": "usd",
        "payment_intent": payment_intent or f"pi_{purchase.public_id.hex[:24]}",
        "metadata": metadata if metadata is not None else {"purchase_id": str(purchase.public_id)},
        "livemode": False,
    }


def refund_obj(purchase: Purchase, *, amount_refunded_cents: int) -> dict[str, Any]:
    return {
        "id": f"ch_{purchase.public_id.hex[:24]}",
        "object": "charge",
        "amount": micros_to_cents_floor(purchase.amount_micros),
        "amount_refunded": amount_refunded_cents,
        "payment_intent": f"pi_{purchase.public_id.hex[:24]}",
        "refunded": True,
    }


def dispute_obj(purchase: Purchase, *, status: str = "needs_response") -> dict[str, Any]:
    return {
        "id": f"dp_{purchase.public_id.hex[:24]}",
        "object": "dispute",
        "amount": micros_to_cents_floor(purchase.amount_micros),
        "charge": f"ch_{purchase.public_id.hex[:24]}",
        "payment_intent": f"pi_{purchase.public_id.hex[:24]}",
        "status": status,
    }
