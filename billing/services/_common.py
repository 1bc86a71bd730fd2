"""Building blocks shared by the ledger services: request fingerprints, insert-or-find on a unique key,
the wallet-row statements and booking a balanced transaction."""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TypeVar

from django.db import connection, models

from billing.errors import IdempotencyConflict, InvalidLedgerRequest, WalletClosed
from billing.models import AccountKind, HouseAccount, LedgerAccount, LedgerEntry, LedgerTransaction

M = TypeVar("M", bound=models.Model)

ACCOUNT_TABLE = LedgerAccount._meta.db_table


def request_hash(*parts: object) -> str:
    """A fingerprint of what a request asked for, to tell a replay from a different request on one key."""
    return hashlib.sha256(json.dumps([str(p) for p in parts]).encode()).hexdigest()


def require_positive(amount_micros: int) -> None:
    if isinstance(amount_micros, bool) or not isinstance(amount_micros, int) or amount_micros <= 0:
        raise InvalidLedgerRequest("Amounts are positive integers in micro-USD.")


def require_key(key: str) -> None:
    if not key or len(key) > 200:
        raise InvalidLedgerRequest("An idempotency key of 1 to 200 characters is required.")


def insert_or_conflict(instance: M) -> bool:
    """INSERT … ON CONFLICT DO NOTHING RETURNING id: True when this call inserted the row.

    The unique key decides (never exists-then-insert, quality.md L5). On PostgreSQL a concurrent insert
    of the same key waits for the other transaction and then finds its row; no savepoint is needed.
    """
    meta = instance._meta
    fields = [f for f in meta.concrete_fields if not f.primary_key]
    columns = ", ".join(connection.ops.quote_name(str(f.column)) for f in fields)
    placeholders = ", ".join(["%s"] * len(fields))
    values = [f.get_db_prep_save(f.pre_save(instance, add=True), connection) for f in fields]
    sql = (
        f"INSERT INTO {connection.ops.quote_name(str(meta.db_table))} ({columns}) VALUES ({placeholders}) "  # noqa: S608
        "ON CONFLICT DO NOTHING RETURNING id"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, values)
        row = cursor.fetchone()
    if row is None:
        return False
    instance.pk = row[0]
    instance._state.adding = False
    instance._state.db = connection.alias
    return True


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


def book(
    txn: LedgerTransaction, *, wallet_leg: WalletLeg | None, house_legs: Sequence[tuple[HouseAccount, int]]
) -> None:
    """Write the legs of `txn` in one INSERT. They must sum to zero (checked here and, on PG, at commit)."""
    entries = []
    if wallet_leg is not None:
        entries.append(
            LedgerEntry(
                transaction=txn,
                account_id=wallet_leg.wallet_id,
                amount_micros=wallet_leg.amount_micros,
                balance_before_micros=wallet_leg.balance_after_micros - wallet_leg.amount_micros,
                balance_after_micros=wallet_leg.balance_after_micros,
                account_version=wallet_leg.version,
                created_at=txn.created_at,
            )
        )
    entries.extend(
        LedgerEntry(
            transaction=txn,
            account_id=house_account_id(code),
            amount_micros=amount,
            created_at=txn.created_at,
        )
        for code, amount in house_legs
        if amount != 0
    )
    if sum(e.amount_micros for e in entries) != 0:
        raise AssertionError(f"Unbalanced ledger transaction {txn.code}:{txn.key}")
    LedgerEntry.objects.bulk_create(entries)
