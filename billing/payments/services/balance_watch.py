"""Auto top-up and low-balance e-mails, both triggered when a wallet's available balance changes.

Other apps call `payments_after_balance_change(user=...)` after anything that lowers the balance (a
capture, a clawback): it queues the check on commit, so the triggering transaction never waits for Stripe.
"""

from __future__ import annotations

import logging
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Max, Sum
from django.utils import timezone

from billing.models import AccountKind, LedgerAccount
from billing.payments.gateway import PaymentGatewayError, gateway_get
from billing.payments.models import (
    AutoTopUp,
    LowBalanceAlert,
    Purchase,
    PurchaseKind,
    PurchaseStatus,
    StripeCustomer,
)

logger = logging.getLogger(__name__)


def payments_after_balance_change(*, user: Any, allow_auto_topup: bool = True) -> None:
    """Hook for the ledger and the proxy: call it (inside or outside a transaction) after a user's
    available balance changed. It schedules `payments.balance_check` once the transaction commits."""
    from billing.payments.tasks import balance_check

    user_id = user.pk
    transaction.on_commit(lambda: balance_check.delay(user_id, allow_auto_topup))


def balance_watch_refresh(*, user_id: int) -> int:
    """Tell the wallet the highest balance it is watched at (its enabled low-balance and auto top-up
    thresholds), so a /proxy capture knows, from the row it already updates, whether to ask for the checks.
    Call it in the same transaction as any change to those settings."""
    thresholds = [
        model.objects.filter(user_id=user_id, enabled=True).aggregate(top=Max("threshold_micros"))["top"] or 0
        for model in (LowBalanceAlert, AutoTopUp)
    ]
    watch = max(thresholds)
    LedgerAccount.objects.filter(user_id=user_id, kind=AccountKind.USER).exclude(
        watch_below_micros=watch
    ).update(watch_below_micros=watch)
    return watch


@transaction.atomic
def auto_topup_configure(
    *, user: Any, enabled: bool, threshold_micros: int, amount_micros: int, monthly_cap_micros: int
) -> AutoTopUp:
    config, _ = AutoTopUp.objects.update_or_create(
        user=user,
        defaults={
            "enabled": enabled,
            "threshold_micros": threshold_micros,
            "amount_micros": amount_micros,
            "monthly_cap_micros": monthly_cap_micros,
            # Turning it on again is the user's answer to the failures: start counting afresh.
            "consecutive_failures": 0,
            "disabled_reason": "",
            "updated_at": timezone.now(),
        },
    )
    balance_watch_refresh(user_id=user.pk)
    return config


@transaction.atomic
def low_balance_configure(*, user: Any, enabled: bool, threshold_micros: int) -> LowBalanceAlert:
    alert, _ = LowBalanceAlert.objects.update_or_create(
        user=user, defaults={"enabled": enabled, "threshold_micros": threshold_micros, "armed": True}
    )
    balance_watch_refresh(user_id=user.pk)
    return alert


def _available_micros(user: Any) -> int | None:
    from billing.selectors import wallet_balance, wallet_get_for_user

    try:
        wallet = wallet_get_for_user(user=user)
    except Exception:  # noqa: BLE001 (no wallet, e.g. a closed account: nothing to watch)
        return None
    return wallet_balance(wallet=wallet).available_micros


def balance_checks_run(*, user: Any, allow_auto_topup: bool = True) -> None:
    available = _available_micros(user)
    if available is None:
        return
    low_balance_check(user=user, available_micros=available)
    if allow_auto_topup:
        auto_topup_check(user=user, available_micros=available)


def low_balance_check(*, user: Any, available_micros: int) -> bool:
    """E-mail once per crossing: the conditional UPDATE on `armed` decides, so concurrent checks send one."""
    from billing.payments.tasks import send_payment_email

    alerts = LowBalanceAlert.objects.filter(user=user, enabled=True)
    if available_micros >= (alerts.values_list("threshold_micros", flat=True).first() or 0):
        alerts.filter(armed=False, threshold_micros__lte=available_micros).update(armed=True)
        return False
    sent = alerts.filter(armed=True, threshold_micros__gt=available_micros).update(
        armed=False, last_sent_at=timezone.now()
    )
    if sent:
        user_id = user.pk
        transaction.on_commit(lambda: send_payment_email.delay("low_balance", user_id, None))
    return bool(sent)


