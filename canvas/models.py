"""Hosted ComfyUI sessions: who owns one, where its backend runs, and how it ended.

Routing lives here, in the database (design.md "Growing past one machine"): the proxy finds a session's
backend only from these rows, never from anything the client sends, so any web process can proxy any
session.
"""

from __future__ import annotations

import uuid

from django.db import models
from django.db.models import Q
from django.utils import timezone

from accounts.models import ApiKey, User


class SessionStatus(models.TextChoices):
    QUEUED = "queued", "Queued"  # waiting for a free backend
    STARTING = "starting", "Starting"  # a backend is assigned and booting
    READY = "ready", "Ready"  # the proxy forwards to it
    ENDED = "ended", "Ended"
    FAILED = "failed", "Failed"  # never became ready, or died


LIVE_STATUSES = (SessionStatus.QUEUED, SessionStatus.STARTING, SessionStatus.READY)
RUNNING_STATUSES = (SessionStatus.STARTING, SessionStatus.READY)


class EndReason(models.TextChoices):
    USER = "user", "Ended by the user"
    IDLE = "idle", "Idle timeout"
    MAX_TIME = "max_time", "Maximum session time"
    FUNDS = "funds", "The wallet could not pay the next minute"
    BACKEND_LOST = "backend_lost", "The backend stopped"
    START_TIMEOUT = "start_timeout", "The backend never became ready"
    START_FAILED = "start_failed", "The backend could not be started"
    OPERATOR = "operator", "Ended by an operator"
    ACCOUNT = "account", "The account was closed"


class CanvasBackend(models.Model):
    """An operator-registered ComfyUI server for the `pool` spawner: one session at a time."""

    label = models.CharField(max_length=100, unique=True)
    url = models.URLField(
        max_length=300, help_text="Base URL of the ComfyUI server, e.g. http://10.0.0.5:8188"
    )
    price_per_minute_micros = models.BigIntegerField(default=0, help_text="Micro-USD per minute; 0 = free.")
    enabled = models.BooleanField(default=True)
    healthy = models.BooleanField(default=True)
    last_checked_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(price_per_minute_micros__gte=0), name="canvas_backend_price_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return self.label


class CanvasSession(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="canvas_sessions")
    status = models.CharField(max_length=8, choices=SessionStatus.choices, default=SessionStatus.QUEUED)
    spawner = models.CharField(max_length=16)  # "local" | "pool"
    # local: the capacity slot (0…CANVAS_LOCAL_MAX_SESSIONS-1) held while running, unique among live rows.
    slot = models.PositiveIntegerField(null=True, blank=True)
    backend = models.ForeignKey(
        CanvasBackend, null=True, blank=True, on_delete=models.PROTECT, related_name="sessions"
    )
    # Where the proxy forwards: set by the spawner, never by the client.
    backend_url = models.CharField(max_length=300, blank=True)
    port = models.PositiveIntegerField(null=True, blank=True)
    pid = models.PositiveIntegerField(null=True, blank=True)
    price_per_minute_micros = models.BigIntegerField(default=0)
    # The session-scoped API key injected into /api/prompt; its plaintext is derived, never stored.
    api_key = models.OneToOneField(
        ApiKey, null=True, blank=True, on_delete=models.SET_NULL, related_name="canvas_session"
    )
    key_salt = models.CharField(max_length=64, blank=True)
    # The one-time ticket that moves the browser to the canvas origin (SHA-256 digest, short-lived).
    ticket_digest = models.CharField(max_length=64, blank=True)
    ticket_expires_at = models.DateTimeField(null=True, blank=True)
    # Hosted time (canvas.billing): the open hold for the minute being used, and what was captured so far.
    hold = models.OneToOneField(
        "billing.Hold", null=True, blank=True, on_delete=models.PROTECT, related_name="canvas_session"
    )
    billed_minutes = models.PositiveIntegerField(default=0)
    charged_micros = models.BigIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    ready_at = models.DateTimeField(null=True, blank=True)
    last_activity_at = models.DateTimeField(default=timezone.now)
    ended_at = models.DateTimeField(null=True, blank=True)
    end_reason = models.CharField(max_length=16, choices=EndReason.choices, blank=True)
    end_detail = models.CharField(max_length=500, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=[s.value for s in SessionStatus]), name="canvas_session_status_valid"
            ),
            # One server per user (JupyterHub's default), enforced by the database, not check-then-insert.
            models.UniqueConstraint(
                fields=["user"],
                condition=Q(status__in=["queued", "starting", "ready"]),
                name="canvas_one_live_session_per_user",
            ),
            models.UniqueConstraint(
                fields=["slot"],
                condition=Q(status__in=["starting", "ready"], slot__isnull=False),
                name="canvas_local_slot_taken_once",
            ),
            models.UniqueConstraint(
                fields=["backend"],
                condition=Q(status__in=["starting", "ready"], backend__isnull=False),
                name="canvas_backend_one_session",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["ended", "failed"], ended_at__isnull=False)
                | (Q(status__in=["queued", "starting", "ready"]) & Q(ended_at__isnull=True)),
                name="canvas_ended_iff_over",
            ),
        ]
        indexes = [
            models.Index(fields=["user", "-created_at"], name="canvas_user_created_idx"),
            models.Index(fields=["status", "created_at"], name="canvas_status_created_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.public_id} ({self.status})"

    @property
    def is_live(self) -> bool:
        return self.status in LIVE_STATUSES
