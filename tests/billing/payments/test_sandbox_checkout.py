"""The sandbox gateway: a TEST MODE page that drives the same fulfilment code; refused in production."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import Client

from billing.models import LedgerTransaction
from billing.payments.gateway import SandboxGateway
from billing.payments.models import Purchase, PurchaseStatus
from billing.payments.services.purchases import checkout_start
from tests.billing.payments.helpers import available


def _checkout_path(owner: Any, amount: int = 10_000_000) -> str:
    return urlsplit(
        checkout_start(user=owner, amount_micros=amount, base_url="http://testserver").checkout_url
    ).path


def test_it_pays_through_the_same_fulfilment_and_books_sandbox_funding(client: Client, owner: Any) -> None:
    path = _checkout_path(owner)
    page = client.get(path)
    assert b"TEST MODE" in page.content
    assert b"Pay (test)" in page.content
    assert b"Decline (test)" in page.content
    response = client.post(path, {"action": "pay"})
    assert response.status_code == 302
    assert response["Location"].startswith("/credits/return?session_id=cs_sandbox_")
    client.get(response["Location"])
    assert available(owner) == 10_000_000
    assert LedgerTransaction.objects.get(code="purchase", wallet__user=owner).source == "sandbox"
    client.post(path, {"action": "pay"})  # a second click credits nothing more
    assert available(owner) == 10_000_000


def test_it_declines_without_crediting(client: Client, owner: Any) -> None:
    path = _checkout_path(owner)
    client.post(path, {"action": "decline"})
    assert Purchase.objects.get(user=owner).status == PurchaseStatus.FAILED
    client.post(path, {"action": "pay"})
    assert available(owner) == 0


def test_it_refuses_a_tampered_token(client: Client, owner: Any) -> None:
    path = _checkout_path(owner)
    assert client.get(path[:-2] + "xx").status_code == 404
    assert client.post(path[:-2] + "xx", {"action": "pay"}).status_code == 404
    assert available(owner) == 0


def test_it_requires_csrf_on_the_pay_button(owner: Any) -> None:
    path = _checkout_path(owner)
    assert Client(enforce_csrf_checks=True).post(path, {"action": "pay"}).status_code == 403
    assert available(owner) == 0


def test_it_is_refused_under_production_settings(settings: Any, client: Client, owner: Any) -> None:
    path = _checkout_path(owner)
    settings.PRODUCTION = True
    with pytest.raises(ImproperlyConfigured):
        SandboxGateway()
    assert client.get(path).status_code == 404
