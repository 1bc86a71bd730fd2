"""Two-phase holds: reserve (the overdraft guard), capture, release and expiry.

A reservation is checked and made in one conditional UPDATE, which is atomic on PostgreSQL (READ
COMMITTED re-checks the WHERE clause on the locked row) and on SQLite (one writer, BEGIN IMMEDIATE).
A hold resolves in one conditional UPDATE on its status, so of any number of racing captures, releases
and expiries exactly one wins; the others get HoldAlreadyResolved with the reason.

Locks: a resolution takes the hold row, then the wallet row; a reservation locks only its wallet row
(the hold is a new row). House-account rows are never updated here (their legs are plain inserts, whose
foreign-key check takes only a shared key lock), so captures on different wallets never wait for each
other. On PostgreSQL each operation is a single statement (see PG_RESERVE_BY_ID), so no lock is ever held
across a round trip to Python; SQLite runs the same steps as separate statements.
"""

from __future__ import annotations

import contextlib
from datetime import datetime
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from accounts.models import User
from billing.errors import (
    CaptureExceedsHold,
    HoldAlreadyResolved,
    HoldNotFound,
    HoldResolution,
    InsufficientCredits,
    InvalidLedgerRequest,
    LedgerBusy,
    LedgerError,
    WalletClosed,
    WalletFrozen,
)
from billing.models import (
    AccountKind,
    AccountStatus,
    Hold,
    HoldStatus,
    HouseAccount,
    LedgerAccount,
    LedgerTransaction,
)
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
from comfyweb.sql import execute_prepared

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
# The overdraft guard (L2) is in the WHERE clause of every reservation; the CheckConstraint on the wallet
# row backs it (tests/billing/test_holds.py hits the constraint directly).
_RESERVE_SQL = (
    f"UPDATE {ACCOUNT_TABLE} SET held_micros = held_micros + %s "  # noqa: S608
    "WHERE id = %s AND kind = 'user' AND status = 'active' AND balance_micros - held_micros >= %s"
)
_RESOLVE_SQL = (
    f"UPDATE {HOLD_TABLE} SET status = %s, captured_micros = %s, resolved_at = %s, "  # noqa: S608
    "resolution_reason = %s WHERE id = %s AND status = 'open' AND amount_micros >= %s "
    "RETURNING wallet_id, amount_micros, memo"
)
_RESOLVE_NOT_EXPIRED_SQL = _RESOLVE_SQL.replace("RETURNING", "AND expires_at > %s RETURNING")
_RESOLVE_EXPIRED_SQL = _RESOLVE_SQL.replace("RETURNING", "AND expires_at <= %s RETURNING")
_SETTLE_SQL = (
    f"UPDATE {ACCOUNT_TABLE} SET balance_micros = balance_micros - %s, held_micros = held_micros - %s, "  # noqa: S608
    "version = version + %s WHERE id = %s "
    "RETURNING balance_micros, version, balance_micros - held_micros < watch_below_micros"
)
_CAPTURE_TXN_SQL = (
    f"INSERT INTO {TXN_TABLE} (code, key, request_hash, wallet_id, payment_reference, source, hold_id, "  # noqa: S608
    "memo, created_at) VALUES ('capture', %s, '', %s, '', '', %s, %s, %s) RETURNING id"
)

# On PostgreSQL each operation is ONE statement (data-modifying CTEs), run in autocommit mode when the
# caller has no transaction open: the wallet row is locked only while PostgreSQL executes it, with no
# round trip to Python before the commit. On a hot wallet that lock is what bounds throughput (BM3).
# Each variant below is a complete statement, written once; the services pass it by name.
_PG_RESERVE_TAIL = f"""AND kind = 'user' AND status = 'active' AND balance_micros - held_micros >= %(amount)s
      AND NOT EXISTS (SELECT 1 FROM {HOLD_TABLE} WHERE key = %(key)s)
    RETURNING id
), h AS (
    INSERT INTO {HOLD_TABLE} (wallet_id, key, request_hash, amount_micros, captured_micros, status, memo,
                              expires_at, created_at, resolution_reason)
    SELECT w.id, %(key)s, %(hash)s, %(amount)s, 0, 'open', %(memo)s, %(expires)s, %(now)s, '' FROM w
    RETURNING id, wallet_id
)
SELECT (SELECT id FROM h), (SELECT wallet_id FROM h)
"""  # noqa: S608
# The reservation finds the wallet by its id, or by its owner (one statement fewer for a caller that knows
# only the user: the /proxy admission).
PG_RESERVE_BY_ID = f"""
WITH w AS (
    UPDATE {ACCOUNT_TABLE} SET held_micros = held_micros + %(amount)s
    WHERE id = %(wallet)s {_PG_RESERVE_TAIL}"""  # noqa: S608
