"""Two-phase holds: reserve (the overdraft guard), capture, release and expiry.

A reservation is checked and made in one conditional UPDATE, which is atomic on PostgreSQL (READ
COMMITTED re-checks the WHERE clause on the locked row) and on SQLite (one writer, BEGIN IMMEDIATE).
A hold resolves in one conditional UPDATE on its status, so of any number of racing captures, releases
and expiries exactly one wins; the others get HoldAlreadyResolved with the reason.

Lock order everywhere in this module: the hold row, then the wallet row. House accounts are never
locked (their legs are plain inserts), so captures on different wallets never wait for each other.
"""

from __future__ import annotations

from datetime import datetime

from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from billing.errors import (
    CaptureExceedsHold,
    HoldAlreadyResolved,
    HoldResolution,
    InsufficientCredits,
    InvalidLedgerRequest,
    WalletClosed,
    WalletFrozen,
)
from billing.models import AccountStatus, Hold, HoldStatus, HouseAccount, LedgerAccount, LedgerTransaction
from billing.models import TransactionCode as Code
from billing.services._common import (
    ACCOUNT_TABLE,
    WalletLeg,
    book,
    check_replay,
    insert_or_conflict,
    request_hash,
    require_key,
    require_positive,
)

HOLD_TABLE = Hold._meta.db_table
_RESOLVED_REASON: dict[str, HoldResolution] = {
    HoldStatus.CAPTURED: "already_captured",
    HoldStatus.RELEASED: "already_released",
    HoldStatus.EXPIRED: "expired",
}

_RESERVE_SQL = (
    f"UPDATE {ACCOUNT_TABLE} SET held_micros = held_micros + %s "  # noqa: S608
    "WHERE id = %s AND kind = 'user' AND status = 'active' AND balance_micros - held_micros >= %s"
)
_RESOLVE_SQL = (
    f"UPDATE {HOLD_TABLE} SET status = %s, captured_micros = %s, resolved_at = %s, "  # noqa: S608
    "resolution_reason = %s WHERE id = %s AND status = 'open'{extra} RETURNING wallet_id, amount_micros"
)
_SETTLE_SQL = (
    f"UPDATE {ACCOUNT_TABLE} SET balance_micros = balance_micros - %s, held_micros = held_micros - %s, "  # noqa: S608
    "version = version + %s WHERE id = %s RETURNING balance_micros, version"
)


def credits_reserve(
    *, wallet: LedgerAccount, amount_micros: int, expires_at: datetime, key: str, memo: str = ""
) -> Hold:
    """Hold `amount_micros` of the wallet's available credits until `expires_at`, or refuse with 402."""
    require_positive(amount_micros)
    require_key(key)
    fingerprint = request_hash("reserve", wallet.pk, amount_micros)
    hold = Hold(
        wallet_id=wallet.pk,
        key=key,
        request_hash=fingerprint,
        amount_micros=amount_micros,
        expires_at=expires_at,
        memo=memo[:500],
    )
    with transaction.atomic():
        if not insert_or_conflict(hold):
            existing = Hold.objects.get(key=key)
            check_replay(existing.request_hash, fingerprint)
            return existing
        try:
            with connection.cursor() as cursor:
                cursor.execute(_RESERVE_SQL, [amount_micros, wallet.pk, amount_micros])
                reserved = cursor.rowcount == 1
        except IntegrityError as exc:
            # The CheckConstraint is the last line of defence; it means "not enough", never a 500.
            raise InsufficientCredits() from exc
        if not reserved:
            raise _refusal(wallet.pk)
    return hold


def _refusal(wallet_id: int) -> Exception:
    status = LedgerAccount.objects.filter(pk=wallet_id).values_list("status", flat=True).first()
    if status == AccountStatus.FROZEN:
        return WalletFrozen()
    if status == AccountStatus.CLOSED or status is None:
        return WalletClosed()
    return InsufficientCredits()


