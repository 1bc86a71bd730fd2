"""Purchases of credits (Stripe Checkout or the sandbox gateway), the Stripe webhook log, what refunds and
disputes did to each charge, and the user's auto top-up and low-balance settings.

Money is integer micro-USD (`*_micros`). Every external id that must take effect once is UNIQUE here:
the Stripe event id, the Checkout Session id, the PaymentIntent id (quality.md L5, P2).
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone


class StripeCustomer(models.Model):
    """The Stripe customer of a user, created once and reused for every checkout and the billing portal."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="stripe_customer"
    )
    stripe_customer_id = models.CharField(max_length=255, unique=True)
    livemode = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "Stripe customer"

    def __str__(self) -> str:
        return self.stripe_customer_id


class PurchaseStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    PAID = "paid", "Paid"
    FAILED = "failed", "Failed"
    EXPIRED = "expired", "Expired"


class PurchaseKind(models.TextChoices):
    CHECKOUT = "checkout", "Checkout"
    AUTO_TOPUP = "auto_topup", "Auto top-up"


class Gateway(models.TextChoices):
    STRIPE = "stripe", "Stripe"
    SANDBOX = "sandbox", "Sandbox (test mode)"


class Purchase(models.Model):
    """One attempt to buy credits. The amount is set here, by the server, before Stripe is called; the
    fulfilment cross-checks Stripe's `amount_total` against it and credits exactly this amount."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="purchases")
    kind = models.CharField(max_length=16, choices=PurchaseKind.choices, default=PurchaseKind.CHECKOUT)
    gateway = models.CharField(max_length=8, choices=Gateway.choices)
    amount_micros = models.BigIntegerField()
    status = models.CharField(max_length=8, choices=PurchaseStatus.choices, default=PurchaseStatus.PENDING)
    checkout_session_id = models.CharField(max_length=255, unique=True, null=True, blank=True)
    checkout_url = models.URLField(max_length=2000, blank=True)
    payment_intent_id = models.CharField(max_length=255, unique=True, null=True, blank=True)
    failure_reason = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    paid_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(amount_micros__gt=0), name="purchase_amount_positive"),
            models.CheckConstraint(
                condition=Q(status__in=[s.value for s in PurchaseStatus]), name="purchase_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(status=PurchaseStatus.PAID, paid_at__isnull=False)
                | (~Q(status=PurchaseStatus.PAID) & Q(paid_at__isnull=True)),
                name="purchase_paid_has_time",
            ),
            # At most one auto top-up in flight per user: a second trigger cannot charge the card twice.
            models.UniqueConstraint(
                fields=["user"],
                condition=Q(kind=PurchaseKind.AUTO_TOPUP, status=PurchaseStatus.PENDING),
                name="purchase_one_pending_auto_topup",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "created_at"], name="purchase_status_created_idx"),
            models.Index(fields=["user", "-created_at"], name="purchase_user_created_idx"),
        ]

    def __str__(self) -> str:
        return f"purchase:{self.public_id}:{self.status}"

    @property
    def payment_reference(self) -> str:
        """What the ledger records as the payment: the Checkout Session, else the PaymentIntent."""
        return self.checkout_session_id or self.payment_intent_id or f"purchase:{self.public_id}"


class StripeEventStatus(models.TextChoices):
    PROCESSED = "processed", "Processed"
    IGNORED = "ignored", "Ignored"
    FAILED = "failed", "Failed (retryable)"


class StripeEvent(models.Model):
    """Every signed webhook delivery we accepted. The row is inserted in the same transaction as its
    effect, so a duplicate delivery hits the unique id and a failed effect leaves no processed row."""

    event_id = models.CharField(max_length=255, unique=True)
    type = models.CharField(max_length=100)
    livemode = models.BooleanField(default=False)
    payload = models.JSONField()
    status = models.CharField(max_length=12, choices=StripeEventStatus.choices)
    error = models.TextField(blank=True)
    attempts = models.PositiveIntegerField(default=1)
    received_at = models.DateTimeField(default=timezone.now)
    processed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "Stripe event"
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=[s.value for s in StripeEventStatus]), name="stripe_event_status_valid"
            ),
        ]
        indexes = [models.Index(fields=["status", "received_at"], name="stripe_event_status_idx")]

    def __str__(self) -> str:
        return f"{self.event_id}:{self.type}:{self.status}"


class DisputeStatus(models.TextChoices):
    NONE = "none", "No dispute"
    OPEN = "open", "Open"
    WON = "won", "Won"
    LOST = "lost", "Lost"


class ChargeState(models.Model):
    """What Stripe told us about one payment (keyed by PaymentIntent), whatever order it arrived in.

    Refund and dispute events may arrive before the purchase is fulfilled; they are recorded here and
    applied when the purchase is paid, so every delivery order ends in the same ledger (quality.md S-04).
    `amount_refunded` is cumulative on Stripe's side: we keep the highest value seen and how much has been
    clawed back, and apply only the difference.
    """

    payment_intent_id = models.CharField(max_length=255, unique=True)
    charge_id = models.CharField(max_length=255, blank=True)
    refunded_micros_seen = models.BigIntegerField(default=0)
    dispute_id = models.CharField(max_length=255, blank=True)
    dispute_status = models.CharField(max_length=8, choices=DisputeStatus.choices, default=DisputeStatus.NONE)
    wallet_frozen = models.BooleanField(default=False)
    clawed_back_micros = models.BigIntegerField(default=0)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(refunded_micros_seen__gte=0, clawed_back_micros__gte=0),
                name="charge_state_amounts_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(dispute_status__in=[s.value for s in DisputeStatus]),
                name="charge_state_dispute_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.payment_intent_id}:refunded={self.refunded_micros_seen}:{self.dispute_status}"


class AutoTopUp(models.Model):
    """Opt-in: when available credits fall below the threshold, charge the saved card off-session."""

    MAX_FAILURES = 3

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="auto_topup")
    enabled = models.BooleanField(default=False)
    threshold_micros = models.BigIntegerField()
    amount_micros = models.BigIntegerField()
    monthly_cap_micros = models.BigIntegerField()
    consecutive_failures = models.PositiveSmallIntegerField(default=0)
    disabled_reason = models.CharField(max_length=500, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "auto top-up"
        constraints = [
            models.CheckConstraint(
                condition=Q(
                    threshold_micros__gte=0, amount_micros__gt=0, monthly_cap_micros__gte=F("amount_micros")
                ),
                name="auto_topup_amounts_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"auto_topup:{self.user_id}:{'on' if self.enabled else 'off'}"


class LowBalanceAlert(models.Model):
    """E-mail once when available credits cross below the threshold; re-armed when they rise above it."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="low_balance_alert"
    )
    enabled = models.BooleanField(default=False)
    threshold_micros = models.BigIntegerField()
    armed = models.BooleanField(default=True)
    last_sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(threshold_micros__gt=0), name="low_balance_threshold_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"low_balance:{self.user_id}:{self.threshold_micros}"
