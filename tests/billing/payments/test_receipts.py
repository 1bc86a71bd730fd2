"""Receipts on the site (issue 14, item 15): one page per purchase, owner-only; an abandoned checkout can
be resumed or cancelled; in TEST MODE "Manage billing" explains itself; the sandbox checkout has Cancel."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

from django.core import mail
from django.test import Client

from billing.payments.models import Purchase, PurchaseStatus
from billing.payments.services.purchases import checkout_start
from tests.billing.payments.helpers import available


def _start(owner: Any, amount: int = 25_000_000) -> Purchase:
    return checkout_start(user=owner, amount_micros=amount, base_url="http://testserver")


def _pay(client: Client, purchase: Purchase) -> None:
    client.post(urlsplit(purchase.checkout_url).path, {"action": "pay"})


def test_a_paid_purchase_has_a_printable_receipt(client: Client, owner: Any) -> None:
    purchase = _start(owner)
    client.force_login(owner)
    _pay(client, purchase)
    page = client.get("/credits").content.decode()
    assert f'href="/credits/receipts/{purchase.public_id}"' in page  # from Recent purchases and History

    html = client.get(f"/credits/receipts/{purchase.public_id}").content.decode()

    assert 'data-testid="receipt-amount">$25.00<' in html
    assert 'data-testid="receipt-credits">5,275 credits<' in html
    assert 'data-testid="receipt-status">Paid<' in html
    assert "Sandbox checkout (TEST MODE" in html
    assert re.search(r"data-testid=\"receipt-paid-at\">\d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC<", html)
    assert "Print receipt" in html
    assert "js/print.js" in html


def test_nobody_else_sees_a_receipt(client: Client, owner: Any, outsider: Any) -> None:
    purchase = _start(owner)
    client.force_login(outsider)
    assert client.get(f"/credits/receipts/{purchase.public_id}").status_code == 404
    assert client.post(f"/credits/receipts/{purchase.public_id}/cancel").status_code == 404
    assert Purchase.objects.get(pk=purchase.pk).status == PurchaseStatus.PENDING


def test_an_abandoned_checkout_can_be_resumed_or_cancelled(client: Client, owner: Any) -> None:
    purchase = _start(owner)
    client.force_login(owner)
    page = client.get("/credits").content.decode()
    assert f'href="{purchase.checkout_url}" data-testid="purchase-resume"' in page
    assert f'action="/credits/receipts/{purchase.public_id}/cancel"' in page

    response = client.post(f"/credits/receipts/{purchase.public_id}/cancel")

    assert response["Location"] == "/credits"
    assert Purchase.objects.get(pk=purchase.pk).status == PurchaseStatus.EXPIRED
    after = client.get("/credits").content.decode()
    assert "Checkout cancelled; nothing was charged." in after
    assert 'data-testid="purchase-resume"' not in after
    _pay(client, purchase)  # the old sandbox page no longer takes a payment
    assert available(owner) == 0


def test_the_sandbox_checkout_page_has_cancel(client: Client, owner: Any) -> None:
    purchase = _start(owner)
    path = urlsplit(purchase.checkout_url).path
    assert b'data-testid="sandbox-cancel"' in client.get(path).content
    client.force_login(owner)
    assert client.post(path, {"action": "cancel"})["Location"] == "/credits"
    assert Purchase.objects.get(pk=purchase.pk).status == PurchaseStatus.EXPIRED
    assert b"This checkout is <strong>cancelled</strong>" in client.get(path).content


def test_manage_billing_explains_itself_in_test_mode(client: Client, owner: Any) -> None:
    client.force_login(owner)
    html = client.get("/credits").content.decode()
    assert 'data-testid="billing-test-mode"' in html
    assert "/credits/billing-portal" not in html
    response = client.post("/credits/billing-portal", follow=True)  # an old form or a script
    assert "there is no Stripe billing portal" in response.content.decode()


def test_the_receipt_email_dates_the_payment_like_the_pages(
    client: Client, owner: Any, django_capture_on_commit_callbacks: Any
) -> None:
    purchase = _start(owner)
    with django_capture_on_commit_callbacks(execute=True):
        _pay(client, purchase)
    body = str(mail.outbox[-1].body)
    assert re.search(r"Date: +\d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC\n", body), body
