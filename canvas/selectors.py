"""Reads: owner-scoped getters (someone else's session is a 404, never a 403)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import QuerySet
from django.utils import timezone

from accounts.models import User
from canvas.models import LIVE_STATUSES, CanvasSession
from comfyweb.errors import ApiError


def session_not_found() -> ApiError:
    return ApiError(404, "not_found", "No such hosted ComfyUI session.")


def session_get_for_user(*, user: User, session_public_id: str | uuid.UUID) -> CanvasSession:
    try:
        public_id = uuid.UUID(str(session_public_id))
    except ValueError as exc:
        raise session_not_found() from exc
    session = CanvasSession.objects.filter(user=user, public_id=public_id).select_related("backend").first()
    if session is None:
        raise session_not_found()
    return session


def sessions_for_user(*, user: User, limit: int = 20) -> QuerySet[CanvasSession]:
    return CanvasSession.objects.filter(user=user).order_by("-created_at", "-pk")[:limit]


def session_for_proxy(*, session_public_id: str, user_id: int) -> CanvasSession | None:
    """The ready session the canvas cookie names, if it still belongs to that user."""
    try:
        public_id = uuid.UUID(session_public_id)
    except ValueError:
        return None
    return CanvasSession.objects.filter(public_id=public_id, user_id=user_id).first()


def hosted_sessions_for_user(user: User) -> QuerySet[CanvasSession]:
    """The support console's view: the user's sessions, newest first."""
    return sessions_for_user(user=user, limit=50)


def hosted_session_find(session_id: str) -> CanvasSession | None:
    """The support console's search: a session by its public id (any owner: staff only)."""
    try:
        public_id = uuid.UUID(str(session_id).strip())
    except ValueError:
        return None
    return CanvasSession.objects.select_related("user").filter(public_id=public_id).first()


@dataclass(frozen=True)
class HostedTime:
    """One session as a line of hosted time (the dashboard and the Usage page): how long it ran, how many
    minutes were billed, at what price, and what was charged."""

    session: CanvasSession
    ran: timedelta | None  # ready → ended (or now, while it runs); None: it never became ready

    @property
    def live(self) -> bool:
        return self.session.status in LIVE_STATUSES

    @property
    def minutes(self) -> int:
        return self.session.billed_minutes

    @property
    def ran_label(self) -> str:
        if self.ran is None:
            return "—"
        seconds = int(self.ran.total_seconds())
        hours, rest = divmod(seconds, 3600)
        return f"{hours} h {rest // 60:02d} min" if hours else f"{rest // 60} min {rest % 60:02d} s"


def _ran(session: CanvasSession, now: datetime) -> timedelta | None:
    if session.ready_at is None:
        return None
    return max((session.ended_at or now) - session.ready_at, timedelta(0))


def hosted_time_for_user(*, user: User, limit: int = 20) -> list[HostedTime]:
    """The user's sessions as hosted-time lines, newest first."""
    now = timezone.now()
    return [HostedTime(session, _ran(session, now)) for session in sessions_for_user(user=user, limit=limit)]
