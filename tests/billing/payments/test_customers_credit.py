"""POST /customers/credit: real micros, $5 to $10,000, 201 {checkout_url}; bad input is a 400, no writes."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.test import Client

from billing.payments.models import Gateway, Purchase, PurchaseStatus, StripeCustomer
from tests.billing.payments.helpers import api_key_for, row_counts

URL = "/customers/credit"


def _post(
    client: Client,
    key: str | None,
    body: Any,
    *,
    raw: bytes | None = None,
    content_type: str = "application/json",
) -> Any:
    extra = {"HTTP_X_API_KEY": key} if key else {}
    data = raw if raw is not None else json.dumps(body)
    return client.post(URL, data=data, content_type=content_type, **extra)


def test_it_creates_a_pending_purchase_and_a_sandbox_checkout(client: Client, owner: Any) -> None:
    response = _post(client, api_key_for(owner), {"amount_micros": 10_000_000, "currency": "usd"})
    assert response.status_code == 201, response.content
    url = response.json()["checkout_url"]
    assert urlsplit(url).path.startswith("/billing/sandbox/checkout/")
    purchase = Purchase.objects.get(user=owner)
    assert (purchase.amount_micros, purchase.status, purchase.gateway) == (
        10_000_000,
        PurchaseStatus.PENDING,
        Gateway.SANDBOX,
    )
    page = client.get(urlsplit(url).path)
    assert page.status_code == 200
    assert b"TEST MODE" in page.content


@pytest.mark.parametrize(
    "amount",
    [
        -500,
        0,
        -0,
        499.5,
        5_000_000.0,
        "500",
        "10000000",
        True,
        False,
        None,
        [],
        {},
        4_999_999,
        10_000_000_001,
        10**20,
        5_000_001,
        12_345_678,
    ],
)
def test_it_refuses_bad_amounts_with_the_allowed_range(client: Client, owner: Any, amount: Any) -> None:
    key = api_key_for(owner)
    before = row_counts()
    response = _post(client, key, {"amount_micros": amount, "currency": "usd"})
    assert response.status_code == 400
    body = response.json()
    assert body["error"]["type"] == "invalid_amount"
    assert "5000000" in body["message"]
    assert "10000000000" in body["message"]
    assert row_counts() == before


@pytest.mark.parametrize(
    ("raw", "content_type"),
    [
        (b'{"amount_micros": 10000000,', "application/json"),
        (b"", "application/json"),
        (b'{"amount_micros": NaN, "currency": "usd"}', "application/json"),
        (b'{"amount_micros": 1e309, "currency": "usd"}', "application/json"),
        (b'{"amount_micros": 5000000, "amount_micros": 10000000000}', "application/json"),
        (b'{"amount_micros": 10000000, "currency": "eur"}', "application/json"),
        (b'{"amount_micros": 10000000, "credits": 999}', "application/json"),
        (b"[10000000]", "application/json"),
        (b"\xef\xbb\xbf{}", "application/json"),
        (b'{"amount_micros": 10000000}\xff', "application/json"),
        (b"amount_micros=10000000", "application/x-www-form-urlencoded"),
        (b"{" * 100_000, "application/json"),
    ],
)
def test_it_refuses_malformed_bodies_in_the_one_error_shape(
    client: Client, owner: Any, raw: bytes, content_type: str
) -> None:
    key = api_key_for(owner)
    before = row_counts()
    response = _post(client, key, None, raw=raw, content_type=content_type)
    assert 400 <= response.status_code < 500
    body = response.json()
    assert isinstance(body["error"], dict)
    assert body["message"]
    assert body["code"]
    assert row_counts() == before


def test_it_refuses_callers_without_a_valid_key(client: Client, owner: Any) -> None:
    before = row_counts()
    assert _post(client, None, {"amount_micros": 10_000_000}).status_code == 401
    assert _post(client, "comfyui-" + "x" * 64, {"amount_micros": 10_000_000}).status_code == 401
    assert row_counts() == before


def test_it_ignores_a_signed_in_browser_cookie(client: Client, owner: Any) -> None:
    client.force_login(owner)
    assert _post(client, None, {"amount_micros": 10_000_000}).status_code == 401


def test_it_answers_405_in_the_error_shape_for_get(client: Client, owner: Any) -> None:
    response = client.get(URL, HTTP_X_API_KEY=api_key_for(owner))
    assert response.status_code == 405
    assert response.json()["error"]["type"] == "method_not_allowed"


def test_it_builds_the_stripe_checkout_from_server_side_data(
    client: Client, owner: Any, stripe_api: Any
) -> None:
    key = api_key_for(owner)
    response = _post(client, key, {"amount_micros": 25_000_000, "currency": "usd"})
    assert response.status_code == 201, response.content
    purchase = Purchase.objects.get(user=owner)
    [created] = stripe_api.posts("/v1/checkout/sessions")
    form = created.form
    assert (
        response.json()["checkout_url"]
        == f"https://checkout.stripe.test/c/pay/{purchase.checkout_session_id}"
    )
    assert form["mode"] == "payment"
    assert form["line_items[0][price_data][unit_amount]"] == "2500"
    assert form["line_items[0][price_data][currency]"] == "usd"
    assert form["line_items[0][price_data][product_data][name]"] == "comfyweb credits"
    assert form["line_items[0][price_data][product_data][description]"] == "5,275 credits"
    assert form["metadata[purchase_id]"] == str(purchase.public_id)
    assert form["payment_intent_data[metadata][purchase_id]"] == str(purchase.public_id)
    assert form["success_url"] == "http://testserver/credits/return?session_id={CHECKOUT_SESSION_ID}"
    assert form["cancel_url"] == "http://testserver/credits"
    assert created.idempotency_key == f"checkout:{purchase.public_id}"
    assert form["customer"] == StripeCustomer.objects.get(user=owner).stripe_customer_id


def test_it_creates_the_stripe_customer_once_and_reuses_it(
    client: Client, owner: Any, stripe_api: Any
) -> None:
    key = api_key_for(owner)
    for amount in (10_000_000, 50_000_000):
        assert _post(client, key, {"amount_micros": amount, "currency": "usd"}).status_code == 201
    assert len(stripe_api.posts("/v1/customers")) == 1
    customers = {r.form["customer"] for r in stripe_api.posts("/v1/checkout/sessions")}
    assert customers == {StripeCustomer.objects.get(user=owner).stripe_customer_id}


def test_it_answers_502_and_marks_the_purchase_failed_when_stripe_is_down(
    client: Client, owner: Any, settings: Any
) -> None:
    settings.STRIPE_SECRET_KEY = "sk_test_unreachable"
    settings.STRIPE_API_BASE = "http://127.0.0.1:9"  # discard port: connection refused
    response = _post(client, api_key_for(owner), {"amount_micros": 10_000_000, "currency": "usd"})
    assert response.status_code == 502
    assert response.json()["error"]["type"] == "payment_provider_error"
    assert Purchase.objects.get(user=owner).status == PurchaseStatus.FAILED


def test_it_caps_checkouts_per_hour_with_a_429(client: Client, owner: Any) -> None:
    key = api_key_for(owner)
    statuses = [
        _post(client, key, {"amount_micros": 5_000_000, "currency": "usd"}).status_code for _ in range(21)
    ]
    assert statuses == [201] * 20 + [429]
    last = _post(client, key, {"amount_micros": 5_000_000, "currency": "usd"})
    assert last.json()["error"]["type"] == "rate_limited"
    assert 1 <= int(last["Retry-After"]) <= 150
    assert Purchase.objects.filter(user=owner).count() == 20