PG_RESERVE_BY_OWNER = f"""
WITH w AS (
    UPDATE {ACCOUNT_TABLE} SET held_micros = held_micros + %(amount)s
    WHERE user_id = %(owner)s {_PG_RESERVE_TAIL}"""  # noqa: S608

_PG_FLIP = f"""
WITH h AS (
    UPDATE {HOLD_TABLE} SET status = %(status)s, captured_micros = %(captured)s, resolved_at = %(now)s,
                            resolution_reason = %(reason)s
    WHERE id = %(hold)s AND status = 'open' AND amount_micros >= %(captured)s"""  # noqa: S608
_PG_SETTLE = f"""
    RETURNING wallet_id, amount_micros, memo
), w AS (
    UPDATE {ACCOUNT_TABLE} a SET balance_micros = a.balance_micros - %(captured)s,
                                  held_micros = a.held_micros - h.amount_micros,
                                  version = a.version + %(bump)s
    FROM h WHERE a.id = h.wallet_id
    RETURNING a.id, a.balance_micros, a.version,
              a.balance_micros - a.held_micros < a.watch_below_micros AS due
)"""  # noqa: S608
_PG_BOOK = f""", t AS (
    INSERT INTO {TXN_TABLE} (code, key, request_hash, wallet_id, payment_reference, source, hold_id, memo,
                             created_at)
    SELECT 'capture', %(txn_key)s, '', h.wallet_id, '', '', %(hold)s, h.memo, %(now)s FROM h
    RETURNING id
), e AS (
    INSERT INTO {ENTRY_TABLE} (transaction_id, account_id, amount_micros, balance_before_micros,
                               balance_after_micros, account_version, created_at)
    SELECT t.id, w.id, -%(captured)s, w.balance_micros + %(captured)s, w.balance_micros, w.version, %(now)s
    FROM t, w
    UNION ALL SELECT t.id, %(revenue)s, %(captured)s, NULL, NULL, NULL, %(now)s FROM t
    RETURNING 1
)"""  # noqa: S608
_PG_RESOLVED = "\nSELECT (SELECT wallet_id FROM h), (SELECT due FROM w)\n"
# A capture (only before expiry) books the capture transaction; a release or an expiry books nothing.
PG_CAPTURE = _PG_FLIP + " AND expires_at > %(now)s" + _PG_SETTLE + _PG_BOOK + _PG_RESOLVED
PG_CAPTURE_NOTHING = _PG_FLIP + " AND expires_at > %(now)s" + _PG_SETTLE + _PG_RESOLVED  # a 0 capture
PG_RELEASE = _PG_FLIP + _PG_SETTLE + _PG_RESOLVED
PG_EXPIRE = _PG_FLIP + " AND expires_at <= %(now)s" + _PG_SETTLE + _PG_RESOLVED
_UNIQUE_VIOLATION = "23505"
# The PostgreSQL type of every parameter of the statements above (they are prepared: comfyweb.sql).
PG_TYPES = {
    "amount": "bigint",
    "wallet": "bigint",
    "owner": "bigint",
    "key": "text",
    "hash": "text",
    "memo": "text",
    "expires": "timestamptz",
    "now": "timestamptz",
    "status": "text",
    "captured": "bigint",
    "reason": "text",
    "hold": "bigint",
    "bump": "bigint",
    "txn_key": "text",
    "revenue": "bigint",
}
_PG_RESOLUTION = {HoldStatus.RELEASED: PG_RELEASE, HoldStatus.EXPIRED: PG_EXPIRE}
_PORTABLE_RESOLUTION = {
    HoldStatus.CAPTURED: _RESOLVE_NOT_EXPIRED_SQL,
    HoldStatus.RELEASED: _RESOLVE_SQL,
    HoldStatus.EXPIRED: _RESOLVE_EXPIRED_SQL,
}


def _one_statement(*, savepoint: bool = True) -> Any:
    """Autocommit for a single statement. Inside the caller's transaction: a savepoint when the caller must
    survive the statement failing (reserve turns a duplicate key into a replay), else part of it."""
    if not connection.in_atomic_block:
        return contextlib.nullcontext()
    return transaction.atomic(savepoint=savepoint)


def _sqlstate(exc: BaseException) -> str | None:
    return getattr(exc.__cause__, "sqlstate", None)


