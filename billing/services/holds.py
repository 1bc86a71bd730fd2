"""Two-phase holds: reserve (the overdraft guard), capture, release and expiry.

A reservation is checked and made in one conditional UPDATE, which is atomic on PostgreSQL (READ
COMMITTED re-checks the WHERE clause on the locked row) and on SQLite (one writer, BEGIN IMMEDIATE).
A hold resolves in one conditional UPDATE on its status, so of any number of racing captures, releases
and expiries exactly one wins; the others get HoldAlreadyResolved with the reason.

Lock order everywhere in this module: the hold row, then the wallet row. House-account rows are never
updated here (their legs are plain inserts, whose foreign-key check takes only a shared key lock), so
captures on different wallets never wait for each other.
"""

from __future__ import annotations

from datetime import datetime

from django.db import IntegrityError, connection, transaction
from django.db.backends.utils import CursorWrapper
from django.utils import timezone

from billing.errors import (
    CaptureExceedsHold,
    HoldAlreadyResolved,
    HoldResolution,
    InsufficientCredits,
    InvalidLedgerRequest,
    LedgerError,
    WalletClosed,
    WalletFrozen,
)
from billing.models import AccountStatus, Hold, HoldStatus, HouseAccount, LedgerAccount, LedgerTransaction
from billing.services._common import (
    ACCOUNT_TABLE,
    ENTRY_TABLE,
    WalletLeg,
    book,
    busy_means_retry,
    check_replay,
    db_time,
    house_account_id,
    request_hash,
    require_key,
    require_positive,
)

HOLD_TABLE = Hold._meta.db_table
TXN_TABLE = LedgerTransaction._meta.db_table
_RESOLVED_REASON: dict[str, HoldResolution] = {
    HoldStatus.CAPTURED: "already_captured",
    HoldStatus.RELEASED: "already_released",
    HoldStatus.EXPIRED: "expired",
}

# The hot path is plain SQL on one cursor: the same statements an expert would write by hand (BM3).
_HOLD_INSERT_SQL = (
    f"INSERT INTO {HOLD_TABLE} (wallet_id, key, request_hash, amount_micros, captured_micros, status, "  # noqa: S608
    "memo, expires_at, created_at, resolution_reason) VALUES (%s, %s, %s, %s, 0, 'open', %s, %s, %s, '') "
    "ON CONFLICT DO NOTHING RETURNING id"
)
_RESERVE_SQL = (
    f"UPDATE {ACCOUNT_TABLE} SET held_micros = held_micros + %s "  # noqa: S608
    "WHERE id = %s AND kind = 'user' AND status = 'active' AND balance_micros - held_micros >= %s"
)
_RESOLVE_SQL = (
    f"UPDATE {HOLD_TABLE} SET status = %s, captured_micros = %s, resolved_at = %s, "  # noqa: S608
    "resolution_reason = %s WHERE id = %s AND status = 'open' AND amount_micros >= %s{extra} "
    "RETURNING wallet_id, amount_micros, memo"
)
_SETTLE_SQL = (
    f"UPDATE {ACCOUNT_TABLE} SET balance_micros = balance_micros - %s, held_micros = held_micros - %s, "  # noqa: S608
    "version = version + %s WHERE id = %s RETURNING balance_micros, version"
)
_CAPTURE_TXN_SQL = (
    f"INSERT INTO {TXN_TABLE} (code, key, request_hash, wallet_id, payment_reference, source, hold_id, "  # noqa: S608
    "memo, created_at) VALUES ('capture', %s, '', %s, '', '', %s, %s, %s) RETURNING id"
)
_NOT_EXPIRED = " AND expires_at > %s"
_EXPIRED = " AND expires_at <= %s"


@busy_means_retry
def credits_reserve(
    *, wallet: LedgerAccount, amount_micros: int, expires_at: datetime, key: str, memo: str = ""
) -> Hold:
    """Hold `amount_micros` of the wallet's available credits until `expires_at`, or refuse with 402."""
    require_positive(amount_micros)
    require_key(key)
    fingerprint = request_hash("reserve", wallet.pk, amount_micros)
    memo, now = memo[:500], timezone.now()
    if expires_at <= now:
        raise InvalidLedgerRequest("A reservation must expire in the future.")
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            _HOLD_INSERT_SQL,
            [wallet.pk, key, fingerprint, amount_micros, memo, db_time(expires_at), db_time(now)],
        )
        row = cursor.fetchone()
        if row is None:  # the key exists: a replay (same request) or a conflict
            existing = Hold.objects.get(key=key)
            check_replay(existing.request_hash, fingerprint)
            return existing
        try:
            cursor.execute(_RESERVE_SQL, [amount_micros, wallet.pk, amount_micros])
        except IntegrityError as exc:
            # The CheckConstraint is the last line of defence; it means "not enough", never a 500.
            raise InsufficientCredits() from exc
        if cursor.rowcount != 1:
            raise _refusal(wallet.pk)
    hold = Hold(
        id=row[0],
        wallet_id=wallet.pk,
        key=key,
        request_hash=fingerprint,
        amount_micros=amount_micros,
        memo=memo,
        expires_at=expires_at,
        created_at=now,
    )
    hold._state.adding, hold._state.db = False, connection.alias
    return hold


