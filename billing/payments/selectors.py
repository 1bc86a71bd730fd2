"""Payments reads: the `/customers/balance` and `/customers/events` answers, the Credits page state."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Q

from billing.models import AccountKind, CustomerEvent, LedgerAccount
from billing.money import micros_to_cents_floor
from billing.payments.models import (
    AutoTopUp,
    Gateway,
    LowBalanceAlert,
    Purchase,
    PurchaseKind,
    PurchaseStatus,
)
from comfyweb.times import rfc3339


def customer_balance_body(*, user: Any) -> dict[str, Any] | None:
    """comfy-contract.md §8.2: the stock frontend reads every `*_micros` balance field as US **cents**.
    Available balance, floored to the cent, in `amount_micros` and `effective_balance_micros`."""
    wallet = LedgerAccount.objects.filter(user=user, kind=AccountKind.USER).first()
    if wallet is None:
        return None
    available_cents = micros_to_cents_floor(wallet.available_micros)
    return {
        "amount_micros": available_cents,
        "effective_balance_micros": available_cents,
        "prepaid_balance_micros": available_cents,
        "pending_charges_micros": micros_to_cents_floor(wallet.held_micros),
        "currency": "usd",
    }


@dataclass(frozen=True)
class EventsPage:
    total: int
    events: list[dict[str, Any]]
    page: int
    limit: int

    def body(self) -> dict[str, Any]:
        return {
            "total": self.total,
            "events": self.events,
            "page": self.page,
            "limit": self.limit,
            "totalPages": math.ceil(self.total / self.limit) if self.total else 0,
        }


def customer_events_page(
    *,
    user: Any,
    page: int,
    limit: int,
    start: datetime | None = None,
    end: datetime | None = None,
    event_type: str | None = None,
) -> EventsPage:
    """The user's own events, newest first (comfy-contract.md §8.4 AuditLog rows)."""
    events = CustomerEvent.objects.filter(user=user).order_by("-created_at", "-id")
    if start is not None:
        events = events.filter(created_at__gte=start)
    if end is not None:
        events = events.filter(created_at__lte=end)
    if event_type:
        events = events.filter(event_type=event_type)
    offset = (page - 1) * limit
    rows = events[offset : offset + limit]
    return EventsPage(
        total=events.count(),
        events=[
            {
                "event_id": str(row.pk),
                "event_type": row.event_type,
                "params": row.params,
                "createdAt": rfc3339(row.created_at),
            }
            for row in rows
        ],
        page=page,
        limit=limit,
    )


def purchases_recent(*, user: Any, limit: int = 5) -> list[Purchase]:
    """The user's own latest purchases (owner-scoped), for the Credits page."""
    return list(Purchase.objects.filter(user=user).order_by("-created_at", "-id")[:limit])


def auto_topup_get(*, user: Any) -> AutoTopUp | None:
    return AutoTopUp.objects.filter(user=user).first()


def low_balance_alert_get(*, user: Any) -> LowBalanceAlert | None:
    return LowBalanceAlert.objects.filter(user=user).first()


def purchases_by_reference(*, user: Any, references: list[str]) -> dict[str, Purchase]:
    """The user's own purchases, by the payment reference the ledger recorded for them."""
    refs = [r for r in references if r]
    rows = Purchase.objects.filter(user=user).filter(
        Q(checkout_session_id__in=refs) | Q(payment_intent_id__in=refs)
    )
    return {p.payment_reference: p for p in rows}


def purchase_get_for_user(*, user: Any, public_id: Any) -> Purchase | None:
    """Owner-scoped: another user's purchase is simply not found."""
    return Purchase.objects.filter(user=user, public_id=public_id).first()


def payment_method_label(purchase: Purchase) -> str:
    if purchase.gateway == Gateway.SANDBOX:
        return "Sandbox checkout (TEST MODE: no card, no money moved)"
    if purchase.kind == PurchaseKind.AUTO_TOPUP:
        return "Auto top-up: the card saved with Stripe"
    return "Card, through Stripe Checkout"


def purchase_resumable(purchase: Purchase) -> bool:
    """A checkout the user started and left: it can be resumed (its page is still open) or cancelled."""
    return (
        purchase.status == PurchaseStatus.PENDING
        and purchase.kind == PurchaseKind.CHECKOUT
        and bool(purchase.checkout_url)
    )
