"""S-10 / P6: every outgoing Stripe POST carries an idempotency key from our operation id, reused on retry."""

from __future__ import annotations

from typing import Any

import pytest

from billing.payments.gateway import PaymentGatewayError, StripeGateway
from billing.payments.models import Purchase
from billing.payments.services.purchases import checkout_start
from tests.billing.support import figure


def test_it_reuses_the_key_when_the_response_to_a_created_session_is_lost(
    owner: Any, stripe_api: Any, record_property: Any
) -> None:
    stripe_api.drop_next.add("/v1/checkout/sessions")
    purchase = checkout_start(user=owner, amount_micros=10_000_000, base_url="https://platform.test")
    attempts = stripe_api.posts("/v1/checkout/sessions")
    assert len(attempts) == 2
    assert {a.idempotency_key for a in attempts} == {f"checkout:{purchase.public_id}"}
    assert len(stripe_api.created["/v1/checkout/sessions"]) == 1
    assert purchase.checkout_session_id == stripe_api.created["/v1/checkout/sessions"][0]["id"]
    figure(record_property, "S-10", objects_created=1, attempts=len(attempts), same_key=True)


def test_it_reuses_the_customer_key_on_retry(owner: Any, stripe_api: Any) -> None:
    stripe_api.drop_next.add("/v1/customers")
    checkout_start(user=owner, amount_micros=10_000_000, base_url="https://platform.test")
    attempts = stripe_api.posts("/v1/customers")
    assert len(attempts) == 2
    assert {a.idempotency_key for a in attempts} == {f"customer:{owner.public_id}"}
    assert len(stripe_api.created["/v1/customers"]) == 1


def test_it_turns_a_key_reused_with_other_parameters_into_a_handled_error(
    owner: Any, stripe_api: Any
) -> None:
    purchase = checkout_start(user=owner, amount_micros=10_000_000, base_url="https://platform.test")
    gateway = StripeGateway(api_key="sk_test_stub", api_base=stripe_api.url)
    changed = Purchase(public_id=purchase.public_id, user=owner, amount_micros=20_000_000)
    with pytest.raises(PaymentGatewayError):
        gateway.create_checkout(
            purchase=changed, customer_id="cus_x", base_url="https://platform.test", credits_label="1"
        )
    assert len(stripe_api.created["/v1/checkout/sessions"]) == 1