@busy_means_retry
def credits_reserve(
    *,
    wallet: LedgerAccount,
    amount_micros: int,
    expires_at: datetime,
    key: str,
    memo: str = "",
    isolated: bool = True,
) -> Hold:
    """Hold `amount_micros` of the wallet's available credits until `expires_at`, or refuse with 402.

    `wallet` may be a reference by owner only (`LedgerAccount(user_id=…)`, no id): the statement then finds
    the user's wallet itself. Called inside a transaction, the statement runs in a savepoint so that a
    refusal leaves the caller's transaction usable. A caller that rolls back on any error anyway (the
    /proxy admission) passes `isolated=False` and saves the two round trips."""
    require_positive(amount_micros)
    require_key(key)
    owner: int | None = wallet.user_id if wallet.pk is None else None
    fingerprint = request_hash("reserve", wallet.pk if owner is None else f"user:{owner}", amount_micros)
    memo, now = memo[:500], timezone.now()
    if expires_at <= now:
        raise InvalidLedgerRequest("A reservation must expire in the future.")
    hold = Hold(
        wallet_id=wallet.pk,
        key=key,
        request_hash=fingerprint,
        amount_micros=amount_micros,
        memo=memo,
        expires_at=expires_at,
        created_at=now,
    )
    if connection.vendor == "postgresql":
        reserved = _reserve_pg(hold, isolated=isolated, owner=owner)
    else:
        if owner is not None:
            hold.wallet_id = _wallet_id_of(owner)
        reserved = _reserve_portable(hold, isolated=isolated)
    if reserved is None:  # not reserved: a replay of this key, or a refusal
        existing = Hold.objects.filter(key=key).first()
        if existing is None:
            raise _refusal(hold.wallet_id if owner is None else _wallet_id_of(owner))
        check_replay(existing.request_hash, fingerprint)
        return existing
    hold.id, hold.wallet_id = reserved
    hold._state.adding, hold._state.db = False, connection.alias
    return hold


def _wallet_id_of(user_id: int) -> int:
    """The user's wallet id; a user created before the ledger existed gets an (empty) wallet now."""
    from billing.services.wallets import wallet_create_for_user

    found = LedgerAccount.objects.filter(user_id=user_id, kind=AccountKind.USER).values_list("pk", flat=True)
    wallet_id = found.first()
    return int(wallet_id) if wallet_id is not None else int(wallet_create_for_user(user=User(pk=user_id)).pk)


def _reserve_pg(hold: Hold, *, isolated: bool, owner: int | None) -> tuple[int, int] | None:
    """(the new hold's id, its wallet's id), or None (the key is taken, or the wallet refused)."""
    params: dict[str, Any] = {
        "amount": hold.amount_micros,
        "wallet": hold.wallet_id,
        "owner": owner,
        "key": hold.key,
        "hash": hold.request_hash,
        "memo": hold.memo,
        "expires": hold.expires_at,
        "now": hold.created_at,
    }
    statement = PG_RESERVE_BY_ID if owner is None else PG_RESERVE_BY_OWNER
    in_caller_transaction = connection.in_atomic_block and not isolated
    try:
        with _one_statement(savepoint=isolated), connection.cursor() as cursor:
            execute_prepared(cursor, statement, params, PG_TYPES)
            row = cursor.fetchone()
    except IntegrityError as exc:
        if _sqlstate(exc) == _UNIQUE_VIOLATION:
            if in_caller_transaction:
                # A concurrent reserve took the key first and the caller's transaction is now aborted:
                # nothing was written, so "retry" is the honest answer (the retry replays the hold).
                raise LedgerBusy() from exc
            return None  # the key is taken: the caller replays it (or reports the conflict)
        # The CheckConstraint is the last line of defence; it means "not enough", never a 500.
        raise InsufficientCredits() from exc
    return None if row is None or row[0] is None else (int(row[0]), int(row[1]))


def _reserve_portable(hold: Hold, *, isolated: bool) -> tuple[int, int] | None:
    """SQLite: the hold, then the conditional UPDATE, in one (BEGIN IMMEDIATE) transaction (one writer at a
    time, so `isolated` changes nothing here)."""
    amount, wallet_id = hold.amount_micros, hold.wallet_id
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            _HOLD_INSERT_SQL,
            [
                wallet_id,
                hold.key,
                hold.request_hash,
                amount,
                hold.memo,
                db_time(hold.expires_at),
                db_time(hold.created_at),
            ],
        )
        row = cursor.fetchone()
        if row is None:
            return None
        try:
            cursor.execute(_RESERVE_SQL, [amount, wallet_id, amount])
        except IntegrityError as exc:
            raise InsufficientCredits() from exc
        if cursor.rowcount != 1:
            raise _refusal(wallet_id)
    return int(row[0]), wallet_id


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
        return HoldNotFound()
    status, amount = row
    if status != HoldStatus.OPEN:
        return HoldAlreadyResolved(_RESOLVED_REASON[status])
    if captured > amount:
        return CaptureExceedsHold()
    # Still open but past its expiry: the sweeper releases it; it can no longer be captured (L7).
    return HoldAlreadyResolved("expired")


