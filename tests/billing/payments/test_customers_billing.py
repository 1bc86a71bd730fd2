"""POST /customers/billing → {billing_portal_url}; the Stripe customer is created if missing."""

from __future__ import annotations

import json
from typing import Any

from django.test import Client

from billing.payments.models import StripeCustomer
from tests.billing.payments.helpers import api_key_for


def test_it_opens_the_stripe_portal_creating_the_customer_once(
    client: Client, owner: Any, stripe_api: Any
) -> None:
    key = api_key_for(owner)
    for _ in range(2):
        response = client.post("/customers/billing", HTTP_X_API_KEY=key)
        assert response.status_code == 200, response.content
        assert response.json() == {"billing_portal_url": "https://billing.stripe.test/p/session"}
    assert len(stripe_api.posts("/v1/customers")) == 1
    customer = StripeCustomer.objects.get(user=owner).stripe_customer_id
    portals = stripe_api.posts("/v1/billing_portal/sessions")
    assert [p.form["customer"] for p in portals] == [customer, customer]
    assert portals[0].form["return_url"] == "http://testserver/credits"


def test_it_honours_only_a_return_url_on_our_own_host(client: Client, owner: Any, stripe_api: Any) -> None:
    key = api_key_for(owner)
    for url in (
        "http://testserver/usage",
        "https://evil.example/phish",
        "//evil.example/x",
        "javascript:alert(1)",
    ):
        client.post(
            "/customers/billing",
            data=json.dumps({"return_url": url}),
            content_type="application/json",
            HTTP_X_API_KEY=key,
        )
    returned = [p.form["return_url"] for p in stripe_api.posts("/v1/billing_portal/sessions")]
    assert returned == ["http://testserver/usage"] + ["http://testserver/credits"] * 3


def test_it_answers_in_the_sandbox_without_stripe(client: Client, owner: Any) -> None:
    response = client.post("/customers/billing", HTTP_X_API_KEY=api_key_for(owner))
    assert response.status_code == 200
    assert response.json()["billing_portal_url"] == "http://testserver/credits"


def test_it_refuses_outsiders_and_bad_bodies(client: Client, owner: Any) -> None:
    assert client.post("/customers/billing").status_code == 401
    key = api_key_for(owner)
    for raw in (b"{", b'{"return_url": 1, "surprise": true}', b"[]"):
        response = client.post(
            "/customers/billing", data=raw, content_type="application/json", HTTP_X_API_KEY=key
        )
        assert response.status_code == 400
    assert not StripeCustomer.objects.exists()
