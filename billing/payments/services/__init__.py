"""Payments services (writes). Views, webhooks and tasks call these; they hold the business rules."""

from billing.payments.services.adjustments import charge_dispute_record, charge_refund_record
from billing.payments.services.balance_watch import (
    auto_topup_configure,
    balance_checks_run,
    low_balance_configure,
    payments_after_balance_change,
)
from billing.payments.services.purchases import (
    checkout_fulfil,
    checkout_start,
    checkout_sync,
    purchase_cancel,
    purchase_mark_closed,
    topup_amount_validate,
)

__all__ = [
    "auto_topup_configure",
    "balance_checks_run",
    "charge_dispute_record",
    "charge_refund_record",
    "checkout_fulfil",
    "checkout_start",
    "checkout_sync",
    "low_balance_configure",
    "payments_after_balance_change",
    "purchase_cancel",
    "purchase_mark_closed",
    "topup_amount_validate",
]
