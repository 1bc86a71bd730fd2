"""API nodes: prices as data, usage records, vendor jobs and idempotency records of the /proxy engine."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class PriceVersion(models.Model):
    """A complete price table. The version in effect at admission prices a call; its usage row keeps it.

    Versions are append-only in spirit: to change prices, add a version with a later `effective_from`
    (the admin can copy one), so a usage row always points at the prices it was quoted with.
    """

    label = models.CharField(max_length=100)
    effective_from = models.DateTimeField(default=timezone.now, db_index=True)
    note = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-effective_from", "-id"]

    def __str__(self) -> str:
        return f"{self.label} (from {self.effective_from:%Y-%m-%d %H:%M})"


class Price(models.Model):
    """The vendor's list price of one unit of one model/option, in micro-USD, before the operator markup."""

    version = models.ForeignKey(PriceVersion, on_delete=models.PROTECT, related_name="prices")
    vendor = models.CharField(max_length=32)
    key = models.CharField(max_length=160)
    unit = models.CharField(max_length=32)
    unit_micros = models.BigIntegerField()
    # A price is never silently $0 (quality.md L9): zero only when explicitly flagged free.
    free = models.BooleanField(default=False)
    source = models.CharField(max_length=300)

    class Meta:
        ordering = ["vendor", "key"]
        constraints = [
            models.UniqueConstraint(
                fields=["version", "vendor", "key"], name="price_version_vendor_key_unique"
            ),
            models.CheckConstraint(
                condition=Q(unit_micros__gt=0) | Q(free=True, unit_micros=0), name="price_amount_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.vendor}:{self.key} = {self.unit_micros} µ$/{self.unit}"


class PricingSettings(models.Model):
    """The operator's markup over vendor list prices (one row, pk=1), in basis points (10000 = +100 %)."""

    markup_bps = models.IntegerField(default=0)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name_plural = "pricing settings"
        constraints = [
            models.CheckConstraint(
                condition=Q(markup_bps__gte=0, markup_bps__lte=100_000), name="pricing_markup_range"
            ),
        ]

    def __str__(self) -> str:
        return f"markup {self.markup_bps / 100:.2f} %"


class UsageStatus(models.TextChoices):
    PENDING = "pending", "Pending"  # admitted, waiting for the vendor's answer
    SUBMITTED = "submitted", "Running"  # the vendor accepted a job; the hold waits for its outcome
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"
    MODERATED = "moderated", "Moderated"
    REJECTED = "rejected", "Rejected by vendor"  # vendor 4xx: nothing generated
    UPSTREAM_ERROR = "upstream_error", "Upstream error"  # vendor 5xx / unreachable before acceptance
    UNKNOWN = "unknown", "Outcome unknown"  # sent, no answer: released, the vendor may bill us
    EXPIRED = "expired", "Expired"  # no terminal status before the hold's TTL: released, absorbed


TERMINAL_USAGE = frozenset(
    {
        UsageStatus.SUCCEEDED,
        UsageStatus.FAILED,
        UsageStatus.MODERATED,
        UsageStatus.REJECTED,
        UsageStatus.UPSTREAM_ERROR,
        UsageStatus.UNKNOWN,
        UsageStatus.EXPIRED,
    }
)


class UsageRecord(models.Model):
    """One metered /proxy call: who, which vendor/route/model, what was quoted, held and charged."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="usage_records")
    api_key = models.ForeignKey(
        "accounts.ApiKey", null=True, blank=True, on_delete=models.SET_NULL, related_name="usage_records"
    )
    api_key_prefix = models.CharField(max_length=16, blank=True)
    credential = models.CharField(max_length=16)
    vendor = models.CharField(max_length=32)
    route = models.CharField(max_length=160)
    model = models.CharField(max_length=120, blank=True)
    comfy_job_id = models.CharField(max_length=128, blank=True)
    usage_source = models.CharField(max_length=128, blank=True)
    core_version = models.CharField(max_length=128, blank=True)
    comfy_env = models.CharField(max_length=128, blank=True)
    # Every metered call reserves first (quality.md L9): both are NOT NULL by construction.
    hold = models.OneToOneField("billing.Hold", on_delete=models.PROTECT, related_name="usage_record")
    price_version = models.ForeignKey(PriceVersion, on_delete=models.PROTECT, related_name="usage_records")
    quoted_micros = models.BigIntegerField()
    markup_bps = models.IntegerField(default=0)  # the markup the quote used; the capture uses it too
    # The quote's line items, [{"key": price row key, "quantity": n}, …]: what the support console's "explain
    # this charge" shows against the price version (rows from before it was kept hold []).
    line_items = models.JSONField(default=list, blank=True)
    charged_micros = models.BigIntegerField(default=0)
    # What the vendor said it cost us (list price, before markup), when it says so.
    vendor_cost_micros = models.BigIntegerField(null=True, blank=True)
    status = models.CharField(max_length=16, choices=UsageStatus.choices, default=UsageStatus.PENDING)
    # The vendor may have done (and billed) the work although the user was not charged: reconcile later.
    upstream_may_bill = models.BooleanField(default=False)
    upstream_status = models.IntegerField(null=True, blank=True)
    message = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    completed_at = models.DateTimeField(null=True, blank=True)
    upstream_ms = models.IntegerField(null=True, blank=True)
    total_ms = models.IntegerField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(quoted_micros__gt=0), name="usage_quote_positive"),
            models.CheckConstraint(
                condition=Q(charged_micros__gte=0, charged_micros__lte=models.F("quoted_micros")),
                name="usage_charge_within_quote",
            ),
            models.CheckConstraint(
                condition=Q(status__in=[s.value for s in UsageStatus]), name="usage_status_valid"
            ),
        ]
        indexes = [
            # Keyset pagination of the usage page: (user, created_at, id) descending.
            models.Index(fields=["user", "-created_at", "-id"], name="usage_user_time_idx"),
            models.Index(fields=["comfy_job_id"], name="usage_comfy_job_idx"),
            # One per single filter, in the page's order, so a rare vendor, status or key reads its own rows
            # at any depth instead of walking the user's whole history (bench BM9).
            models.Index(fields=["user", "vendor", "-created_at", "-id"], name="usage_user_vendor_idx"),
            models.Index(fields=["user", "status", "-created_at", "-id"], name="usage_user_status_idx"),
            models.Index(fields=["user", "api_key", "-created_at", "-id"], name="usage_user_key_idx"),
            # The daily-spend chart: an index-only scan over the charged rows of the last 30 days.
            models.Index(
                fields=["user", "created_at"],
                include=["vendor", "charged_micros"],
                condition=Q(charged_micros__gt=0),
                name="usage_user_spend_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.vendor}:{self.route}:{self.status}"


class JobState(models.TextChoices):
    OPEN = "open", "Open"
    SETTLED = "settled", "Settled"


class ProxyJob(models.Model):
    """Ties a vendor job id to the usage row (and so to its hold) until a poll or the sweeper settles it."""

    usage = models.OneToOneField(UsageRecord, on_delete=models.PROTECT, related_name="job")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="proxy_jobs")
    vendor = models.CharField(max_length=32)
    route = models.CharField(max_length=160)  # the submit route's proxy template
    submit_path = models.CharField(max_length=300)  # the submit path as called (Kling polls below it)
    vendor_job_id = models.CharField(max_length=600)
    # Extra facts a poll needs (e.g. Veo's model); validated values only.
    context: models.JSONField[dict[str, str], dict[str, str]] = models.JSONField(default=dict, blank=True)
    result_ref = models.CharField(max_length=200, blank=True)  # e.g. MiniMax file_id, for files/retrieve
    poll_token = models.CharField(max_length=64, unique=True, null=True, blank=True)
    state = models.CharField(max_length=8, choices=JobState.choices, default=JobState.OPEN)
    last_status = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    last_polled_at = models.DateTimeField(null=True, blank=True)
    settled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["vendor", "vendor_job_id"], name="proxyjob_vendor_job_unique"),
        ]
        indexes = [
            models.Index(fields=["state", "last_polled_at"], name="proxyjob_sweep_idx"),
            models.Index(fields=["user", "vendor", "result_ref"], name="proxyjob_result_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.vendor}:{self.vendor_job_id[:24]}:{self.state}"


class IdempotencyRecord(models.Model):
    """An `Idempotency-Key` seen on /proxy (comfy-contract §3.5): in flight, then the stored reply."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    request_hash = models.CharField(max_length=64)
    done = models.BooleanField(default=False)
    response_status = models.IntegerField(null=True, blank=True)
    response_content_type = models.CharField(max_length=200, blank=True)
    response_body = models.BinaryField(null=True, blank=True)
    credits_used = models.CharField(max_length=32, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="idempotency_user_key_unique")]
        indexes = [models.Index(fields=["created_at"], name="idempotency_created_idx")]

    def __str__(self) -> str:
        return f"{self.user_id}:{self.key[:16]}"


class UnsettledCall(models.Model):
    """A vendor call whose settle found no usage row or hold to resolve (e.g. lost in a database crash).

    The vendor's reply still reaches the client (comfy-contract §3.2); this row is what an operator
    reconciles against the vendor's invoice: nothing was charged to the user, the vendor may bill us.
    """

    usage_public_id = models.UUIDField(db_index=True)
    user_id = models.BigIntegerField()  # no foreign key: the row must survive whatever was lost
    vendor = models.CharField(max_length=32)
    route = models.CharField(max_length=160)
    vendor_job_id = models.CharField(max_length=600, blank=True)
    upstream_status = models.IntegerField(null=True, blank=True)
    outcome = models.CharField(max_length=16)  # the status the settle wanted to record
    charge_micros = models.BigIntegerField(default=0)  # what it would have captured
    reason = models.CharField(max_length=300)
    created_at = models.DateTimeField(default=timezone.now)
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["resolved_at", "created_at"], name="unsettled_open_idx")]

    def __str__(self) -> str:
        return f"{self.vendor}:{self.usage_public_id}:{self.outcome}"
