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
    fulfilled = 0
    for purchase in open_purchases:
        try:
            if checkout_sync(purchase=purchase).status == PurchaseStatus.PAID:
                fulfilled += 1
        except (PaymentGatewayError, FulfilmentRejectedError):
            logger.warning("Sweep could not settle purchase %s", purchase.public_id, exc_info=True)
    return fulfilled