def _resolve(hold: Hold, *, status: HoldStatus, captured: int = 0, reason: str = "", now: datetime) -> None:
    """Flip the hold from open to `status` exactly once, settle the wallet and book any capture.

    One transaction, one cursor; lock order: the hold row, then the wallet row (house rows never). The
    wallet row is touched last, so its lock is held for as short a time as possible: on a hot wallet
    that lock, not the SQL, bounds throughput. A capture needs the hold unexpired; an expiry needs it past.
    """
    resolve = _resolve_pg if connection.vendor == "postgresql" else _resolve_portable
    watch_due = resolve(hold, status=status, captured=captured, reason=reason, now=now)
    hold.balance_watch_due = bool(captured and watch_due)
    hold.status, hold.captured_micros, hold.resolved_at, hold.resolution_reason = (
        status,
        captured,
        now,
        reason,
    )


def _resolve_pg(hold: Hold, *, status: HoldStatus, captured: int, reason: str, now: datetime) -> bool:
    params: dict[str, Any] = {
        "status": status.value,
        "captured": captured,
        "now": now,
        "reason": reason[:200],
        "hold": hold.pk,
        "bump": 1 if captured else 0,
        "txn_key": f"hold:{hold.pk}",
        "revenue": house_account_id(HouseAccount.USAGE_REVENUE) if captured else 0,
    }
    if status == HoldStatus.CAPTURED:
        statement = PG_CAPTURE if captured else PG_CAPTURE_NOTHING
    else:
        statement = _PG_RESOLUTION[status]
    # A failure here is never recovered from inside the caller's transaction: no savepoint needed.
    with _one_statement(savepoint=False), connection.cursor() as cursor:
        execute_prepared(cursor, statement, params, PG_TYPES)
        row = cursor.fetchone()
    if row is None or row[0] is None:
        raise _why_not(hold.pk, captured)
    return bool(row[1])


def _resolve_portable(hold: Hold, *, status: HoldStatus, captured: int, reason: str, now: datetime) -> bool:
    """SQLite: the same steps as separate statements in one (BEGIN IMMEDIATE) transaction."""
    at = db_time(now)
    params: list[str | int | datetime] = [status.value, captured, at, reason[:200], hold.pk, captured]
    statement = _PORTABLE_RESOLUTION[status]
    if statement is not _RESOLVE_SQL:
        params.append(at)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(statement, params)
        row = cursor.fetchone()
        if row is None:
            raise _why_not(hold.pk, captured)
        wallet_id, reserved, memo = row
        cursor.execute(_SETTLE_SQL, [captured, reserved, 1 if captured else 0, wallet_id])
        balance, version, watch_due = cursor.fetchone()
        if captured:
            cursor.execute(_CAPTURE_TXN_SQL, [f"hold:{hold.pk}", wallet_id, hold.pk, memo, at])
            (txn_id,) = cursor.fetchone()
            book(
                txn_id,
                now,
                wallet_leg=WalletLeg(wallet_id, -captured, balance, version),
                house_legs=[(HouseAccount.USAGE_REVENUE, captured)],
                cursor=cursor,
            )
    return bool(watch_due)


def hold_capture(*, hold: Hold, amount_micros: int) -> Hold:
    """Take `amount_micros` (≤ the reserved amount) and return the rest to available, in one transaction."""
    if isinstance(amount_micros, bool) or not isinstance(amount_micros, int) or amount_micros < 0:
        raise InvalidLedgerRequest("A capture is a non-negative integer in micro-USD.")
    if amount_micros > hold.amount_micros:
        raise CaptureExceedsHold()
    _resolve(hold, status=HoldStatus.CAPTURED, captured=amount_micros, now=timezone.now())
    return hold


@busy_means_retry
def hold_release(*, hold: Hold, reason: str = "") -> Hold:
    """Give the whole reservation back (a failed, moderated, cancelled or timed-out call)."""
    _resolve(hold, status=HoldStatus.RELEASED, reason=reason, now=timezone.now())
    return hold


def _hold_expire(hold: Hold, *, now: datetime) -> None:
    _resolve(hold, status=HoldStatus.EXPIRED, reason="expired", now=now)


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
