"""Users, their devices (login sessions), API keys and the authorized browser origins."""

from __future__ import annotations

import uuid
from typing import Any, ClassVar

import pgtrigger
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def _create(self, email: str, password: str | None, **extra: Any) -> User:
        if not email:
            raise ValueError("An e-mail address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra: Any) -> User:
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra: Any) -> User:
        extra.update(is_staff=True, is_superuser=True)
        extra.setdefault("email_verified_at", timezone.now())
        return self._create(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    """A platform account; the e-mail address is the login. `public_id` is the customer id ComfyUI sees."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    email = models.EmailField(max_length=254, unique=True)
    name = models.CharField(max_length=150, blank=True)
    email_verified_at = models.DateTimeField(null=True, blank=True)
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(default=False)
    date_joined = models.DateTimeField(default=timezone.now)
    # Set by the first `POST /customers` (comfy-contract.md §8.1 #1): 201 then, 200 on every later call.
    customer_created_at = models.DateTimeField(null=True, blank=True)

    objects: ClassVar[UserManager] = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    class Meta:
        constraints = [models.UniqueConstraint(Lower("email"), name="user_email_ci_unique")]

    def __str__(self) -> str:
        return self.email

    @property
    def is_verified(self) -> bool:
        return self.email_verified_at is not None

    def display_name(self) -> str:
        return self.name or self.email.split("@", 1)[0]


class Device(models.Model):
    """One signed-in browser (a Django session). Revoking it ends the session and its bearer tokens."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="devices")
    session_key = models.CharField(max_length=40, unique=True)
    user_agent = models.CharField(max_length=512, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    last_seen_at = models.DateTimeField(default=timezone.now)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["user", "-last_seen_at"], name="device_user_seen_idx")]

    def __str__(self) -> str:
        return f"{self.user_id}:{self.user_agent[:40]}"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class ApiKey(models.Model):
    """`comfyui-` + 64 characters. Only a SHA-256 digest and a short lookup prefix are stored."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_keys")
    name = models.CharField(max_length=100)
    description = models.CharField(max_length=500, blank=True)
    # The first characters after "comfyui-": not secret, used to find the row before the digest compare.
    prefix = models.CharField(max_length=16, db_index=True)
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    # At most this much (micro-USD) may be held or charged through this key; None = the wallet is the limit.
    # Enforced at reservation time (accounts.services.keys.key_spend_allowance).
    spend_limit_micros = models.BigIntegerField(null=True, blank=True)

    class Meta:
        verbose_name = "API key"
        verbose_name_plural = "API keys"
        indexes = [models.Index(fields=["user", "-created_at"], name="apikey_user_created_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(spend_limit_micros__isnull=True) | Q(spend_limit_micros__gte=0),
                name="apikey_spend_limit_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} (comfyui-{self.prefix}…)"

    @property
    def spend_limit_usd(self) -> str:
        from billing.money import format_usd

        return format_usd(self.spend_limit_micros) if self.spend_limit_micros is not None else ""

    def is_live(self, *, now: Any = None) -> bool:
        now = now or timezone.now()
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > now)


class AuthorizedOrigin(models.Model):
    """An https origin (scheme://host[:port]) whose pages may use platform session tokens (design.md)."""

    origin = models.CharField(max_length=255, unique=True)
    note = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    def __str__(self) -> str:
        return self.origin


class AuditEvent(models.Model):
    """One row per security- or money-relevant action, by a user, staff or the system (zulip's audit log).

    Rows are never deleted (a PostgreSQL trigger refuses it) and hold no e-mail address or secret: people
    are referenced by id, so pseudonymising a deleted account leaves the trail intact and anonymous. The
    only update ever made is the deletion pipeline's redaction of `ip_address`.
    """

    actor = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="audit_events_as_actor"
    )  # null: the system (a task, a webhook, a pipeline step)
    subject = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="audit_events"
    )  # whose account the action concerns
    action = models.CharField(max_length=64)  # dotted: "deletion.step.revoke_keys", "grant.approve", …
    reason = models.CharField(max_length=500, blank=True)
    target = models.CharField(max_length=120, blank=True)  # "api_key:<public id>", "usage:<public id>", …
    old: models.JSONField[dict[str, Any], dict[str, Any]] = models.JSONField(default=dict, blank=True)
    new: models.JSONField[dict[str, Any], dict[str, Any]] = models.JSONField(default=dict, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        indexes = [
            models.Index(fields=["subject", "-created_at"], name="audit_subject_time_idx"),
            models.Index(fields=["action", "-created_at"], name="audit_action_time_idx"),
        ]
        triggers = [
            pgtrigger.Protect(name="audit_event_no_delete", operation=pgtrigger.Delete),
        ]

    def __str__(self) -> str:
        return f"{self.action}:{self.subject_id}"


class LoginFailures(models.Model):
    """Failed sign-ins to one address from any client in the current hour: the account-wide slow-down of
    accounts.services.login_throttle. Keyed by a hash of the normalised address (known or not, so the
    slow-down says nothing about whether an account exists), never the address itself."""

    email_digest = models.CharField(max_length=64, unique=True)
    count = models.PositiveIntegerField(default=0)
    last_at = models.DateTimeField()

    class Meta:
        verbose_name = "sign-in failures"
        verbose_name_plural = "sign-in failures"

    def __str__(self) -> str:
        return f"{self.email_digest[:12]}…: {self.count}"
