"""Reads: owner-scoped getters (someone else's session is a 404, never a 403)."""

from __future__ import annotations

import uuid

from django.db.models import QuerySet

from accounts.models import User
from canvas.models import CanvasSession
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
