"""Deletion requests: ask (with a grace period), cancel, and the staff's legal hold and its release.

The pipeline that erases the account is privacy.services.pipeline; these functions only move a request
between states, each with its audit row in the same transaction.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.core import signing
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from accounts.emails import base_url, send_templated
from accounts.models import User
from accounts.services.audit import audit_record
from billing.money import format_credits, format_usd
from billing.selectors import wallet_balance, wallet_get_for_user
from privacy.models import DeletionRequest, DeletionSource, DeletionStatus
from privacy.selectors import deletion_request_open_for_user, open_disputes_count

CANCEL_SALT = "privacy.deletion-cancel"
DISPUTE_REFUSAL = (
    "Your account can't be deleted while a payment dispute is open. Once your bank or card issuer has "
    "closed the dispute, you can ask again; write to support if you need help."
)


class DeletionError(Exception):
    """A deletion action that is not possible now; the message is shown to the person who asked."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _target(request: DeletionRequest) -> str:
    return f"deletion:{request.public_id}"


def deletion_request_create(
    *,
    user: User,
    source: str = DeletionSource.USER,
    actor: User | None = None,
    now: datetime | None = None,
    ip_address: str | None = None,
) -> DeletionRequest:
    """Schedule the account's deletion after the grace period and e-mail the cancel link.

    Refused while a payment dispute is open. Asking again while a request is open returns that request.
    """
    if open_disputes_count(user=user):
        raise DeletionError(DISPUTE_REFUSAL)
    existing = deletion_request_open_for_user(user=user)
    if existing is not None:
        return existing
    now = now or timezone.now()
    request = DeletionRequest(
        user=user,
        source=source,
        requested_at=now,
        due_at=now + timedelta(hours=settings.DELETION_GRACE_HOURS),
    )
    try:
        with transaction.atomic():
            request.save(force_insert=True)
            audit_record(
                action="deletion.requested",
                actor=actor if actor is not None else (user if source == DeletionSource.USER else None),
                subject=user,
                target=_target(request),
                new={"due_at": request.due_at.isoformat(), "source": source},
                ip_address=ip_address,
            )
            _confirmation_email_on_commit(user=user, request=request)
    except IntegrityError:
        # A concurrent request for the same account won (one open request per user).
        found = deletion_request_open_for_user(user=user)
        if found is None:
            raise
        return found
    return request


def cancel_token_make(request: DeletionRequest) -> str:
    return signing.dumps(str(request.public_id), salt=CANCEL_SALT)


def cancel_token_read(token: str) -> str | None:
    """The request id a cancel link was signed for, or None (tampered, or older than the grace + a day)."""
    max_age = (settings.DELETION_GRACE_HOURS + 24) * 3600
    try:
        value = signing.loads(token, salt=CANCEL_SALT, max_age=max_age)
    except signing.BadSignature:
        return None
    return value if isinstance(value, str) else None


def _confirmation_email_on_commit(*, user: User, request: DeletionRequest) -> None:
    balance = wallet_balance(wallet=wallet_get_for_user(user=user))
    context = {
        "due_at": request.due_at,
        "grace_hours": settings.DELETION_GRACE_HOURS,
        "cancel_link": base_url() + reverse("privacy:cancel_link", args=[cancel_token_make(request)]),
        "balance_credits": format_credits(balance.balance_micros),
        "balance_usd": format_usd(balance.balance_micros),
    }
    address = user.email
    transaction.on_commit(
        lambda: send_templated(to=address, template="privacy/deletion_scheduled", context=context)
    )


def deletion_cancel(*, request: DeletionRequest, actor: User | None, via: str) -> DeletionRequest:
    """Cancel before the pipeline started (during the grace period, or on a hold that began there)."""
    with transaction.atomic():
        locked = DeletionRequest.objects.select_for_update().get(pk=request.pk)
        if locked.status == DeletionStatus.CANCELLED:
            return locked
        if (
            locked.status == DeletionStatus.COMPLETED
            or locked.step
            or locked.status == DeletionStatus.RUNNING
        ):
            raise DeletionError("This deletion has already started and can no longer be cancelled.")
        locked.status, locked.cancelled_at = DeletionStatus.CANCELLED, timezone.now()
        locked.save(update_fields=["status", "cancelled_at"])
        audit_record(
            action="deletion.cancelled",
            actor=actor,
            subject=locked.user,
            target=_target(locked),
            new={"via": via},
        )
    return locked


def _require_staff(staff: User) -> None:
    if not (staff.is_staff and staff.is_active):
        raise DeletionError("Only active staff can put a deletion on hold or release it.")


def deletion_hold(request: DeletionRequest, reason: str, staff: User) -> DeletionRequest:
    """Put a legal hold on a scheduled or running deletion: the pipeline stops before its next step."""
    _require_staff(staff)
    reason = reason.strip()
    if not reason:
        raise DeletionError("A legal hold needs a reason.")
    with transaction.atomic():
        locked = DeletionRequest.objects.select_for_update().get(pk=request.pk)
        if locked.status == DeletionStatus.ON_HOLD:
            raise DeletionError("This deletion is already on hold.")
        if locked.status not in (DeletionStatus.SCHEDULED, DeletionStatus.RUNNING):
            raise DeletionError(f"A {locked.get_status_display().lower()} deletion cannot be put on hold.")
        locked.held_from, locked.status = locked.status, DeletionStatus.ON_HOLD
        locked.hold_reason, locked.held_by, locked.held_at = reason[:500], staff, timezone.now()
        locked.save(update_fields=["held_from", "status", "hold_reason", "held_by", "held_at"])
        audit_record(
            action="deletion.hold",
            actor=staff,
            subject=locked.user,
            reason=reason,
            target=_target(locked),
            old={"status": locked.held_from, "step": locked.step},
            new={"status": DeletionStatus.ON_HOLD.value},
        )
    return locked


def deletion_release_hold(request: DeletionRequest, staff: User) -> DeletionRequest:
    """Lift a legal hold: the request goes back to where it stood (and runs once it is due)."""
    _require_staff(staff)
    with transaction.atomic():
        locked = DeletionRequest.objects.select_for_update().get(pk=request.pk)
        if locked.status != DeletionStatus.ON_HOLD:
            raise DeletionError("This deletion is not on hold.")
        back = locked.held_from or DeletionStatus.SCHEDULED
        old_reason = locked.hold_reason
        locked.status, locked.held_from, locked.hold_reason = back, "", ""
        locked.held_by, locked.held_at = None, None
        locked.save(update_fields=["status", "held_from", "hold_reason", "held_by", "held_at"])
        audit_record(
            action="deletion.hold_released",
            actor=staff,
            subject=locked.user,
            reason=f"released hold: {old_reason}",
            target=_target(locked),
            old={"status": DeletionStatus.ON_HOLD.value},
            new={"status": back},
        )
    return locked
