"""Data exports and deletion requests.

Neither table holds the user's e-mail address or name: a deletion request outlives the account it erased
(pseudonymised, through the user id), and an export's archive is deleted with the account.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class ExportStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Being built"
    READY = "ready", "Ready"
    FAILED = "failed", "Failed"
    EXPIRED = "expired", "Expired"


class DataExport(models.Model):
    """One "Export my data" archive: built by a background job, downloadable by its owner for 24 hours."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="data_exports")
    status = models.CharField(max_length=8, choices=ExportStatus.choices, default=ExportStatus.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0)  # percent
    stage = models.CharField(max_length=64, blank=True)  # what the job is doing now, for the page
    file_path = models.CharField(max_length=300, blank=True)  # in default_storage, under exports/
    size_bytes = models.BigIntegerField(default=0)
    error = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=[s.value for s in ExportStatus]), name="export_status_valid"
            ),
            models.CheckConstraint(condition=Q(progress__lte=100), name="export_progress_percent"),
            models.CheckConstraint(
                condition=~Q(status=ExportStatus.READY) | (Q(expires_at__isnull=False) & ~Q(file_path="")),
                name="export_ready_has_file",
            ),
        ]
        indexes = [models.Index(fields=["user", "-created_at"], name="export_user_time_idx")]

    def __str__(self) -> str:
        return f"export:{self.public_id}:{self.status}"

    def is_downloadable(self, *, now: datetime | None = None) -> bool:
        now = now or timezone.now()
        return self.status == ExportStatus.READY and self.expires_at is not None and self.expires_at > now


class DeletionStatus(models.TextChoices):
    SCHEDULED = "scheduled", "Scheduled (grace period)"
    RUNNING = "running", "Running"
    ON_HOLD = "on_hold", "On hold"
    CANCELLED = "cancelled", "Cancelled"
    COMPLETED = "completed", "Completed"


OPEN_DELETION = (DeletionStatus.SCHEDULED, DeletionStatus.RUNNING, DeletionStatus.ON_HOLD)


class DeletionSource(models.TextChoices):
    USER = "user", "The user (Settings → Privacy)"
    OPERATOR = "operator", "An operator (in /admin/, or a request received by e-mail)"


class DeletionRequest(models.Model):
    """A request to erase an account, and how far its pipeline got.

    `step` is the last pipeline step that completed (privacy.services.pipeline.STEPS): the pipeline resumes
    after it, so a crash at any point repeats at most one idempotent step. A legal hold stops the pipeline
    before its next step; releasing it lets the request continue where it stood.
    """

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="deletion_requests"
    )
    source = models.CharField(max_length=8, choices=DeletionSource.choices, default=DeletionSource.USER)
    status = models.CharField(max_length=10, choices=DeletionStatus.choices, default=DeletionStatus.SCHEDULED)
    step = models.CharField(max_length=32, blank=True)  # "" = nothing done yet
    requested_at = models.DateTimeField(default=timezone.now)
    due_at = models.DateTimeField()  # the end of the grace period
    started_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    # Until when the pipeline waits for in-flight calls to settle their holds before releasing them.
    holds_wait_until = models.DateTimeField(null=True, blank=True)
    # A run in progress owns the request until then (two workers never run one request at once).
    lease_until = models.DateTimeField(null=True, blank=True)
    hold_reason = models.CharField(max_length=500, blank=True)
    held_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="deletion_holds_placed",
    )
    held_at = models.DateTimeField(null=True, blank=True)
    held_from = models.CharField(max_length=10, choices=DeletionStatus.choices, blank=True)
    forfeited_micros = models.BigIntegerField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.CharField(max_length=500, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=[s.value for s in DeletionStatus]), name="deletion_status_valid"
            ),
            # One open request per account: a second "Delete my account" finds the first.
            models.UniqueConstraint(
                fields=["user"],
                condition=Q(status__in=[s.value for s in OPEN_DELETION]),
                name="deletion_one_open_per_user",
            ),
            models.CheckConstraint(
                condition=~Q(status=DeletionStatus.ON_HOLD) | ~Q(hold_reason=""),
                name="deletion_hold_has_reason",
            ),
        ]
        indexes = [models.Index(fields=["status", "due_at"], name="deletion_status_due_idx")]

    def __str__(self) -> str:
        return f"deletion:{self.public_id}:{self.status}:{self.step or '-'}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_DELETION
