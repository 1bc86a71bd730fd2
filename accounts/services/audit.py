"""The audit trail: every staff mutation, money action and privacy step writes one `AuditEvent`.

Callers record inside the transaction of the action itself, so the row and its effect commit together
(a rolled-back action leaves no trail, a committed one always has one).
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from accounts.models import AuditEvent, User

# Keys that must never reach an audit row (the trail outlives the account and is exported).
_FORBIDDEN = frozenset({"email", "password", "secret", "key", "token", "name"})


def _clean(values: dict[str, Any] | None) -> dict[str, Any]:
    values = dict(values or {})
    leaked = _FORBIDDEN.intersection(values)
    if leaked:
        raise ValueError(f"Audit rows hold no personal data or secrets: {sorted(leaked)}")
    return values


def audit_record(
    *,
    action: str,
    actor: User | None = None,
    subject: User | None = None,
    reason: str = "",
    target: str = "",
    old: dict[str, Any] | None = None,
    new: dict[str, Any] | None = None,
    ip_address: str | None = None,
) -> AuditEvent:
    """Write one audit row (`actor` None: the system)."""
    return AuditEvent.objects.create(
        action=action[:64],
        actor=actor,
        subject=subject,
        reason=reason[:500],
        target=target[:120],
        old=_clean(old),
        new=_clean(new),
        ip_address=ip_address,
    )


def audit_events_for_user(*, subject: User) -> QuerySet[AuditEvent]:
    """A user's trail, newest first (support console, data export)."""
    return AuditEvent.objects.filter(subject=subject).select_related("actor").order_by("-created_at", "-id")
