"""Celery tasks for payments: thin wrappers over the services, queued on commit."""

from __future__ import annotations

import logging
from datetime import timedelta

from celery import shared_task
from django.contrib.auth import get_user_model
from django.utils import timezone

logger = logging.getLogger(__name__)

# Checkout Sessions expire after 24 h; a day more covers a session paid just before it expired.
SWEEP_WINDOW = timedelta(hours=48)
# Stripe retries a failed delivery for up to 3 days; List Events reaches back 30.
UNDELIVERED_WINDOW = timedelta(days=3)
SWEEP_MIN_AGE = timedelta(minutes=2)  # give the webhook a head start


@shared_task(name="payments.send_payment_email", ignore_result=True)  # type: ignore[untyped-decorator]
def send_payment_email(kind: str, user_id: int, purchase_id: int | None) -> None:
    from billing.payments.notifications import payment_email_send

    payment_email_send(kind=kind, user_id=user_id, purchase_id=purchase_id)


@shared_task(name="payments.balance_check", ignore_result=True)  # type: ignore[untyped-decorator]
def balance_check(user_id: int, allow_auto_topup: bool = True) -> None:
    from billing.payments.services.balance_watch import balance_checks_run

    user = get_user_model().objects.filter(pk=user_id).first()
    if user is not None:
        balance_checks_run(user=user, allow_auto_topup=allow_auto_topup)


@shared_task(name="payments.sweep_open_purchases", ignore_result=True)  # type: ignore[untyped-decorator]
def sweep_open_purchases() -> int:
    """Ask Stripe about recent open Checkout Sessions, so a lost webhook never loses a payment."""
    from billing.payments.gateway import PaymentGatewayError
    from billing.payments.models import Gateway, Purchase, PurchaseKind, PurchaseStatus
    from billing.payments.services.purchases import FulfilmentRejectedError, checkout_sync

    now = timezone.now()
    open_purchases = Purchase.objects.filter(
        status=PurchaseStatus.PENDING,
        kind=PurchaseKind.CHECKOUT,
        gateway=Gateway.STRIPE,
        checkout_session_id__isnull=False,
        created_at__gte=now - SWEEP_WINDOW,
        created_at__lte=now - SWEEP_MIN_AGE,
    ).order_by("created_at")[:500]
    # Sandbox checkouts have no provider to expire them: close the abandoned ones here.
    Purchase.objects.filter(
        status=PurchaseStatus.PENDING,
        gateway=Gateway.SANDBOX,
        kind=PurchaseKind.CHECKOUT,
        created_at__lt=now - timedelta(hours=24),
    ).update(status=PurchaseStatus.EXPIRED, failure_reason="expired", updated_at=now)
    fulfilled = 0
    for purchase in open_purchases:
        try:
            if checkout_sync(purchase=purchase).status == PurchaseStatus.PAID:
                fulfilled += 1
        except (PaymentGatewayError, FulfilmentRejectedError):
            logger.warning("Sweep could not settle purchase %s", purchase.public_id, exc_info=True)
    return fulfilled


@shared_task(name="payments.recover_undelivered_events", ignore_result=True)  # type: ignore[untyped-decorator]
def recover_undelivered_events() -> int:
    """Apply events Stripe could not deliver (our endpoint was down or answered 5xx). They come from
    Stripe's API with our secret key, so they need no signature; duplicates are ignored as usual."""
    from django.conf import settings

    from billing.payments.gateway import PaymentGatewayError, gateway_get
    from billing.payments.services.webhooks import HANDLERS, webhook_event_process

    if not settings.STRIPE_SECRET_KEY:
        return 0
    since = int((timezone.now() - UNDELIVERED_WINDOW).timestamp())
    try:
        events = gateway_get().list_undelivered_events(created_after=since, types=sorted(HANDLERS))
    except PaymentGatewayError:
        logger.warning("Could not list undelivered Stripe events", exc_info=True)
        return 0
    applied = 0
    for event in events:
        try:
            applied += webhook_event_process(event=event) == "processed"
        except Exception:  # noqa: BLE001 (recorded as failed by webhook_event_process; the next run retries)
            logger.warning("Undelivered Stripe event %s failed again", event.get("id"))
    return applied


@shared_task(name="payments.balance_watch_sweep", ignore_result=True)  # type: ignore[untyped-decorator]
def balance_watch_sweep() -> int:
    """Run the auto top-up and low-balance checks for every user who turned one on: a safety net for
    balance changes whose code path did not call `payments_after_balance_change`."""
    from billing.payments.models import AutoTopUp, LowBalanceAlert
    from billing.payments.services.balance_watch import balance_checks_run, balance_watch_refresh

    user_ids = set(AutoTopUp.objects.filter(enabled=True).values_list("user_id", flat=True))
    user_ids |= set(LowBalanceAlert.objects.filter(enabled=True).values_list("user_id", flat=True))
    for user in get_user_model().objects.filter(pk__in=user_ids, is_active=True):
        try:
            balance_watch_refresh(user_id=user.pk)  # heals a threshold changed outside the services
            balance_checks_run(user=user)
        except Exception:
            logger.warning("Balance checks failed for user %s", user.pk, exc_info=True)
    return len(user_ids)


@shared_task(name="payments.reconcile", ignore_result=True)  # type: ignore[untyped-decorator]
def reconcile() -> int:
    """Daily: payments vs ledger over the last 3 days; any difference is an ALERT for a human."""
    from billing.payments.reconcile import payments_reconcile

    report = payments_reconcile(since=timezone.now() - timedelta(days=3))
    for problem in report.problems:
        logger.error("ALERT payments reconciliation: %s", problem)
    return report.diff
