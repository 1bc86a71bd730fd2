"""Auto top-up (off-session PaymentIntent, monthly cap, off after 3 failures) and low-balance e-mails."""

from __future__ import annotations

from typing import Any

from django.core import mail

from billing.payments.models import AutoTopUp, Purchase, PurchaseKind, PurchaseStatus, StripeCustomer
from billing.payments.services import (
    auto_topup_configure,
    low_balance_configure,
    payments_after_balance_change,
)
from billing.selectors import wallet_get_for_user
from billing.services import credits_reserve, hold_capture
from tests.billing.payments.helpers import available
from tests.billing.support import fund, later


def _on(user: Any, *, threshold: int = 5_000_000, amount: int = 25_000_000, cap: int = 100_000_000) -> None:
    auto_topup_configure(
        user=user, enabled=True, threshold_micros=threshold, amount_micros=amount, monthly_cap_micros=cap
    )


def _spend(user: Any, micros: int, key: str) -> None:
    hold = credits_reserve(
        wallet=wallet_get_for_user(user=user), amount_micros=micros, expires_at=later(), key=key
    )
    hold_capture(hold=hold, amount_micros=micros)


def test_it_tops_up_below_the_threshold_through_the_hook(
    owner: Any, django_capture_on_commit_callbacks: Any
) -> None:
    _on(owner)
    with django_capture_on_commit_callbacks(execute=True):
        payments_after_balance_change(user=owner)
    assert available(owner) == 25_000_000
    purchase = Purchase.objects.get(user=owner, kind=PurchaseKind.AUTO_TOPUP)
    assert purchase.status == PurchaseStatus.PAID
    assert any("receipt" in m.subject.lower() for m in mail.outbox)


def test_it_does_nothing_above_the_threshold_or_when_off(owner: Any) -> None:
    from billing.payments.services import balance_checks_run

    fund(wallet_get_for_user(user=owner), 10_000_000)
    _on(owner)
    balance_checks_run(user=owner)
    AutoTopUp.objects.update(enabled=False)
    _spend(owner, 9_000_000, "spend-1")
    balance_checks_run(user=owner)
    assert not Purchase.objects.exists()


def test_it_respects_the_monthly_cap(owner: Any, django_capture_on_commit_callbacks: Any) -> None:
    from billing.payments.services import balance_checks_run

    _on(owner, threshold=30_000_000, amount=25_000_000, cap=50_000_000)
    for n in range(4):
        with django_capture_on_commit_callbacks(execute=True):
            balance_checks_run(user=owner)
        if available(owner) >= 25_000_000:
            _spend(owner, 25_000_000, f"spend-{n}")
    assert Purchase.objects.filter(kind=PurchaseKind.AUTO_TOPUP, status=PurchaseStatus.PAID).count() == 2


def test_it_charges_the_saved_card_off_session_with_a_key_per_attempt(
    owner: Any, stripe_api: Any, django_capture_on_commit_callbacks: Any
) -> None:
    from billing.payments.services import balance_checks_run

    StripeCustomer.objects.create(user=owner, stripe_customer_id="cus_saved")
    _on(owner)
    with django_capture_on_commit_callbacks(execute=True):
        balance_checks_run(user=owner)
    purchase = Purchase.objects.get(user=owner, kind=PurchaseKind.AUTO_TOPUP)
    [request] = stripe_api.posts("/v1/payment_intents")
    assert request.idempotency_key == f"autotopup:{purchase.public_id}"
    assert request.form["off_session"] == "true"
    assert request.form["confirm"] == "true"
    assert (request.form["customer"], request.form["payment_method"], request.form["amount"]) == (
        "cus_saved",
        "pm_card_visa",
        "2500",
    )
    assert purchase.status == PurchaseStatus.PAID
    assert purchase.payment_intent_id == stripe_api.created["/v1/payment_intents"][0]["id"]
    assert available(owner) == 25_000_000


def test_it_turns_itself_off_after_3_failed_charges_and_tells_the_user(
    owner: Any, stripe_api: Any, django_capture_on_commit_callbacks: Any
) -> None:
    from billing.payments.services import balance_checks_run

    StripeCustomer.objects.create(user=owner, stripe_customer_id="cus_saved")
    stripe_api.decline_payment_intents = True
    _on(owner)
    for _ in range(4):
        with django_capture_on_commit_callbacks(execute=True):
            balance_checks_run(user=owner)
    config = AutoTopUp.objects.get(user=owner)
    assert not config.enabled
    assert config.consecutive_failures == 3
    assert "declined" in config.disabled_reason
    assert len(stripe_api.posts("/v1/payment_intents")) == 3
    assert Purchase.objects.filter(status=PurchaseStatus.FAILED).count() == 3
    assert available(owner) == 0
    [notice] = [m for m in mail.outbox if "turned off" in m.subject]
    assert notice.to == [owner.email]


def test_it_e_mails_a_low_balance_once_per_crossing(
    owner: Any, django_capture_on_commit_callbacks: Any
) -> None:
    from billing.payments.services import balance_checks_run

    def check() -> None:
        with django_capture_on_commit_callbacks(execute=True):
            balance_checks_run(user=owner)

    low_balance_configure(user=owner, enabled=True, threshold_micros=5_000_000)
    fund(wallet_get_for_user(user=owner), 10_000_000)
    check()
    _spend(owner, 6_000_000, "a")
    check()
    check()
    assert len([m for m in mail.outbox if "low" in m.subject]) == 1
    fund(wallet_get_for_user(user=owner), 10_000_000)
    check()
    _spend(owner, 10_000_000, "b")
    check()
    assert len([m for m in mail.outbox if "low" in m.subject]) == 2


def test_a_capture_says_when_it_leaves_the_wallet_below_its_watch_level(owner: Any) -> None:
    fund(wallet_get_for_user(user=owner), 10_000_000)
    _on(owner, threshold=5_000_000)
    above = credits_reserve(
        wallet=wallet_get_for_user(user=owner), amount_micros=4_000_000, expires_at=later(), key="w-1"
    )
    assert not hold_capture(hold=above, amount_micros=4_000_000).balance_watch_due  # 6 left ≥ 5
    below = credits_reserve(
        wallet=wallet_get_for_user(user=owner), amount_micros=2_000_000, expires_at=later(), key="w-2"
    )
    assert hold_capture(hold=below, amount_micros=2_000_000).balance_watch_due  # 4 left < 5
