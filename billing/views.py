"""The Credits page: balance, available, open holds and the history, newest first."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from accounts.views.auth import signed_in_user
from billing.selectors import wallet_balance, wallet_get_for_user, wallet_history, wallet_open_holds

_LABELS = {
    "purchase": "Purchase",
    "grant": "Credits from support",
    "capture": "Usage",
    "clawback": "Refund or dispute",
    "forfeit": "Forfeited on closing",
}


@login_required
def credits_page(request: HttpRequest) -> HttpResponse:
    wallet = wallet_get_for_user(user=signed_in_user(request))
    cursor = request.GET.get("before", "")[:200] or None
    page = wallet_history(wallet=wallet, cursor=cursor, limit=20)
    context = {
        "balance": wallet_balance(wallet=wallet),
        "holds": list(wallet_open_holds(wallet=wallet)[:50]),
        "history": [(item, _LABELS.get(item.code, item.code)) for item in page.items],
        "next_cursor": page.next_cursor,
        "paged": cursor is not None,
    }
    return render(request, "billing/credits.html", context)
