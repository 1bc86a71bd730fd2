"""Building blocks shared by the ledger services: request fingerprints, insert-or-find on a unique key,
the wallet-row statements and booking a balanced transaction."""

from __future__ import annotations

import functools
import hashlib
import json
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, ParamSpec, TypeVar

from django.db import OperationalError, connection, models
from django.db.backends.utils import CursorWrapper

from billing.errors import IdempotencyConflict, InvalidLedgerRequest, LedgerBusy, WalletClosed
from billing.models import AccountKind, HouseAccount, LedgerAccount, LedgerEntry

M = TypeVar("M", bound=models.Model)

ACCOUNT_TABLE = LedgerAccount._meta.db_table
ENTRY_TABLE = LedgerEntry._meta.db_table


P = ParamSpec("P")
R = TypeVar("R")


def busy_means_retry(service: Callable[P, R]) -> Callable[P, R]:
    """Turn SQLite's "database is locked" (a write that waited out the busy timeout) into LedgerBusy."""

    @functools.wraps(service)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return service(*args, **kwargs)
        except OperationalError as exc:
            if "database is locked" in str(exc):
                raise LedgerBusy() from exc
            raise

    return wrapper


def request_hash(*parts: object) -> str:
    """A fingerprint of what a request asked for, to tell a replay from a different request on one key."""
    return hashlib.sha256(json.dumps([str(p) for p in parts]).encode()).hexdigest()


def require_positive(amount_micros: int) -> None:
    if isinstance(amount_micros, bool) or not isinstance(amount_micros, int) or amount_micros <= 0:
        raise InvalidLedgerRequest("Amounts are positive integers in micro-USD.")


def require_key(key: str) -> None:
    if not key or len(key) > 200:
        raise InvalidLedgerRequest("An idempotency key of 1 to 200 characters is required.")


def db_time(value: datetime) -> Any:
    """A datetime as the backend stores it (naive UTC text on SQLite), for parameters of raw SQL."""
    return connection.ops.adapt_datetimefield_value(value)


def check_replay(existing_hash: str, fingerprint: str) -> None:
    if existing_hash != fingerprint:
        raise IdempotencyConflict()


# House accounts are looked up by code once per process; the cache is cleared whenever the tables are
# (re)created or flushed (post_migrate, see billing.signals).
_house_ids: dict[tuple[str, str], int] = {}
_house_lock = threading.Lock()


def house_account_id(code: HouseAccount) -> int:
    cache_key = (f"{connection.alias}:{connection.settings_dict['NAME']}", str(code))
    cached = _house_ids.get(cache_key)
    if cached is not None:
        return cached
    with _house_lock:
        account, _ = LedgerAccount.objects.get_or_create(code=code, defaults={"kind": AccountKind.HOUSE})
        _house_ids[cache_key] = account.pk
        return account.pk


def house_ids_forget() -> None:
    _house_ids.clear()


@dataclass(frozen=True)
class WalletLeg:
    wallet_id: int
    amount_micros: int
    balance_after_micros: int
    version: int


def wallet_post(*, wallet_id: int, delta_micros: int, allow_closed: bool = False) -> WalletLeg:
    """Move a wallet's balance by `delta` in one statement (row-locked until commit) and return the leg.

    A debit that would take available below zero is refused by the wallet's CheckConstraint.
    """
    guard = "" if allow_closed else " AND status <> 'closed'"
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {ACCOUNT_TABLE} SET balance_micros = balance_micros + %s, version = version + 1 "  # noqa: S608
            f"WHERE id = %s AND kind = 'user'{guard} RETURNING balance_micros, version",
            [delta_micros, wallet_id],
        )
        row = cursor.fetchone()
    if row is None:
        raise WalletClosed()
    return WalletLeg(wallet_id, delta_micros, row[0], row[1])


_ENTRY_SQL = (
    f"INSERT INTO {ENTRY_TABLE} (transaction_id, account_id, amount_micros, balance_before_micros, "  # noqa: S608
    "balance_after_micros, account_version, created_at) VALUES "
)


def book(
    txn_id: int,
    created_at: datetime,
    *,
    wallet_leg: WalletLeg | None,
    house_legs: Sequence[tuple[HouseAccount, int]],
    cursor: CursorWrapper | None = None,
) -> None:
    """Write the legs of a transaction in one INSERT. They must sum to zero (checked here and, on PG,
    by a deferred trigger at commit). Plain SQL: this runs on every capture, the ledger's hot path."""
    at = db_time(created_at)
    rows: list[tuple[int, int, int, int | None, int | None, int | None, Any]] = []
    if wallet_leg is not None:
        before = wallet_leg.balance_after_micros - wallet_leg.amount_micros
        rows.append(
            (
                txn_id,
                wallet_leg.wallet_id,
                wallet_leg.amount_micros,
                before,
                wallet_leg.balance_after_micros,
                wallet_leg.version,
                at,
            )
        )
    rows.extend(
        (txn_id, house_account_id(code), amount, None, None, None, at)
        for code, amount in house_legs
        if amount != 0
    )
    if sum(row[2] for row in rows) != 0:
        raise AssertionError(f"Unbalanced ledger transaction {txn_id}")
    sql = _ENTRY_SQL + ", ".join(["(%s, %s, %s, %s, %s, %s, %s)"] * len(rows))
    params = [value for row in rows for value in row]
    if cursor is not None:
        cursor.execute(sql, params)
        return
    with connection.cursor() as own:
        own.execute(sql, params)
