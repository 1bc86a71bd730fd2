from __future__ import annotations

from typing import Any

from billing.payments.models import PurchaseStatus
from billing.selectors import wallet_balance, wallet_get_for_user
from tests.billing.payments.conftest import deliver, event, make_purchase, session_obj


def test_it_credits_a_paid_session(client: Any, owner: Any) -> None:
    purchase = make_purchase(owner, 10_000_000)
    response = deliver(client, event("checkout.session.completed", session_obj(purchase)))
    assert response.status_code == 200, response.content
    purchase.refresh_from_db()
    assert purchase.status == PurchaseStatus.PAID
    assert wallet_balance(wallet=wallet_get_for_user(user=owner)).available_micros == 10_000_000
