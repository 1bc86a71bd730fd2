"""Wallet lifecycle: creation with the user, freeze, unfreeze and close (which forfeits the remainder)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import IntegrityError, transaction

from accounts.models import User
from billing.errors import HoldAlreadyResolved, IdempotencyConflict, WalletClosed
from billing.models import (
    AccountKind,
    AccountStatus,
    Hold,
    HoldStatus,
    HouseAccount,
    LedgerAccount,
    LedgerTransaction,
    WalletAction,
    WalletStatusChange,
)
from billing.models import TransactionCode as Code
from billing.services._common import book, busy_means_retry, require_key, wallet_post
from billing.services.events import event_insert
from billing.services.holds import hold_release
from comfyweb.sql import insert_or_conflict


@busy_means_retry
def wallet_create_for_user(*, user: User) -> LedgerAccount:
    """The user's wallet, created once (idempotent), with the `account_created` event."""
    with transaction.atomic():
        wallet = LedgerAccount(kind=AccountKind.USER, user=user)
        if insert_or_conflict(wallet):
            event_insert(
                user_id=user.pk, event_type="account_created", params={}, key=f"account_created:{user.pk}"
            )
            return wallet
    return LedgerAccount.objects.get(user=user)


def house_accounts_ensure() -> None:
    for code in HouseAccount:
        try:
            with transaction.atomic():
                LedgerAccount.objects.get_or_create(code=code, defaults={"kind": AccountKind.HOUSE})
        except IntegrityError:
            continue  # created concurrently


_TRANSITIONS = {
    WalletAction.FREEZE: AccountStatus.FROZEN,
    WalletAction.UNFREEZE: AccountStatus.ACTIVE,
    WalletAction.CLOSE: AccountStatus.CLOSED,
}


def _change_status(
    *, wallet: LedgerAccount, action: WalletAction, reason: str, key: str, actor: User | None
) -> LedgerAccount:
    require_key(key)
    with transaction.atomic():
        locked = LedgerAccount.objects.select_for_update(no_key=True).get(pk=wallet.pk, kind=AccountKind.USER)
        change = WalletStatusChange(
            wallet=locked,
            key=key,
            action=action,
            reason=reason[:500],
            status_before=locked.status,
            status_after=_TRANSITIONS[action],
            actor=actor,
        )
        if not insert_or_conflict(change):
            existing = WalletStatusChange.objects.get(key=key)
            if existing.wallet_id != wallet.pk or existing.action != action:
                raise IdempotencyConflict()
            return locked
        if locked.status == AccountStatus.CLOSED and action != WalletAction.CLOSE:
            raise WalletClosed()
        locked.status = _TRANSITIONS[action]
        locked.save(update_fields=["status"])
    return locked


@busy_means_retry
def wallet_freeze(
    *, wallet: LedgerAccount, reason: str, key: str, actor: User | None = None
) -> LedgerAccount:
    """No new holds while frozen; open holds still settle and payments still credit."""
    return _change_status(wallet=wallet, action=WalletAction.FREEZE, reason=reason, key=key, actor=actor)


@busy_means_retry
def wallet_unfreeze(
    *, wallet: LedgerAccount, reason: str, key: str, actor: User | None = None
) -> LedgerAccount:
    return _change_status(wallet=wallet, action=WalletAction.UNFREEZE, reason=reason, key=key, actor=actor)


@dataclass(frozen=True)
class ForfeitResult:
    wallet: LedgerAccount
    forfeited_micros: int  # what this close took from the wallet (the same figure on a replay)
    transaction: LedgerTransaction | None  # None when there was nothing left to forfeit


@busy_means_retry
def wallet_close(*, wallet: LedgerAccount, reason: str, key: str, actor: User | None = None) -> LedgerAccount:
    """Close for good: no new holds, open holds released, the remaining balance forfeited with an entry."""
    return forfeit_balance(wallet=wallet, reason=reason, key=key, actor=actor).wallet


@busy_means_retry
def forfeit_balance(
    *, wallet: LedgerAccount, reason: str, key: str, actor: User | None = None
) -> ForfeitResult:
    """Close the wallet and move what is left of it to the `forfeited` house account (L8: erasure).

    Three short steps rather than one transaction, so the lock order (hold, then wallet) stays the same as
    in capture and release: first the status (stops new holds), then each open hold, then the forfeit.
    A repeat with the same key finishes a close that was interrupted half-way, and reports the amount the
    first run forfeited.
    """
    _change_status(wallet=wallet, action=WalletAction.CLOSE, reason=reason, key=key, actor=actor)
    for hold in Hold.objects.filter(wallet_id=wallet.pk, status=HoldStatus.OPEN).order_by("id"):
        try:
            hold_release(hold=hold, reason="wallet closed")
        except HoldAlreadyResolved:
            continue
    txn_key = f"close:{key}"
    with transaction.atomic():
        locked = LedgerAccount.objects.select_for_update(no_key=True).get(pk=wallet.pk)
        existing = LedgerTransaction.objects.filter(code=Code.FORFEIT, key=txn_key).first()
        if existing is not None:
            return ForfeitResult(locked, _forfeited_by(existing), existing)
        remainder = locked.balance_micros - locked.held_micros
        if remainder <= 0:
            return ForfeitResult(locked, 0, None)
        txn = LedgerTransaction(
            code=Code.FORFEIT, key=txn_key, request_hash="", wallet_id=wallet.pk, memo=reason[:500]
        )
        if not insert_or_conflict(txn):
            existing = LedgerTransaction.objects.get(code=Code.FORFEIT, key=txn_key)
            return ForfeitResult(locked, _forfeited_by(existing), existing)
        leg = wallet_post(wallet_id=wallet.pk, delta_micros=-remainder, allow_closed=True)
        book(txn.pk, txn.created_at, wallet_leg=leg, house_legs=[(HouseAccount.FORFEITED, remainder)])
        locked.refresh_from_db()
    return ForfeitResult(locked, remainder, txn)


def _forfeited_by(txn: LedgerTransaction) -> int:
    amount = txn.entries.filter(account_id=txn.wallet_id).values_list("amount_micros", flat=True).first()
    return -(amount or 0)
