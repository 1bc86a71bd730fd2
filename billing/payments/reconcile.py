"""Reconciliation of payments against the ledger (quality.md P2): every paid purchase has exactly its one
purchase entry, every purchase entry has its paid purchase, and every clawback matches what refunds and
disputes asked for. Any difference is logged as an ALERT by the daily task and fails the command."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Q, Sum

from billing.models import HouseAccount, LedgerEntry, TransactionCode
from billing.payments.models import ChargeState, Purchase, PurchaseStatus

logger = logging.getLogger(__name__)

FUNDING = [HouseAccount.STRIPE_FUNDING, HouseAccount.SANDBOX_FUNDING]


@dataclass
class ReconcileReport:
    purchases_checked: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def diff(self) -> int:
        return len(self.problems)


def _purchase_entries(since: datetime) -> dict[str, int]:
    """What the ledger credited to wallets per payment reference (the user leg of each purchase)."""
    rows = (
        LedgerEntry.objects.filter(
            transaction__code=TransactionCode.PURCHASE,
            transaction__created_at__gte=since,
            account__user__isnull=False,
        )
        .values("transaction__payment_reference")
        .annotate(total=Sum("amount_micros"))
    )
    return {row["transaction__payment_reference"]: int(row["total"] or 0) for row in rows}


def _check_purchases(report: ReconcileReport, *, since: datetime) -> None:
    booked = _purchase_entries(since)
    references = set()
    for purchase in Purchase.objects.filter(status=PurchaseStatus.PAID, paid_at__gte=since).iterator():
        report.purchases_checked += 1
        references.add(purchase.payment_reference)
        got = booked.get(purchase.payment_reference, 0)
        if got != purchase.amount_micros:
            report.problems.append(
                f"purchase {purchase.public_id}: paid {purchase.amount_micros}, booked {got}"
            )
    orphans = set(booked) - references
    known = Purchase.objects.filter(status=PurchaseStatus.PAID).filter(
        Q(checkout_session_id__in=orphans) | Q(payment_intent_id__in=orphans)
    )
    orphans -= {purchase.payment_reference for purchase in known}
    report.problems.extend(f"ledger purchase {ref} has no paid purchase" for ref in sorted(orphans))


def _clawback_entries(references: set[str]) -> dict[str, int]:
    """What the ledger clawed back per payment reference (the funding leg of each clawback)."""
    rows = (
        LedgerEntry.objects.filter(
            transaction__code=TransactionCode.CLAWBACK,
            transaction__payment_reference__in=references,
            account__code__in=FUNDING,
        )
        .values("transaction__payment_reference")
        .annotate(total=Sum("amount_micros"))
    )
    return {row["transaction__payment_reference"]: int(row["total"] or 0) for row in rows}


def _check_clawbacks(report: ReconcileReport, *, since: datetime) -> None:
    """Three queries, however many charges: the states, their purchases, the booked clawbacks."""
    states = list(ChargeState.objects.filter(clawed_back_micros__gt=0, updated_at__gte=since))
    intents = [state.payment_intent_id for state in states]
    purchases = {p.payment_intent_id: p for p in Purchase.objects.filter(payment_intent_id__in=intents)}
    booked = _clawback_entries({p.payment_reference for p in purchases.values()})
    for state in states:
        purchase = purchases.get(state.payment_intent_id)
        if purchase is None:
            report.problems.append(f"charge {state.payment_intent_id}: clawed back without a purchase")
            continue
        clawed = booked.get(purchase.payment_reference, 0)
        if clawed != state.clawed_back_micros:
            report.problems.append(
                f"charge {state.payment_intent_id}: clawback booked {clawed}, "
                f"expected {state.clawed_back_micros}"
            )


def payments_reconcile(*, since: datetime) -> ReconcileReport:
    report = ReconcileReport()
    _check_purchases(report, since=since)
    _check_clawbacks(report, since=since)
    return report
