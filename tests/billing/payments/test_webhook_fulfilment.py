"""P2 to P4 on SQLite: one credit per Checkout Session whatever arrives (S-05, S-06, S-09)."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from django.core import mail

from billing.models import CustomerEvent
from billing.payments.models import PurchaseStatus, StripeEvent, StripeEventStatus
from tests.billing.payments.conftest import deliver, event, make_purchase, session_obj
from tests.billing.payments.helpers import available, purchased
from tests.billing.support import figure


def test_it_credits_a_paid_session_once_and_sends_a_receipt(
    client: Any, owner: Any, django_capture_on_commit_callbacks: Any
) -> None:
    purchase = make_purchase(owner, 25_000_000)
    with django_capture_on_commit_callbacks(execute=True):
        response = deliver(client, event("checkout.session.completed", session_obj(purchase)))
    assert response.status_code == 200
    purchase.refresh_from_db()
    assert purchase.status == PurchaseStatus.PAID
    assert purchase.payment_intent_id == f"pi_{purchase.public_id.hex[:24]}"
    assert available(owner) == 25_000_000
    events = CustomerEvent.objects.filter(user=owner, event_type="credit_added")
    assert [e.params["amount"] for e in events] == [2500]  # cents
    assert len(mail.outbox) == 1
    receipt = mail.outbox[0]
    assert receipt.to == [owner.email]
    assert receipt.subject == "Your receipt: $25.00 of credits"
    assert "$25.00" in receipt.body
    assert "Credits:  5,275\n" in receipt.body
    assert receipt.alternatives
    assert "$25.00" in str(receipt.alternatives[0][0])


def test_it_ignores_a_duplicate_delivery_of_the_same_event(client: Any, owner: Any) -> None:
    purchase = make_purchase(owner)
    completed = event("checkout.session.completed", session_obj(purchase))
    statuses = [deliver(client, completed).status_code for _ in range(3)]
    assert statuses == [200, 200, 200]
    assert available(owner) == 10_000_000
    assert StripeEvent.objects.filter(event_id=completed["id"]).count() == 1


def test_it_credits_once_when_completed_and_async_succeeded_both_arrive(client: Any, owner: Any) -> None:
    purchase = make_purchase(owner)
    deliver(client, event("checkout.session.completed", session_obj(purchase)))
    deliver(client, event("checkout.session.async_payment_succeeded", session_obj(purchase)))
    assert purchased(owner) == 10_000_000
    assert StripeEvent.objects.filter(status=StripeEventStatus.PROCESSED).count() == 2


def test_it_waits_for_async_payment_and_never_credits_a_failed_one(
    client: Any, owner: Any, record_property: Any
) -> None:
    """S-05: completed+unpaid → 0, then async_payment_succeeded → N; another session fails → 0."""
    purchase = make_purchase(owner, 50_000_000)
    deliver(client, event("checkout.session.completed", session_obj(purchase, payment_status="unpaid")))
    after_unpaid = available(owner)
    deliver(client, event("checkout.session.async_payment_succeeded", session_obj(purchase)))
    after_succeeded = available(owner)
    failing = make_purchase(owner, 10_000_000)
    deliver(client, event("checkout.session.completed", session_obj(failing, payment_status="unpaid")))
    deliver(
        client, event("checkout.session.async_payment_failed", session_obj(failing, payment_status="unpaid"))
    )
    failing.refresh_from_db()
    assert (after_unpaid, after_succeeded, available(owner)) == (0, 50_000_000, 50_000_000)
    assert failing.status == PurchaseStatus.FAILED
    figure(record_property, "S-05", unpaid=after_unpaid, succeeded=after_succeeded, failed_session=0)


def test_it_marks_an_expired_session_and_never_downgrades_a_paid_one(client: Any, owner: Any) -> None:
    expired = make_purchase(owner)
    deliver(
        client,
        event("checkout.session.expired", session_obj(expired, payment_status="unpaid", status="expired")),
    )
    expired.refresh_from_db()
    assert expired.status == PurchaseStatus.EXPIRED
    paid = make_purchase(owner)
    deliver(client, event("checkout.session.completed", session_obj(paid)))
    deliver(client, event("checkout.session.expired", session_obj(paid, status="expired")))
    paid.refresh_from_db()
    assert paid.status == PurchaseStatus.PAID


def test_it_credits_the_price_table_value_whatever_the_metadata_says(
    client: Any, owner: Any, record_property: Any
) -> None:
    """S-06: metadata tampered to credits=1000000 on a $5 session → $5 of credits."""
    purchase = make_purchase(owner, 5_000_000)
    tampered = session_obj(
        purchase,
        metadata={"purchase_id": str(purchase.public_id), "credits": "1000000", "amount_micros": "9" * 12},
    )
    deliver(client, event("checkout.session.completed", tampered))
    assert available(owner) == 5_000_000
    figure(record_property, "S-06", credits_micros=available(owner))


def test_it_refuses_a_session_whose_amount_differs_from_the_purchase(
    client: Any, owner: Any, caplog: Any
) -> None:
    purchase = make_purchase(owner, 5_000_000)
    with caplog.at_level(logging.ERROR):
        response = deliver(
            client, event("checkout.session.completed", session_obj(purchase, amount_total=1_000_000))
        )
    assert response.status_code == 200
    assert available(owner) == 0
    row = StripeEvent.objects.get()
    assert row.status == StripeEventStatus.IGNORED
    assert "500" in row.error
    assert "ALERT" in caplog.text


def test_it_refuses_metadata_pointing_at_another_purchase(client: Any, owner: Any, outsider: Any) -> None:
    cheap = make_purchase(outsider, 5_000_000)
    dear = make_purchase(owner, 1_000_000_000)
    obj = session_obj(cheap, metadata={"purchase_id": str(dear.public_id)})
    obj["id"] = "cs_test_unknown_session"
    deliver(client, event("checkout.session.completed", obj))
    assert available(owner) == 0
    assert available(outsider) == 0


def test_it_credits_nothing_on_a_livemode_mismatch_and_alerts(
    client: Any, owner: Any, caplog: Any, record_property: Any
) -> None:
    purchase = make_purchase(owner)
    with caplog.at_level(logging.ERROR):
        response = deliver(client, event("checkout.session.completed", session_obj(purchase), livemode=True))
    assert response.status_code == 200
    assert available(owner) == 0
    assert "ALERT" in caplog.text
    assert "livemode" in caplog.text
    figure(record_property, "S-06", livemode_mismatch_credits=available(owner))


def test_it_leaves_a_failed_credit_retryable_and_the_retry_credits_once(
    client: Any, owner: Any, monkeypatch: pytest.MonkeyPatch, record_property: Any
) -> None:
    """S-09: a credit that raises mid-transaction → 500, event kept as failed; Stripe's retry credits 1."""
    import billing.services as ledger

    purchase = make_purchase(owner)
    completed = event("checkout.session.completed", session_obj(purchase))
    real = ledger.credits_purchase

    def broken(**kwargs: Any) -> Any:
        real(**kwargs)  # the ledger write happens, then the transaction dies
        raise RuntimeError("database went away")

    monkeypatch.setattr(ledger, "credits_purchase", broken)
    first = deliver(client, completed)
    assert first.status_code == 500
    assert "error" in first.json()
    assert available(owner) == 0
    row = StripeEvent.objects.get(event_id=completed["id"])
    assert row.status == StripeEventStatus.FAILED
    assert "database went away" in row.error
    monkeypatch.setattr(ledger, "credits_purchase", real)
    retry = deliver(client, completed)
    assert retry.status_code == 200
    assert available(owner) == 10_000_000
    row.refresh_from_db()
    assert row.status == StripeEventStatus.PROCESSED
    assert row.attempts == 2
    figure(record_property, "S-09", retry_credits=1)


