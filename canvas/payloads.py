"""The JSON shape of a session, shared by the API and the start page's status poll."""

from __future__ import annotations

from typing import Any

from django.conf import settings

from canvas.models import LIVE_STATUSES, CanvasSession
from canvas.services import queue_position, session_deadline, session_url
from comfyweb.times import rfc3339


def _time(value: Any) -> str | None:
    return rfc3339(value) if value is not None else None


def session_payload(session: CanvasSession, *, url: str | None = None) -> dict[str, Any]:
    startup = None
    if session.ready_at is not None and session.started_at is not None:
        startup = round((session.ready_at - session.started_at).total_seconds(), 1)
    return {
        "id": str(session.public_id),
        "status": session.status,
        "url": url
        if url is not None
        else (session_url(session) if session.status in LIVE_STATUSES else None),
        "queue_position": queue_position(session),
        "created_at": _time(session.created_at),
        "started_at": _time(session.started_at),
        "ready_at": _time(session.ready_at),
        "ended_at": _time(session.ended_at),
        "end_reason": session.end_reason or None,
        "startup_seconds": startup,
        "ends_at_latest": _time(session_deadline(session)),
        "idle_timeout_minutes": settings.CANVAS_IDLE_MINUTES,
        "price_per_minute_micros": session.price_per_minute_micros,
        "charged_micros": session.charged_micros,
    }
