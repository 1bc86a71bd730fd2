"""Freeze, unfreeze and close (close forfeits the remainder with a recorded entry)."""

import pytest

from billing.errors import HoldAlreadyResolved, IdempotencyConflict, WalletClosed
from billing.models import AccountStatus, HoldStatus, HouseAccount, LedgerTransaction, WalletStatusChange
from billing.selectors import house_balance, wallet_balance
from billing.services import (
    credits_purchase,
    credits_reserve,
    hold_capture,
    hold_release,
    wallet_close,
    wallet_freeze,
    wallet_unfreeze,
)
from tests.billing.support import fund, later, wallet_of


@pytest.fixture
def wallet(owner):
    wallet = wallet_of(owner)
    fund(wallet, 1_000)
    return wallet


def test_it_freezes_and_unfreezes_with_an_audit_row(wallet):
    hold = credits_reserve(wallet=wallet, amount_micros=100, expires_at=later(), key="h1")
    assert wallet_freeze(wallet=wallet, reason="review", key="f1").status == AccountStatus.FROZEN
    # Open holds still settle and payments still credit while frozen.
    hold_capture(hold=hold, amount_micros=50)
    fund(wallet, 10)
    assert wallet_unfreeze(wallet=wallet, reason="cleared", key="u1").status == AccountStatus.ACTIVE
    credits_reserve(wallet=wallet, amount_micros=1, expires_at=later(), key="h2")
    assert list(WalletStatusChange.objects.order_by("id").values_list("action", "status_after")) == [
        ("freeze", "frozen"),
        ("unfreeze", "active"),
    ]


def test_it_replays_a_status_key_and_refuses_another_action_on_it(wallet):
    wallet_freeze(wallet=wallet, reason="review", key="f1")
    wallet_freeze(wallet=wallet, reason="review", key="f1")
    assert WalletStatusChange.objects.count() == 1
    with pytest.raises(IdempotencyConflict):
        wallet_unfreeze(wallet=wallet, reason="x", key="f1")


def test_it_closes_releasing_holds_and_forfeiting_the_rest(wallet):
    hold = credits_reserve(wallet=wallet, amount_micros=100, expires_at=later(), key="h1")
    closed = wallet_close(wallet=wallet, reason="erasure request", key="c1")
    assert closed.status == AccountStatus.CLOSED
    hold.refresh_from_db()
    assert hold.status == HoldStatus.RELEASED
    balance = wallet_balance(wallet=wallet)
    assert (balance.balance_micros, balance.held_micros) == (0, 0)
    assert house_balance(code=HouseAccount.FORFEITED) == 1_000
    forfeit = LedgerTransaction.objects.get(code="forfeit")
    assert forfeit.memo == "erasure request"
    with pytest.raises(HoldAlreadyResolved):
        hold_capture(hold=hold, amount_micros=1)


def test_it_closes_once(wallet):
    wallet_close(wallet=wallet, reason="bye", key="c1")
    wallet_close(wallet=wallet, reason="bye", key="c1")
    wallet_close(wallet=wallet, reason="bye", key="c2")
    assert LedgerTransaction.objects.filter(code="forfeit").count() == 1
    assert house_balance(code=HouseAccount.FORFEITED) == 1_000


def test_a_closed_wallet_stays_closed(wallet):
    wallet_close(wallet=wallet, reason="bye", key="c1")
    for change in (wallet_unfreeze, wallet_freeze):
        with pytest.raises(WalletClosed):
            change(wallet=wallet, reason="x", key=f"k-{change.__name__}")
    with pytest.raises(WalletClosed):
        credits_purchase(
            wallet=wallet, amount_micros=5, payment_reference="cs_x", source="stripe", key="cs_x"
        )


def test_it_releases_after_close_only_once(wallet):
    hold = credits_reserve(wallet=wallet, amount_micros=100, expires_at=later(), key="h1")
    wallet_close(wallet=wallet, reason="bye", key="c1")
    with pytest.raises(HoldAlreadyResolved) as exc:
        hold_release(hold=hold)
    assert exc.value.reason == "already_released"