def test_it_ignores_malformed_objects_in_signed_events_without_a_500(client: Any, owner: Any) -> None:
    bad = [
        event("charge.refunded", {"id": "ch_1", "payment_intent": "pi_1", "amount_refunded": "100"}),
        event("charge.refunded", {"id": "ch_1", "payment_intent": None, "amount_refunded": 100}),
        event("charge.dispute.created", {"id": "dp_1"}),
        event("checkout.session.expired", {"id": 5}),
        event("checkout.session.completed", {"id": "cs_nope", "payment_status": "paid", "amount_total": 500}),
    ]
    assert [deliver(client, e).status_code for e in bad] == [200] * len(bad)
    assert available(owner) == 0


def test_it_alerts_instead_of_retrying_forever_when_the_wallet_is_closed(
    client: Any, owner: Any, caplog: Any
) -> None:
    from billing.selectors import wallet_get_for_user
    from billing.services import wallet_close

    purchase = make_purchase(owner)
    wallet_close(wallet=wallet_get_for_user(user=owner), reason="deleted", key="close-1")
    with caplog.at_level(logging.ERROR):
        response = deliver(client, event("checkout.session.completed", session_obj(purchase)))
    assert response.status_code == 200
    assert StripeEvent.objects.get().status == StripeEventStatus.IGNORED
    assert "refund it in Stripe" in caplog.text
    purchase.refresh_from_db()
    assert purchase.status == PurchaseStatus.PENDING


def test_it_fulfils_a_processing_auto_top_up_from_payment_intent_succeeded(client: Any, owner: Any) -> None:
    from billing.payments.models import Purchase, PurchaseKind

    purchase = Purchase.objects.create(
        user=owner,
        kind=PurchaseKind.AUTO_TOPUP,
        gateway="stripe",
        amount_micros=25_000_000,
        payment_intent_id="pi_auto",
    )
    intent = {
        "id": "pi_auto",
        "object": "payment_intent",
        "amount_received": 2500,
        "metadata": {"purchase_id": str(purchase.public_id), "kind": "auto_topup"},
    }
    for _ in range(2):
        assert deliver(client, event("payment_intent.succeeded", intent)).status_code == 200
    assert available(owner) == 25_000_000
    # A checkout's own PaymentIntent events are left to the session events.
    checkout = make_purchase(owner)
    other = {
        "id": "pi_checkout",
        "amount_received": 1000,
        "metadata": {"purchase_id": str(checkout.public_id)},
    }
    deliver(client, event("payment_intent.succeeded", other))
    assert available(owner) == 25_000_000


@pytest.mark.parametrize("amount", [True, 2500.0, "2500", None])
def test_it_rejects_an_auto_top_up_intent_whose_amount_is_not_an_integer(
    client: Any, owner: Any, amount: Any
) -> None:
    from billing.payments.models import Purchase, PurchaseKind

    purchase = Purchase.objects.create(
        user=owner,
        kind=PurchaseKind.AUTO_TOPUP,
        gateway="stripe",
        amount_micros=10_000,
        payment_intent_id="pi_x",
    )
    intent = {
        "id": "pi_x",
        "object": "payment_intent",
        "amount_received": amount,  # True is an int to isinstance, and 1 cent = this purchase
        "metadata": {"purchase_id": str(purchase.public_id), "kind": "auto_topup"},
    }
    response = deliver(client, event("payment_intent.succeeded", intent))
    assert (response.status_code, response.json()["result"]) == (200, "rejected")
    assert available(owner) == 0
