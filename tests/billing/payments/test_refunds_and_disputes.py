"""P5: refunds apply as deltas, disputes freeze, lost disputes claw back; the wallet never goes below zero
(S-04, S-07, S-08)."""

from __future__ import annotations

import itertools
from typing import Any

import pytest

from billing.errors import WalletFrozen
from billing.models import AccountStatus, LedgerEntry
from billing.selectors import wallet_get_for_user
from billing.services import credits_reserve, hold_capture
from tests.billing.payments.conftest import (
    deliver,
    dispute_obj,
    event,
    make_purchase,
    refund_obj,
    session_obj,
)
from tests.billing.payments.helpers import available
from tests.billing.support import figure, later
from tests.conftest import make_user


def _spend(user: Any, micros: int) -> None:
    hold = credits_reserve(
        wallet=wallet_get_for_user(user=user),
        amount_micros=micros,
        expires_at=later(),
        key=f"spend:{user.pk}:{micros}",
    )
    hold_capture(hold=hold, amount_micros=micros)


def _ledger_of(user: Any, reference: str) -> list[tuple[str, str, int]]:
    """The legs booked for one payment, by account (wallet or house code) — comparable across users."""
    legs = LedgerEntry.objects.filter(transaction__payment_reference=reference).select_related(
        "account", "transaction"
    )
    return sorted((leg.transaction.code, leg.account.code or "wallet", leg.amount_micros) for leg in legs)


def test_it_ends_in_the_same_ledger_in_all_24_orders(client: Any, db: None, record_property: Any) -> None:
    """S-04: every order of completed, refunded (full), dispute created, dispute closed (lost)."""
    names = ["completed", "refunded", "dispute_created", "dispute_lost"]
    outcomes = set()
    never_negative = 0
    for n, order in enumerate(itertools.permutations(names)):
        user = make_user(f"s04-{n}@example.com")
        purchase = make_purchase(user, 20_000_000)
        builders = {
            "completed": lambda p=purchase: event("checkout.session.completed", session_obj(p)),
            "refunded": lambda p=purchase: event(
                "charge.refunded", refund_obj(p, amount_refunded_cents=2000)
            ),
            "dispute_created": lambda p=purchase: event("charge.dispute.created", dispute_obj(p)),
            "dispute_lost": lambda p=purchase: event("charge.dispute.closed", dispute_obj(p, status="lost")),
        }
        lowest = 0
        for name in order:
            assert deliver(client, builders[name]()).status_code == 200
            lowest = min(lowest, available(user))
        wallet = wallet_get_for_user(user=user)
        outcomes.add(
            (available(user), wallet.status, tuple(_ledger_of(user, purchase.checkout_session_id or "")))
        )
        never_negative += lowest >= 0
    assert len(outcomes) == 1, outcomes
    balance, status, _ = outcomes.pop()
    assert (balance, status) == (0, AccountStatus.ACTIVE)
    assert never_negative == 24
    figure(record_property, "S-04", identical=f"{24}/24", balance_nonnegative=f"{never_negative}/24")


def test_it_claws_back_what_is_available_and_books_the_rest_as_loss(
    client: Any, owner: Any, teammate: Any, record_property: Any
) -> None:
    """S-07: full refund after 40% was spent → 60% clawed back, 40% to chargeback_loss; partial refunds of
    30% then 20% (cumulative 50%) apply as deltas."""
    purchase = make_purchase(owner, 100_000_000)
    deliver(client, event("checkout.session.completed", session_obj(purchase)))
    _spend(owner, 40_000_000)
    deliver(client, event("charge.refunded", refund_obj(purchase, amount_refunded_cents=10_000)))
    legs = _ledger_of(owner, purchase.checkout_session_id or "")
    clawed = -sum(a for code, acct, a in legs if code == "clawback" and acct == "wallet")
    loss = -sum(a for code, acct, a in legs if code == "clawback" and acct == "chargeback_loss")
    assert (clawed, loss, available(owner)) == (60_000_000, 40_000_000, 0)

    partial = make_purchase(teammate, 100_000_000)
    deliver(client, event("checkout.session.completed", session_obj(partial)))
    deliver(client, event("charge.refunded", refund_obj(partial, amount_refunded_cents=3_000)))
    after_first = available(teammate)
    deliver(client, event("charge.refunded", refund_obj(partial, amount_refunded_cents=5_000)))
    # A late, out-of-order delivery of the first refund event changes nothing (cumulative, not additive).
    deliver(client, event("charge.refunded", refund_obj(partial, amount_refunded_cents=3_000)))
    assert (after_first, available(teammate)) == (70_000_000, 50_000_000)
    figure(
        record_property,
        "S-07",
        clawback_pct=60,
        loss_pct=40,
        partial_deltas="30,20",
        balance=available(owner),
    )


