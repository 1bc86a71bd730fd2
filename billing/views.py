"""The Credits page: balance, available, open holds and the history, newest first, in words."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from accounts.views.auth import signed_in_user
from billing.payments.selectors import purchases_by_reference
from billing.selectors import (
    HistoryItem,
    wallet_balance,
    wallet_get_for_user,
    wallet_history,
    wallet_open_holds,
)
from nodes.selectors import usage_labels_for_holds

_LABELS = {
    "purchase": "Purchase",
    "grant": "Credits from support",
    "capture": "Usage",
    "clawback": "Refund or dispute",
    "forfeit": "Forfeited on closing",
}


@dataclass(frozen=True)
class HistoryLine:
    item: HistoryItem
    label: str
    detail: str
    receipt_url: str


@login_required
def credits_page(request: HttpRequest) -> HttpResponse:
    return credits_render(request)


def credits_render(
    request: HttpRequest, *, extra: dict[str, Any] | None = None, status: int = 200
) -> HttpResponse:
    """The Credits page; `extra` carries a refused form back to it (its errors next to its fields)."""
    user = signed_in_user(request)
    wallet = wallet_get_for_user(user=user)
    cursor = request.GET.get("before", "")[:200] or None
    page = wallet_history(wallet=wallet, cursor=cursor, limit=20)
    holds = list(wallet_open_holds(wallet=wallet)[:50])
    hold_ids = [i.hold_id for i in page.items if i.hold_id] + [h.pk for h in holds]
    calls = usage_labels_for_holds(user=user, hold_ids=hold_ids)
    purchases = purchases_by_reference(user=user, references=[i.payment_reference for i in page.items])
    history = []
    for item in page.items:
        purchase = purchases.get(item.payment_reference) if item.payment_reference else None
        # Usage is named by its call; other lines keep their memo (a grant's reason, a refund's note).
        detail = calls.get(item.hold_id or 0, "") if item.code == "capture" else item.memo
        receipt = f"/credits/receipts/{purchase.public_id}" if purchase and item.code == "purchase" else ""
        history.append(HistoryLine(item, _LABELS.get(item.code, item.code), detail, receipt))
    context = {
        "balance": wallet_balance(wallet=wallet),
        "holds": [(hold, calls.get(hold.pk) or hold.memo or "API call") for hold in holds],
        "history": history,
        "next_cursor": page.next_cursor,
        "paged": cursor is not None,
        **(extra or {}),
    }
    return render(request, "billing/credits.html", context, status=status)
