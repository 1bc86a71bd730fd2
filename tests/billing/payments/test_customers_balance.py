"""GET /customers/balance: available balance in integer **cents** (floor) in the *_micros fields."""

from __future__ import annotations

from typing import Any

from django.test import Client

from billing.selectors import wallet_get_for_user
from billing.services import credits_reserve
from tests.billing.payments.helpers import api_key_for
from tests.billing.support import fund, later


def test_it_reports_available_cents_floor_in_amount_and_effective_balance(client: Client, owner: Any) -> None:
    fund(wallet_get_for_user(user=owner), 12_345_678)
    response = client.get("/customers/balance", HTTP_X_API_KEY=api_key_for(owner))
    assert response.status_code == 200
    assert response.json() == {
        "amount_micros": 1234,
        "effective_balance_micros": 1234,
        "prepaid_balance_micros": 1234,
        "pending_charges_micros": 0,
        "currency": "usd",
    }


def test_it_subtracts_open_holds_and_reports_them_as_pending(client: Client, owner: Any) -> None:
    wallet = wallet_get_for_user(user=owner)
    fund(wallet, 20_000_000)
    credits_reserve(wallet=wallet, amount_micros=2_509_999, expires_at=later(), key="hold-1")
    body = client.get("/customers/balance", HTTP_X_API_KEY=api_key_for(owner)).json()
    assert (body["amount_micros"], body["effective_balance_micros"], body["pending_charges_micros"]) == (
        1749,
        1749,
        250,
    )


def test_it_shows_each_caller_only_their_own_balance(client: Client, owner: Any, outsider: Any) -> None:
    fund(wallet_get_for_user(user=owner), 50_000_000)
    assert client.get("/customers/balance", HTTP_X_API_KEY=api_key_for(outsider)).json()["amount_micros"] == 0
    assert client.get("/customers/balance", HTTP_X_API_KEY=api_key_for(owner)).json()["amount_micros"] == 5000


def test_it_refuses_callers_without_a_valid_key(client: Client, owner: Any) -> None:
    fund(wallet_get_for_user(user=owner), 50_000_000)
    client.force_login(owner)  # a browser session is not a credential here
    for headers in ({}, {"HTTP_X_API_KEY": "comfyui-" + "a" * 64}, {"HTTP_AUTHORIZATION": "Bearer firebase"}):
        response = client.get("/customers/balance", **headers)
        assert response.status_code == 401
        assert "amount_micros" not in response.json()


def test_it_answers_404_when_there_is_no_wallet(client: Client, db: None) -> None:
    from django.utils import timezone

    from accounts.models import User

    # bulk_create skips the post_save signal that gives every new user a wallet.
    [user] = User.objects.bulk_create(
        [User(email="walletless@example.com", email_verified_at=timezone.now())]
    )
    response = client.get("/customers/balance", HTTP_X_API_KEY=api_key_for(user))
    assert response.status_code == 404
    assert response.json()["error"]["type"] == "not_found"
