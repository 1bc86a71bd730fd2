"""Users can give their own keys a spending limit on /keys (the model the hosted canvas's keys use)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from accounts.models import ApiKey
from accounts.services.keys import key_spend_allowance

pytestmark = pytest.mark.django_db


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_it_creates_a_key_with_a_spending_limit(owner: Any) -> None:
    response = _client(owner).post(
        "/keys", {"name": "studio", "expires_in_days": "30", "spend_limit_usd": "12.50"}
    )
    # Post/redirect/get: the new secret is shown once on the page the redirect leads to.
    assert response.status_code == 302
    key = ApiKey.objects.get(user=owner)
    assert key.spend_limit_micros == 12_500_000
    assert key.expires_at is not None
    assert key_spend_allowance(key=key) == 12_500_000
    assert "$12.50" in _client(owner).get("/keys").content.decode()


def test_it_leaves_the_limit_off_when_empty(owner: Any) -> None:
    _client(owner).post("/keys", {"name": "studio", "spend_limit_usd": ""})
    assert ApiKey.objects.get(user=owner).spend_limit_micros is None


@pytest.mark.parametrize("value", ["0", "-5", "abc", "0.001", "1000000"])
def test_it_refuses_a_bad_limit(owner: Any, value: str) -> None:
    response = _client(owner).post("/keys", {"name": "studio", "spend_limit_usd": value})
    assert response.status_code == 400
    assert not ApiKey.objects.filter(user=owner).exists()
