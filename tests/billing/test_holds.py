"""Reserve, capture, release (L-03, L6): the overdraft guard and exactly-once resolution."""

import pytest

from billing.errors import (
    CaptureExceedsHold,
    HoldAlreadyResolved,
    IdempotencyConflict,
    InsufficientCredits,
    InvalidLedgerRequest,
    WalletClosed,
    WalletFrozen,
)
from billing.models import Hold, HoldStatus, HouseAccount, LedgerAccount, LedgerTransaction
from billing.selectors import house_balance, wallet_balance, wallet_open_holds
from billing.services import credits_reserve, hold_capture, hold_release, wallet_close, wallet_freeze
from tests.billing.support import fund, later, wallet_of


@pytest.fixture
def wallet(owner):
    wallet = wallet_of(owner)
    fund(wallet, 1_000)
    return wallet


def _state(wallet):
    b = wallet_balance(wallet=wallet)
    return b.balance_micros, b.held_micros, b.available_micros


def test_it_reserves_from_available(wallet):
    hold = credits_reserve(wallet=wallet, amount_micros=100, expires_at=later(), key="h1", memo="flux")
    assert (hold.status, hold.amount_micros, hold.memo) == (HoldStatus.OPEN, 100, "flux")
    assert _state(wallet) == (1_000, 100, 900)
    assert list(wallet_open_holds(wallet=wallet)) == [hold]


def test_it_refuses_a_reservation_above_available(wallet):
    credits_reserve(wallet=wallet, amount_micros=900, expires_at=later(), key="h1")
    with pytest.raises(InsufficientCredits) as exc:
        credits_reserve(wallet=wallet, amount_micros=101, expires_at=later(), key="h2")
    api = exc.value.to_api_error()
    assert (api.status, api.error_type) == (402, "insufficient_credits")
    assert _state(wallet) == (1_000, 900, 100)
    assert not Hold.objects.filter(key="h2").exists()


def test_it_replays_a_key_and_refuses_a_different_request_on_it(wallet):
    first = credits_reserve(wallet=wallet, amount_micros=100, expires_at=later(), key="h1")
    again = credits_reserve(wallet=wallet, amount_micros=100, expires_at=later(60), key="h1")
    assert first.pk == again.pk
    assert _state(wallet) == (1_000, 100, 900)
    with pytest.raises(IdempotencyConflict):
        credits_reserve(wallet=wallet, amount_micros=200, expires_at=later(), key="h1")


def test_it_partially_captures_and_returns_the_rest(wallet, record_property):
    """L-03: reserve 100, capture 37 → 37 debited, 63 returned."""
    hold = credits_reserve(wallet=wallet, amount_micros=100, expires_at=later(), key="h1")
    captured = hold_capture(hold=hold, amount_micros=37)
    assert (captured.status, captured.captured_micros) == (HoldStatus.CAPTURED, 37)
    assert _state(wallet) == (963, 0, 963)
    assert house_balance(code=HouseAccount.USAGE_REVENUE) == 37
    record_property("L-03.returned", 100 - 37)
    print("FIGURE L-03 debited=37 returned=63")


def test_it_rejects_a_capture_above_the_hold_and_changes_nothing(wallet):
    hold = credits_reserve(wallet=wallet, amount_micros=100, expires_at=later(), key="h1")
    with pytest.raises(CaptureExceedsHold) as exc:
        hold_capture(hold=hold, amount_micros=101)
    assert exc.value.to_api_error().error_type == "exceeds_reserved"
    hold.refresh_from_db()
    assert hold.status == HoldStatus.OPEN
    assert _state(wallet) == (1_000, 100, 900)
    assert not LedgerTransaction.objects.filter(code="capture").exists()


def test_it_captures_zero_without_a_transaction(wallet):
    hold = credits_reserve(wallet=wallet, amount_micros=100, expires_at=later(), key="h1")
    hold_capture(hold=hold, amount_micros=0)
    assert _state(wallet) == (1_000, 0, 1_000)
    assert not LedgerTransaction.objects.filter(code="capture").exists()


def test_it_releases_in_full(wallet):
    hold = credits_reserve(wallet=wallet, amount_micros=100, expires_at=later(), key="h1")
    released = hold_release(hold=hold, reason="upstream 500")
    assert (released.status, released.resolution_reason) == (HoldStatus.RELEASED, "upstream 500")
    assert _state(wallet) == (1_000, 0, 1_000)


@pytest.mark.parametrize(
    ("first", "second", "reason"),
    [
        ("capture", "capture", "already_captured"),
        ("capture", "release", "already_captured"),
        ("release", "capture", "already_released"),
        ("release", "release", "already_released"),
    ],
)
def test_it_resolves_a_hold_exactly_once(wallet, first, second, reason):
    hold = credits_reserve(wallet=wallet, amount_micros=100, expires_at=later(), key="h1")
    actions = {
        "capture": lambda h: hold_capture(hold=h, amount_micros=10),
        "release": lambda h: hold_release(hold=h),
    }
    actions[first](hold)
    stale = Hold.objects.get(pk=hold.pk)
    with pytest.raises(HoldAlreadyResolved) as exc:
        actions[second](stale)
    assert exc.value.reason == reason
    assert exc.value.to_api_error().error_type == reason
    assert wallet_balance(wallet=wallet).held_micros == 0