def _refusal(wallet_id: int) -> Exception:
    status = LedgerAccount.objects.filter(pk=wallet_id).values_list("status", flat=True).first()
    if status == AccountStatus.FROZEN:
        return WalletFrozen()
    if status == AccountStatus.CLOSED or status is None:
        return WalletClosed()
    return InsufficientCredits()


def _why_not(hold_id: int, captured: int) -> LedgerError:
    """Why a resolution touched no row: already resolved, past its expiry, or a capture above the hold."""
    row = Hold.objects.filter(pk=hold_id).values_list("status", "amount_micros").first()
    if row is None:
        return InvalidLedgerRequest("No such hold.")
    status, amount = row
    if status != HoldStatus.OPEN:
        return HoldAlreadyResolved(_RESOLVED_REASON[status])
    if captured > amount:
        return CaptureExceedsHold()
    # Still open but past its expiry: the sweeper releases it; it can no longer be captured (L7).
    return HoldAlreadyResolved("expired")


def _resolve(
    hold: Hold, *, status: HoldStatus, captured: int = 0, reason: str = "", now: datetime, extra: str = ""
) -> None:
    """Flip the hold from open to `status` exactly once, settle the wallet and book any capture.

    One transaction, one cursor; lock order: the hold row, then the wallet row (house rows never). The
    wallet row is touched last, so its lock is held for as short a time as possible: on a hot wallet
    that lock, not the SQL, bounds throughput.
    """
    at = db_time(now)
    params: list[str | int | datetime] = [status.value, captured, at, reason[:200], hold.pk, captured]
    if extra:
        params.append(at)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(_RESOLVE_SQL.format(extra=extra), params)
        row = cursor.fetchone()
        if row is None:
            raise _why_not(hold.pk, captured)
        wallet_id, reserved, memo = row
        if not captured:
            cursor.execute(_SETTLE_SQL, [0, reserved, 0, wallet_id])
        else:
            cursor.execute(_CAPTURE_TXN_SQL, [f"hold:{hold.pk}", wallet_id, hold.pk, memo, at])
            (txn_id,) = cursor.fetchone()
            _settle_and_book(cursor, txn_id, wallet_id, captured=captured, reserved=reserved, now=now)
    hold.status, hold.captured_micros, hold.resolved_at, hold.resolution_reason = (
        status,
        captured,
        now,
        reason,
    )


# On PostgreSQL the wallet update and the entries go in one statement (a data-modifying CTE), so the
# wallet row stays locked for one round trip plus the commit.
_SETTLE_AND_BOOK_PG = (
    f"WITH w AS ({_SETTLE_SQL}) INSERT INTO {ENTRY_TABLE} (transaction_id, account_id, amount_micros, "  # noqa: S608
    "balance_before_micros, balance_after_micros, account_version, created_at) "
    "SELECT %s, %s, %s, w.balance_micros + %s, w.balance_micros, w.version, %s FROM w "
    "UNION ALL SELECT %s, %s, %s, NULL, NULL, NULL, %s"
)


def _settle_and_book(
    cursor: CursorWrapper, txn_id: int, wallet_id: int, *, captured: int, reserved: int, now: datetime
) -> None:
    revenue = house_account_id(HouseAccount.USAGE_REVENUE)
    if connection.vendor == "postgresql":
        at = db_time(now)
        cursor.execute(
            _SETTLE_AND_BOOK_PG,
            [
                captured,
                reserved,
                1,
                wallet_id,
                txn_id,
                wallet_id,
                -captured,
                captured,
                at,
                txn_id,
                revenue,
                captured,
                at,
            ],
        )
        return
    cursor.execute(_SETTLE_SQL, [captured, reserved, 1, wallet_id])
    balance, version = cursor.fetchone()
    book(
        txn_id,
        now,
        wallet_leg=WalletLeg(wallet_id, -captured, balance, version),
        house_legs=[(HouseAccount.USAGE_REVENUE, captured)],
        cursor=cursor,
    )


@busy_means_retry
def hold_capture(*, hold: Hold, amount_micros: int) -> Hold:
    """Take `amount_micros` (≤ the reserved amount) and return the rest to available, in one transaction."""
    if isinstance(amount_micros, bool) or not isinstance(amount_micros, int) or amount_micros < 0:
        raise InvalidLedgerRequest("A capture is a non-negative integer in micro-USD.")
    if amount_micros > hold.amount_micros:
        raise CaptureExceedsHold()
    _resolve(hold, status=HoldStatus.CAPTURED, captured=amount_micros, now=timezone.now(), extra=_NOT_EXPIRED)
    return hold


@busy_means_retry
def hold_release(*, hold: Hold, reason: str = "") -> Hold:
    """Give the whole reservation back (a failed, moderated, cancelled or timed-out call)."""
    _resolve(hold, status=HoldStatus.RELEASED, reason=reason, now=timezone.now())
    return hold


def _hold_expire(hold: Hold, *, now: datetime) -> None:
    _resolve(hold, status=HoldStatus.EXPIRED, reason="expired", now=now, extra=_EXPIRED)


@busy_means_retry
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
