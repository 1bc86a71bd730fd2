"""Starting a purchase and fulfilling it exactly once, whichever of the webhook, the success page or the
sweep gets there first (quality.md P2 to P4)."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from billing.errors import WalletClosed
from billing.money import MICROS_PER_CENT, cents_to_micros, format_credits, format_usd, micros_to_cents_floor
from billing.payments.gateway import (
    CheckoutOutcome,
    PaymentGateway,
    PaymentGatewayError,
    SandboxGateway,
    StripeGateway,
    gateway_get,
)
from billing.payments.models import Gateway, Purchase, PurchaseKind, PurchaseStatus, StripeCustomer
from comfyweb.errors import ApiError

logger = logging.getLogger(__name__)


class FulfilmentRejectedError(Exception):
    """Stripe says paid, but the session does not match our record (amount, currency, unknown session).
    Nothing is credited; the event is kept with this error and an alert is logged for a human."""


def topup_amount_validate(value: object) -> int:
    """A top-up amount in real micro-USD: an int (not a bool), whole cents, within the configured range."""
    low, high = settings.TOPUP_MIN_MICROS, settings.TOPUP_MAX_MICROS
    message = (
        f"amount_micros must be a whole number of micro-USD in whole cents, from {low} ({format_usd(low)}) "
        f"to {high} ({format_usd(high)})."
    )
    if isinstance(value, bool) or not isinstance(value, int):
        raise ApiError(400, "invalid_amount", message)
    if not low <= value <= high or value % MICROS_PER_CENT:
        raise ApiError(400, "invalid_amount", message)
    return value


def gateway_for(purchase: Purchase) -> PaymentGateway:
    """The gateway that created a purchase (a purchase never moves between Stripe and the sandbox)."""
    if purchase.gateway == Gateway.SANDBOX:
        return SandboxGateway()
    if not settings.STRIPE_SECRET_KEY:
        raise PaymentGatewayError("A Stripe purchase exists but STRIPE_SECRET_KEY is not configured.")
    return StripeGateway(api_key=settings.STRIPE_SECRET_KEY, api_base=settings.STRIPE_API_BASE)


def stripe_customer_ensure(*, user: Any, gateway: PaymentGateway) -> str:
    """The user's gateway customer, created once. Stripe's idempotency key makes a racing second create
    return the same customer; the unique user row decides which insert wins."""
    if gateway.name == Gateway.SANDBOX:
        return gateway.create_customer(user=user)
    existing = StripeCustomer.objects.filter(user=user).first()
    if existing is not None:
        return existing.stripe_customer_id
    customer_id = gateway.create_customer(user=user)
    try:
        with transaction.atomic():
            StripeCustomer.objects.create(
                user=user, stripe_customer_id=customer_id, livemode=settings.STRIPE_LIVEMODE
            )
    except IntegrityError:
        return StripeCustomer.objects.get(user=user).stripe_customer_id
    return customer_id


MAX_CHECKOUTS_PER_HOUR = 20


def _checkout_rate_check(user: Any) -> None:
    """A soft cap on abandoned checkouts (each one is a Stripe API call): no money is at stake here, so a
    plain count is enough; a racing request or two past the cap does no harm."""
    recent = Purchase.objects.filter(
        user=user, kind=PurchaseKind.CHECKOUT, created_at__gte=timezone.now() - timedelta(hours=1)
    ).count()
    if recent >= MAX_CHECKOUTS_PER_HOUR:
        raise ApiError(
            429,
            "rate_limited",
            f"Too many checkouts started in the last hour (at most {MAX_CHECKOUTS_PER_HOUR}). "
            "Finish or wait for an open one, then try again.",
            headers={"Retry-After": "150"},
        )


def checkout_start(*, user: Any, amount_micros: int, base_url: str) -> Purchase:
    """Create our pending purchase (the amount is fixed here), then the gateway's checkout for it.

    No database transaction is open while the gateway is called; a failure marks the purchase failed.
    """
    amount_micros = topup_amount_validate(amount_micros)
    _checkout_rate_check(user)
    gateway = gateway_get()
    purchase = Purchase.objects.create(
        user=user, kind=PurchaseKind.CHECKOUT, gateway=gateway.name, amount_micros=amount_micros
    )
    try:
        customer_id = stripe_customer_ensure(user=user, gateway=gateway)
        session = gateway.create_checkout(
            purchase=purchase,
            customer_id=customer_id,
            base_url=base_url,
            credits_label=format_credits(amount_micros),
        )
    except PaymentGatewayError as exc:
        Purchase.objects.filter(pk=purchase.pk).update(
            status=PurchaseStatus.FAILED, failure_reason=str(exc)[:500], updated_at=timezone.now()
        )
        raise
    purchase.checkout_session_id = session.session_id
    purchase.checkout_url = session.url
    purchase.updated_at = timezone.now()
    purchase.save(update_fields=["checkout_session_id", "checkout_url", "updated_at"])
    return purchase


def _purchase_for_outcome(outcome: CheckoutOutcome) -> Purchase:
    """Our record for a session, row-locked. Found by the session id we stored; the metadata id is only a
    fallback for a purchase whose session id was never saved, and it is cross-checked below anyway."""
    lookup = Q(checkout_session_id=outcome.session_id)
    if outcome.purchase_public_id:
        lookup |= Q(public_id=outcome.purchase_public_id, checkout_session_id__isnull=True)
    try:
        return Purchase.objects.select_for_update().filter(lookup, kind=PurchaseKind.CHECKOUT).get()
    except (Purchase.DoesNotExist, Purchase.MultipleObjectsReturned, ValueError) as exc:
        raise FulfilmentRejectedError(f"No purchase matches Checkout Session {outcome.session_id}.") from exc


def _cross_check(purchase: Purchase, outcome: CheckoutOutcome) -> None:
    expected_cents = micros_to_cents_floor(purchase.amount_micros)
    line_items_ok = outcome.line_items_total_cents in (None, expected_cents)
    if outcome.currency != "usd" or outcome.amount_total_cents != expected_cents or not line_items_ok:
        raise FulfilmentRejectedError(
            f"Checkout Session {outcome.session_id} reports {outcome.amount_total_cents} "
            f"{outcome.currency or '?'} but purchase {purchase.public_id} is {expected_cents} usd cents."
        )


def checkout_fulfil(*, outcome: CheckoutOutcome) -> Purchase | None:
    """Credit a paid Checkout Session once. Returns the purchase, or None while payment is pending.

    Safe to call any number of times, concurrently, from the webhook, the success page and the sweep:
    the purchase row is locked, a paid purchase is returned as is, and the ledger's unique key
    `checkout:<session id>` backs that up in the database.
    """
    if outcome.payment_status != "paid":
        return None
    with transaction.atomic():
        purchase = _purchase_for_outcome(outcome)
        if purchase.status == PurchaseStatus.PAID:
            return purchase
        _cross_check(purchase, outcome)
        purchase.checkout_session_id = outcome.session_id
        purchase_credit(
            purchase=purchase,
            payment_intent_id=outcome.payment_intent_id,
            key=f"checkout:{outcome.session_id}",
        )
        return purchase


def purchase_credit(*, purchase: Purchase, payment_intent_id: str | None, key: str) -> None:
    """The one fulfilment: the ledger purchase (which also writes the `credit_added` customer event, in
    cents), the purchase marked paid, then (on commit) the receipt and the balance checks.

    The caller holds the purchase row lock inside a transaction."""
    from billing.payments.services.adjustments import (
        charge_state_apply_for_purchase,
        charge_state_lock_for_fulfilment,
    )
    from billing.payments.services.balance_watch import payments_after_balance_change
    from billing.payments.tasks import send_payment_email
    from billing.selectors import wallet_get_for_user
    from billing.services import credits_purchase

    now = timezone.now()
    purchase.payment_intent_id = payment_intent_id or purchase.payment_intent_id
    state = charge_state_lock_for_fulfilment(payment_intent_id=purchase.payment_intent_id)
    wallet = wallet_get_for_user(user=purchase.user)
    try:
        credits_purchase(
            wallet=wallet,
            amount_micros=purchase.amount_micros,
            payment_reference=purchase.payment_reference,
            source="sandbox" if purchase.gateway == Gateway.SANDBOX else "stripe",
            key=key,
        )
    except WalletClosed as exc:
        # Retrying cannot help (a closed wallet never reopens): alert a human to refund the payment.
        raise FulfilmentRejectedError(
            f"Purchase {purchase.public_id} was paid but the wallet is closed: refund it in Stripe."
        ) from exc
    purchase.status = PurchaseStatus.PAID
    purchase.paid_at = now
    purchase.updated_at = now
    purchase.failure_reason = ""
    purchase.save(
        update_fields=[
            "status",
            "paid_at",
            "updated_at",
            "failure_reason",
            "checkout_session_id",
            "payment_intent_id",
        ]
    )
    # Refund or dispute events that arrived before the payment was fulfilled apply now (quality.md S-04).
    charge_state_apply_for_purchase(purchase=purchase, state=state)
    purchase_pk = purchase.pk
    transaction.on_commit(lambda: send_payment_email.delay("receipt", purchase.user_id, purchase_pk))
    payments_after_balance_change(
        user=purchase.user, allow_auto_topup=purchase.kind != PurchaseKind.AUTO_TOPUP
    )


def purchase_mark_closed(*, session_id: str, status: PurchaseStatus, reason: str = "") -> int:
    """A session that will never be paid: async payment failed, or the session expired. A paid purchase
    is never downgraded."""
    return (
        Purchase.objects.filter(checkout_session_id=session_id)
        .exclude(status=PurchaseStatus.PAID)
        .update(status=status, failure_reason=reason[:500], updated_at=timezone.now())
    )


CANCELLED_REASON = "cancelled by the user"


def purchase_cancel(*, purchase: Purchase) -> int:
    """The user gave up a checkout they had started: closed as expired (never a paid one). A Stripe
    payment that still completes on the old page is credited all the same by the webhook (fulfilment
    never refuses a paid session), so cancelling can lose no money."""
    if not purchase.checkout_session_id:
        return 0
    return purchase_mark_closed(
        session_id=purchase.checkout_session_id, status=PurchaseStatus.EXPIRED, reason=CANCELLED_REASON
    )


def checkout_sync(*, purchase: Purchase) -> Purchase:
    """Ask the gateway about a purchase's session and act on the answer (the success page and the sweep).
    The gateway is called with no transaction open."""
    if purchase.status == PurchaseStatus.PAID or not purchase.checkout_session_id:
        return purchase
    outcome = gateway_for(purchase).retrieve_checkout(session_id=purchase.checkout_session_id)
    if outcome.session_id != purchase.checkout_session_id:
        return purchase
    if outcome.payment_status == "paid":
        return checkout_fulfil(outcome=outcome) or purchase
    if outcome.status == "expired":
        purchase_mark_closed(session_id=outcome.session_id, status=PurchaseStatus.EXPIRED, reason="expired")
    purchase.refresh_from_db()
    return purchase


def payment_intent_fulfil(*, purchase_public_id: str, payment_intent_id: str, amount_cents: object) -> None:
    """An auto top-up's PaymentIntent succeeded (webhook for a `processing` charge)."""
    with transaction.atomic():
        purchase = (
            Purchase.objects.select_for_update()
            .filter(public_id=purchase_public_id, kind=PurchaseKind.AUTO_TOPUP)
            .first()
        )
        if purchase is None or purchase.status == PurchaseStatus.PAID:
            return
        if purchase.payment_intent_id not in (None, payment_intent_id):
            raise FulfilmentRejectedError(
                f"PaymentIntent {payment_intent_id} does not belong to {purchase_public_id}."
            )
        # type(), not isinstance(): a JSON `true` is a bool, and bool is an int to isinstance.
        if type(amount_cents) is not int or cents_to_micros(amount_cents) != purchase.amount_micros:
            raise FulfilmentRejectedError(
                f"PaymentIntent {payment_intent_id} amount does not match the purchase."
            )
        purchase_credit(
            purchase=purchase, payment_intent_id=payment_intent_id, key=f"payment_intent:{payment_intent_id}"
        )