def test_it_freezes_new_holds_while_a_dispute_is_open_and_unfreezes_when_won(
    client: Any, owner: Any, record_property: Any
) -> None:
    purchase = make_purchase(owner, 30_000_000)
    deliver(client, event("checkout.session.completed", session_obj(purchase)))
    deliver(client, event("charge.dispute.created", dispute_obj(purchase)))
    wallet = wallet_get_for_user(user=owner)
    with pytest.raises(WalletFrozen):
        credits_reserve(wallet=wallet, amount_micros=1_000_000, expires_at=later(), key="during-dispute")
    deliver(client, event("charge.dispute.closed", dispute_obj(purchase, status="won")))
    wallet.refresh_from_db()
    assert wallet.status == AccountStatus.ACTIVE
    assert available(owner) == 30_000_000  # won: everything restored
    credits_reserve(wallet=wallet, amount_micros=1_000_000, expires_at=later(), key="after-dispute")
    figure(record_property, "S-08", reservations_ok_while_open=0, restored_pct=100)


def test_it_claws_back_a_lost_dispute_and_keeps_the_wallet_at_zero_or_more(client: Any, owner: Any) -> None:
    purchase = make_purchase(owner, 30_000_000)
    deliver(client, event("checkout.session.completed", session_obj(purchase)))
    _spend(owner, 10_000_000)
    deliver(client, event("charge.dispute.created", dispute_obj(purchase)))
    deliver(client, event("charge.dispute.closed", dispute_obj(purchase, status="lost")))
    assert available(owner) == 0
    assert wallet_get_for_user(user=owner).status == AccountStatus.ACTIVE


def test_it_keeps_the_wallet_frozen_while_another_dispute_is_open(client: Any, owner: Any) -> None:
    first, second = make_purchase(owner), make_purchase(owner)
    for purchase in (first, second):
        deliver(client, event("checkout.session.completed", session_obj(purchase)))
        deliver(client, event("charge.dispute.created", dispute_obj(purchase)))
    deliver(client, event("charge.dispute.closed", dispute_obj(first, status="won")))
    assert wallet_get_for_user(user=owner).status == AccountStatus.FROZEN
    deliver(client, event("charge.dispute.closed", dispute_obj(second, status="won")))
    assert wallet_get_for_user(user=owner).status == AccountStatus.ACTIVE


def test_a_clawback_sends_the_low_balance_e_mail_but_never_tops_up(
    client: Any, owner: Any, django_capture_on_commit_callbacks: Any
) -> None:
    """A refund that takes the wallet below the alert threshold warns at once (not at the next sweep); the
    card whose payment was just refunded is not charged again by auto top-up."""
    from django.core import mail

    from billing.payments.models import Purchase, PurchaseKind
    from billing.payments.services import auto_topup_configure, low_balance_configure

    purchase = make_purchase(owner, 10_000_000)
    deliver(client, event("checkout.session.completed", session_obj(purchase)))
    low_balance_configure(user=owner, enabled=True, threshold_micros=5_000_000)
    auto_topup_configure(
        user=owner,
        enabled=True,
        threshold_micros=5_000_000,
        amount_micros=10_000_000,
        monthly_cap_micros=100_000_000,
    )
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        deliver(client, event("charge.refunded", refund_obj(purchase, amount_refunded_cents=800)))
    assert available(owner) == 2_000_000
    assert [m.to for m in mail.outbox if "balance" in m.subject.lower()] == [[owner.email]]
    assert not Purchase.objects.filter(user=owner, kind=PurchaseKind.AUTO_TOPUP).exists()


@pytest.mark.parametrize(
    ("events", "why"),
    [
        (["completed", "refunded"], "refunded or disputed"),
        (["completed", "dispute_created"], "is disputed"),
    ],
)
def test_it_turns_auto_top_up_off_after_a_refund_or_dispute(
    client: Any, owner: Any, events: list[str], why: str, django_capture_on_commit_callbacks: Any
) -> None:
    """The balance sweep must not charge the card again right after its payment was refunded or disputed."""
    from django.core import mail

    from billing.payments.models import AutoTopUp
    from billing.payments.services import auto_topup_configure

    auto_topup_configure(
        user=owner,
        enabled=True,
        threshold_micros=5_000_000,
        amount_micros=10_000_000,
        monthly_cap_micros=50_000_000,
    )
    purchase = make_purchase(owner, 10_000_000)
    builders = {
        "completed": lambda: event("checkout.session.completed", session_obj(purchase)),
        "refunded": lambda: event("charge.refunded", refund_obj(purchase, amount_refunded_cents=1000)),
        "dispute_created": lambda: event("charge.dispute.created", dispute_obj(purchase)),
    }
    with django_capture_on_commit_callbacks(execute=True):
        for name in events:
            assert deliver(client, builders[name]()).status_code == 200
    config = AutoTopUp.objects.get(user=owner)
    assert not config.enabled
    assert why in config.disabled_reason
    assert any("Auto top-up was turned off" in m.subject for m in mail.outbox)