def test_it_refuses_holds_on_a_frozen_wallet(wallet):
    wallet_freeze(wallet=wallet, reason="fraud review", key="f1")
    with pytest.raises(WalletFrozen) as exc:
        credits_reserve(wallet=wallet, amount_micros=1, expires_at=later(), key="h1")
    assert (exc.value.to_api_error().status, exc.value.to_api_error().error_type) == (409, "account_blocked")


def test_it_refuses_holds_on_a_closed_wallet(wallet):
    wallet_close(wallet=wallet, reason="closed", key="c1")
    with pytest.raises(WalletClosed):
        credits_reserve(wallet=wallet, amount_micros=1, expires_at=later(), key="h1")


@pytest.mark.parametrize("amount", [0, -5, 2.5])
def test_it_refuses_bad_amounts(wallet, amount):
    with pytest.raises(InvalidLedgerRequest):
        credits_reserve(wallet=wallet, amount_micros=amount, expires_at=later(), key="h1")
    hold = credits_reserve(wallet=wallet, amount_micros=10, expires_at=later(), key="h2")
    with pytest.raises(InvalidLedgerRequest):
        hold_capture(hold=hold, amount_micros=-1)


def test_it_refuses_an_empty_key(wallet):
    with pytest.raises(InvalidLedgerRequest):
        credits_reserve(wallet=wallet, amount_micros=10, expires_at=later(), key="")


def test_the_check_constraint_backs_the_guard(wallet):
    """If a statement ever held more than the balance, the database itself refuses it (L2)."""
    from django.db import IntegrityError, connection, transaction

    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {LedgerAccount._meta.db_table} SET held_micros = balance_micros + 1 WHERE id = %s",  # noqa: S608
            [wallet.pk],
        )
    assert _state(wallet) == (1_000, 0, 1_000)


def test_a_freeze_and_unfreeze_record_the_actor(wallet, staff):
    from billing.models import WalletStatusChange
    from billing.services import wallet_unfreeze

    wallet_freeze(wallet=wallet, reason="chargeback", key="f1", actor=staff)
    wallet_unfreeze(wallet=wallet, reason="won", key="u1")
    assert list(WalletStatusChange.objects.order_by("id").values_list("actor_id", flat=True)) == [
        staff.pk,
        None,
    ]


def test_a_locked_database_is_a_503_with_retry_after(wallet):
    """SQLite's "database is locked" (a write that waited out the busy timeout) is never a 500."""
    from django.db import OperationalError, connection

    from billing.errors import LedgerBusy

    def locked(execute, sql, params, many, context):
        raise OperationalError("database is locked")

    with connection.execute_wrapper(locked), pytest.raises(LedgerBusy) as exc:
        credits_reserve(wallet=wallet, amount_micros=10, expires_at=later(), key="h1")
    api = exc.value.to_api_error()
    assert (api.status, api.headers["Retry-After"]) == (503, "1")
    assert not Hold.objects.filter(key="h1").exists()


def test_it_reserves_from_a_wallet_given_by_its_owner(wallet, owner):
    from billing.models import LedgerAccount

    hold = credits_reserve(
        wallet=LedgerAccount(user_id=owner.pk),
        amount_micros=300,
        expires_at=later(),
        key="o1",
        isolated=False,
    )
    assert (hold.wallet_id, hold.amount_micros) == (wallet.pk, 300)
    assert _state(wallet) == (1_000, 300, 700)
    with pytest.raises(InsufficientCredits):
        credits_reserve(
            wallet=LedgerAccount(user_id=owner.pk), amount_micros=701, expires_at=later(), key="o2"
        )
    wallet_freeze(wallet=wallet, reason="chargeback", key="f-o")
    with pytest.raises(WalletFrozen):
        credits_reserve(wallet=LedgerAccount(user_id=owner.pk), amount_micros=1, expires_at=later(), key="o3")


def test_an_owner_without_a_wallet_gets_an_empty_one_and_a_402(db):
    from accounts.models import User
    from billing.models import AccountKind, LedgerAccount

    # bulk_create sends no post_save: a user as if created before the ledger existed, with no wallet.
    (legacy,) = User.objects.bulk_create([User(email="legacy@example.com")])
    assert not LedgerAccount.objects.filter(user=legacy).exists()
    with pytest.raises(InsufficientCredits):
        credits_reserve(
            wallet=LedgerAccount(user_id=legacy.pk), amount_micros=1, expires_at=later(), key="t1"
        )
    assert LedgerAccount.objects.filter(user=legacy, kind=AccountKind.USER).count() == 1