def _resolve(
    hold: Hold, *, status: HoldStatus, captured: int, reason: str, now: datetime, extra: str = ""
) -> int:
    """Flip the hold from open to `status` (exactly once) and return its wallet id."""
    params: list[str | int | datetime] = [status.value, captured, now, reason[:200], hold.pk]
    if extra:
        params.append(now)
    with connection.cursor() as cursor:
        cursor.execute(_RESOLVE_SQL.format(extra=extra), params)
        row = cursor.fetchone()
    if row is None:
        raise _already_resolved(hold.pk, now)
    hold.status, hold.captured_micros, hold.resolved_at, hold.resolution_reason = (
        status,
        captured,
        now,
        reason,
    )
    return int(row[0])


def _already_resolved(hold_id: int, now: datetime) -> HoldAlreadyResolved:
    current = Hold.objects.filter(pk=hold_id).values_list("status", flat=True).first()
    if current is None:
        raise InvalidLedgerRequest("No such hold.")
    if current == HoldStatus.OPEN:
        # Still open but past its expiry: the sweeper will release it; it can no longer be captured (L7).
        return HoldAlreadyResolved("expired")
    return HoldAlreadyResolved(_RESOLVED_REASON[HoldStatus(current)])


def _settle_wallet(wallet_id: int, *, captured: int, reserved: int) -> WalletLeg:
    with connection.cursor() as cursor:
        cursor.execute(_SETTLE_SQL, [captured, reserved, 1 if captured else 0, wallet_id])
        row = cursor.fetchone()
    if row is None:
        raise InvalidLedgerRequest("No such wallet.")
    balance, version = row
    return WalletLeg(wallet_id, -captured, balance, version)


def hold_capture(*, hold: Hold, amount_micros: int) -> Hold:
    """Take `amount_micros` (≤ the reserved amount) and return the rest to available, in one transaction."""
    if isinstance(amount_micros, bool) or not isinstance(amount_micros, int) or amount_micros < 0:
        raise InvalidLedgerRequest("A capture is a non-negative integer in micro-USD.")
    if amount_micros > hold.amount_micros:
        raise CaptureExceedsHold()
    now = timezone.now()
    with transaction.atomic():
        wallet_id = _resolve(
            hold,
            status=HoldStatus.CAPTURED,
            captured=amount_micros,
            reason="",
            now=now,
            extra=" AND expires_at > %s",
        )
        leg = _settle_wallet(wallet_id, captured=amount_micros, reserved=hold.amount_micros)
        if amount_micros:
            txn = LedgerTransaction.objects.create(
                code=Code.CAPTURE,
                key=f"hold:{hold.pk}",
                request_hash="",
                wallet_id=wallet_id,
                hold=hold,
                memo=hold.memo,
                created_at=now,
            )
            book(txn, wallet_leg=leg, house_legs=[(HouseAccount.USAGE_REVENUE, amount_micros)])
    return hold


def hold_release(*, hold: Hold, reason: str = "") -> Hold:
    """Give the whole reservation back (a failed, moderated, cancelled or timed-out call)."""
    now = timezone.now()
    with transaction.atomic():
        wallet_id = _resolve(hold, status=HoldStatus.RELEASED, captured=0, reason=reason, now=now)
        _settle_wallet(wallet_id, captured=0, reserved=hold.amount_micros)
    return hold


def _hold_expire(hold: Hold, *, now: datetime) -> None:
    with transaction.atomic():
        wallet_id = _resolve(
            hold,
            status=HoldStatus.EXPIRED,
            captured=0,
            reason="expired",
            now=now,
            extra=" AND expires_at <= %s",
        )
        _settle_wallet(wallet_id, captured=0, reserved=hold.amount_micros)


def holds_expire(*, now: datetime) -> int:
    """Expire every open hold whose `expires_at` ≤ now, oldest expiry first; return how many expired."""
    expired = 0
    while True:
        batch = list(
            Hold.objects.filter(status=HoldStatus.OPEN, expires_at__lte=now)
            .order_by("expires_at", "id")
            .only("id", "amount_micros")[:500]
        )
        if not batch:
            return expired
        for hold in batch:
            try:
                _hold_expire(hold, now=now)
            except HoldAlreadyResolved:
                continue  # captured or released meanwhile: that resolution won
            expired += 1
