"""Counting writes and reading money for the payments tests."""

from __future__ import annotations

from typing import Any

from django.db.models import Sum

from billing.models import CustomerEvent, LedgerEntry, LedgerTransaction
from billing.payments.models import ChargeState, Purchase, StripeCustomer, StripeEvent
from billing.selectors import wallet_balance, wallet_get_for_user

WATCHED = (StripeEvent, Purchase, ChargeState, StripeCustomer, LedgerTransaction, LedgerEntry, CustomerEvent)


def row_counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in WATCHED}


def available(user: Any) -> int:
    return wallet_balance(wallet=wallet_get_for_user(user=user)).available_micros


def purchased(user: Any) -> int:
    total = LedgerEntry.objects.filter(account__user=user, transaction__code="purchase").aggregate(
        total=Sum("amount_micros")
    )["total"]
    return int(total or 0)


def api_key_for(user: Any) -> str:
    from accounts.services.api_keys import api_key_create

    return api_key_create(user=user, name="comfyui")[1]
