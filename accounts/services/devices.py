"""Devices: one row per signed-in browser session.

Revoking a device marks the row and deletes its Django session, so the browser is signed out on its next
request; bearer tokens minted for the device check `revoked_at` (interfaces.md, H1).
"""

from __future__ import annotations

from datetime import timedelta
from importlib import import_module
from uuid import UUID

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone

from accounts.models import Device, User

# last_seen_at is written at most once per this interval per device (coalesced writes).
LAST_SEEN_RESOLUTION = timedelta(seconds=60)
USER_AGENT_MAX = 512


# --- Selectors -------------------------------------------------------------------------------------------


def devices_active_for_user(*, user: User) -> QuerySet[Device]:
    """Signed-in browsers whose session can still be alive (not revoked, seen within the session age)."""
    horizon = timezone.now() - timedelta(seconds=settings.SESSION_COOKIE_AGE)
    return Device.objects.filter(user=user, revoked_at__isnull=True, last_seen_at__gte=horizon).order_by(
        "-last_seen_at"
    )


def device_get_for_user(*, user: User, device_public_id: UUID | str) -> Device:
    """The owner-scoped getter: someone else's (or a malformed) id is a 404, never a hint."""
    try:
        return Device.objects.get(user=user, public_id=device_public_id, revoked_at__isnull=True)
    except (Device.DoesNotExist, ValueError) as exc:
        raise Http404("No such device.") from exc


# --- Services --------------------------------------------------------------------------------------------


def device_register(*, user: User, session_key: str, user_agent: str, ip_address: str | None) -> Device:
    """Record a freshly signed-in session. Called from the user_logged_in signal (and, as a fallback, by
    the middleware for a session that predates device tracking)."""
    now = timezone.now()
    fields = {"user": user, "user_agent": user_agent[:USER_AGENT_MAX], "ip_address": ip_address or None}
    try:
        with transaction.atomic():
            device, _ = Device.objects.update_or_create(
                session_key=session_key,
                defaults={**fields, "last_seen_at": now, "revoked_at": None},
                create_defaults={**fields, "created_at": now, "last_seen_at": now},
            )
    except IntegrityError:
        # Two first requests of one session raced; the other one created the row.
        device = Device.objects.get(session_key=session_key)
    return device


def device_touch(*, device: Device, ip_address: str | None) -> bool:
    """Refresh last_seen_at, at most once per LAST_SEEN_RESOLUTION even across workers: the conditional
    UPDATE is the coalescing, not the in-memory check."""
    now = timezone.now()
    if now - device.last_seen_at < LAST_SEEN_RESOLUTION:
        return False
    updated = Device.objects.filter(pk=device.pk, last_seen_at__lt=now - LAST_SEEN_RESOLUTION).update(
        last_seen_at=now, ip_address=ip_address or None
    )
    device.last_seen_at = now
    return updated == 1


def device_rekey(*, old_session_key: str, new_session_key: str) -> None:
    """Follow a session-key rotation (password change cycles the key) so the device keeps its identity."""
    if old_session_key != new_session_key:
        Device.objects.filter(session_key=old_session_key).update(session_key=new_session_key)


def device_revoke(*, user: User, device_public_id: UUID | str) -> None:
    device = device_get_for_user(user=user, device_public_id=device_public_id)
    _revoke([device])


def devices_revoke_others(*, user: User, keep_session_key: str | None) -> int:
    """Sign out every other browser of the user (all of them when keep_session_key is None)."""
    devices = Device.objects.filter(user=user, revoked_at__isnull=True)
    if keep_session_key:
        devices = devices.exclude(session_key=keep_session_key)
    return _revoke(list(devices))


def device_revoke_session(*, session_key: str) -> None:
    """A normal sign-out: the session is being flushed by Django, only the row needs marking."""
    Device.objects.filter(session_key=session_key, revoked_at__isnull=True).update(revoked_at=timezone.now())


def _revoke(devices: list[Device]) -> int:
    if not devices:
        return 0
    now = timezone.now()
    with transaction.atomic():
        count = Device.objects.filter(pk__in=[d.pk for d in devices], revoked_at__isnull=True).update(
            revoked_at=now
        )
    store = import_module(settings.SESSION_ENGINE).SessionStore
    for device in devices:
        device.revoked_at = now
        # Deleting from the session store (not only marking the row) signs the browser out on every
        # worker at once, whatever the session backend.
        store(session_key=device.session_key).delete()
    return count
