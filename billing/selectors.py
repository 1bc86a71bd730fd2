"""Ledger reads: the wallet, its balance and open holds, and its history with keyset pagination."""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Q, QuerySet, Sum

from accounts.models import User
from billing.models import AccountKind, Hold, HoldStatus, HouseAccount, LedgerAccount, LedgerEntry

Wallet = LedgerAccount


def wallet_get_for_user(*, user: User) -> LedgerAccount:
    """The user's own wallet (owner-scoped by construction). Users created before the ledger existed get
    theirs on first use."""
    wallet = LedgerAccount.objects.filter(user=user, kind=AccountKind.USER).first()
    if wallet is not None:
        return wallet
    from billing.services import wallet_create_for_user

    return wallet_create_for_user(user=user)


@dataclass(frozen=True)
class WalletBalance:
    balance_micros: int
    held_micros: int
    available_micros: int
    status: str


def wallet_balance(*, wallet: LedgerAccount) -> WalletBalance:
    """Fresh from the database (the wallet object passed in may be stale)."""
    balance, held, status = LedgerAccount.objects.filter(pk=wallet.pk).values_list(
        "balance_micros", "held_micros", "status"
    )[0]
    return WalletBalance(balance, held, balance - held, status)


def wallet_open_holds(*, wallet: LedgerAccount) -> QuerySet[Hold]:
    return Hold.objects.filter(wallet=wallet, status=HoldStatus.OPEN).order_by("expires_at", "id")


def house_balance(*, code: HouseAccount) -> int:
    """House accounts keep no cached balance (no hot row): it is the sum of their entries."""
    total = LedgerEntry.objects.filter(account__code=code).aggregate(total=Sum("amount_micros"))["total"]
    return int(total or 0)


@dataclass(frozen=True)
class HistoryItem:
    entry_id: int
    created_at: datetime
    code: str
    amount_micros: int
    balance_after_micros: int | None
    memo: str
    payment_reference: str
    hold_id: int | None = None


@dataclass(frozen=True)
class HistoryPage:
    items: list[HistoryItem]
    next_cursor: str | None


def _encode_cursor(created_at: datetime, entry_id: int) -> str:
    raw = f"{created_at.isoformat()}|{entry_id}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode_cursor(cursor: str) -> tuple[datetime, int] | None:
    """A malformed cursor means "from the start", never an error page."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        stamp, _, entry_id = raw.partition("|")
        when = datetime.fromisoformat(stamp)
        if when.tzinfo is None:
            return None
        return when, int(entry_id)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        return None


def wallet_history(*, wallet: LedgerAccount, cursor: str | None = None, limit: int = 20) -> HistoryPage:
    """The wallet's ledger lines, newest first, keyset-paginated on (created_at, id): no COUNT, no OFFSET."""
    limit = max(1, min(limit, 100))
    entries = LedgerEntry.objects.filter(account=wallet).select_related("transaction")
    position = _decode_cursor(cursor) if cursor else None
    if position is not None:
        when, entry_id = position
        entries = entries.filter(Q(created_at__lt=when) | Q(created_at=when, id__lt=entry_id))
    rows = list(entries.order_by("-created_at", "-id")[: limit + 1])
    items = [
        HistoryItem(
            entry_id=e.pk,
            created_at=e.created_at,
            code=e.transaction.code,
            amount_micros=e.amount_micros,
            balance_after_micros=e.balance_after_micros,
            memo=e.transaction.memo,
            payment_reference=e.transaction.payment_reference,
            hold_id=e.transaction.hold_id,
        )
        for e in rows[:limit]
    ]
    more = len(rows) > limit
    return HistoryPage(items, _encode_cursor(items[-1].created_at, items[-1].entry_id) if more else None)
