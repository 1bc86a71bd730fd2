"""S-09: after an outage of the webhook endpoint, the recovery jobs leave no payment unfulfilled."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone

from billing.payments.models import Purchase, PurchaseStatus, StripeEvent
from billing.payments.services import auto_topup_configure, low_balance_configure
from billing.payments.tasks import balance_watch_sweep, recover_undelivered_events, sweep_open_purchases
from tests.billing.payments.conftest import event, make_purchase, refund_obj, session_obj
from tests.billing.payments.helpers import available
from tests.billing.support import figure


def test_it_applies_events_stripe_could_not_deliver(
    owner: Any, teammate: Any, stripe_api: Any, record_property: Any
) -> None:
    """The endpoint answered 500 for hours: Stripe lists the events as undelivered; we apply them once."""
    first, second = make_purchase(owner, 10_000_000), make_purchase(teammate, 20_000_000)
    stripe_api.undelivered = [
        event("checkout.session.completed", session_obj(first)),
        event("checkout.session.async_payment_succeeded", session_obj(second)),
        event("charge.refunded", refund_obj(first, amount_refunded_cents=400)),
    ]
    assert recover_undelivered_events() == 3
    assert recover_undelivered_events() == 0  # a second run finds them all already applied
    assert (available(owner), available(teammate)) == (6_000_000, 20_000_000)
    [listing, *_] = [r for r in stripe_api.requests if r.path == "/v1/events"]
    assert listing.form["delivery_success"] == "false"
    assert "checkout.session.completed" in listing.form.values()
    assert StripeEvent.objects.count() == 3
    figure(record_property, "S-09", missing_fulfilments=0)


def test_recovery_and_sweep_together_miss_nothing(owner: Any, stripe_api: Any) -> None:
    """A session whose event never made it into the list is still found by the open-session sweep."""
    from billing.payments.services.purchases import checkout_start

    purchase = checkout_start(user=owner, amount_micros=30_000_000, base_url="http://testserver")
    assert purchase.checkout_session_id
    stripe_api.set_session(purchase.checkout_session_id, status="complete", payment_status="paid")
    Purchase.objects.update(created_at=timezone.now() - timedelta(hours=2))
    assert recover_undelivered_events() == 0
    assert sweep_open_purchases() == 1
    assert Purchase.objects.get().status == PurchaseStatus.PAID
    assert available(owner) == 30_000_000


def test_recovery_does_nothing_in_the_sandbox(db: None) -> None:
    assert recover_undelivered_events() == 0


def test_the_balance_watch_sweep_covers_users_who_opted_in(
    owner: Any, teammate: Any, django_capture_on_commit_callbacks: Any
) -> None:
    auto_topup_configure(
        user=owner,
        enabled=True,
        threshold_micros=5_000_000,
        amount_micros=10_000_000,
        monthly_cap_micros=50_000_000,
    )
    low_balance_configure(user=teammate, enabled=True, threshold_micros=1_000_000)
    with django_capture_on_commit_callbacks(execute=True):
        assert balance_watch_sweep() == 2
    assert available(owner) == 10_000_000
    assert available(teammate) == 0