def _spent_this_month(user: Any) -> int:
    start = timezone.now().replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    total = (
        Purchase.objects.filter(
            user=user,
            kind=PurchaseKind.AUTO_TOPUP,
            status__in=[PurchaseStatus.PAID, PurchaseStatus.PENDING],
            created_at__gte=start,
        ).aggregate(total=Sum("amount_micros"))["total"]
        or 0
    )
    return int(total)


def auto_topup_check(*, user: Any, available_micros: int) -> Purchase | None:
    """Charge the saved card when available < threshold, within the monthly cap, one attempt at a time."""
    config = AutoTopUp.objects.filter(user=user, enabled=True).first()
    if config is None or available_micros >= config.threshold_micros:
        return None
    if _spent_this_month(user) + config.amount_micros > config.monthly_cap_micros:
        logger.info("Auto top-up for user %s skipped: monthly cap reached", user.pk)
        return None
    gateway = gateway_get()
    try:
        # The partial unique index allows one pending auto top-up per user: a racing check stops here.
        with transaction.atomic():
            purchase = Purchase.objects.create(
                user=user,
                kind=PurchaseKind.AUTO_TOPUP,
                gateway=gateway.name,
                amount_micros=config.amount_micros,
            )
    except IntegrityError:
        return None
    customer = StripeCustomer.objects.filter(user=user).first()
    if customer is None and gateway.name == "stripe":
        return _auto_topup_failed(config=config, purchase=purchase, reason="No saved card on file.")
    customer_id = customer.stripe_customer_id if customer else gateway.create_customer(user=user)
    try:
        charge = gateway.charge_off_session(purchase=purchase, customer_id=customer_id)
    except PaymentGatewayError as exc:
        return _auto_topup_failed(config=config, purchase=purchase, reason=str(exc))
    if charge.status in {"failed", "requires_action"}:
        reason = charge.error or "The card needs the cardholder to confirm the payment."
        return _auto_topup_failed(
            config=config, purchase=purchase, reason=reason, intent_id=charge.payment_intent_id
        )
    return _auto_topup_succeeded(
        config=config,
        purchase=purchase,
        intent_id=charge.payment_intent_id,
        settled=charge.status == "succeeded",
    )


def _auto_topup_succeeded(
    *, config: AutoTopUp, purchase: Purchase, intent_id: str | None, settled: bool
) -> Purchase:
    from billing.payments.services.purchases import purchase_credit

    with transaction.atomic():
        locked = Purchase.objects.select_for_update().get(pk=purchase.pk)
        locked.payment_intent_id = intent_id
        if settled and locked.status != PurchaseStatus.PAID:
            purchase_credit(purchase=locked, payment_intent_id=intent_id, key=f"payment_intent:{intent_id}")
        else:
            locked.save(update_fields=["payment_intent_id"])
        AutoTopUp.objects.filter(pk=config.pk).update(consecutive_failures=0)
    return locked


def _auto_topup_failed(
    *, config: AutoTopUp, purchase: Purchase, reason: str, intent_id: str | None = None
) -> Purchase:
    from billing.payments.tasks import send_payment_email

    with transaction.atomic():
        Purchase.objects.filter(pk=purchase.pk).update(
            status=PurchaseStatus.FAILED,
            failure_reason=reason[:500],
            updated_at=timezone.now(),
            payment_intent_id=intent_id,
        )
        config = AutoTopUp.objects.select_for_update().get(pk=config.pk)
        config.consecutive_failures += 1
        if config.consecutive_failures >= AutoTopUp.MAX_FAILURES and config.enabled:
            config.enabled = False
            config.disabled_reason = (
                f"Turned off after {config.consecutive_failures} failed charges: {reason}"[:500]
            )
            user_id = config.user_id
            transaction.on_commit(lambda: send_payment_email.delay("auto_topup_disabled", user_id, None))
        config.save()
        balance_watch_refresh(user_id=config.user_id)
    purchase.refresh_from_db()
    return purchase


def auto_topup_payment_failed(*, purchase_public_id: str, reason: str) -> None:
    """An auto top-up PaymentIntent that was `processing` failed later (webhook)."""
    purchase = Purchase.objects.filter(
        public_id=purchase_public_id, kind=PurchaseKind.AUTO_TOPUP, status=PurchaseStatus.PENDING
    ).first()
    config = AutoTopUp.objects.filter(user_id=purchase.user_id).first() if purchase else None
    if purchase is not None and config is not None:
        _auto_topup_failed(
            config=config, purchase=purchase, reason=reason, intent_id=purchase.payment_intent_id
        )
