"""The canvas origin's own cookie: signed, HttpOnly, scoped to one session's path, useless once the session
ends (every request re-reads the session row). It never exists on the platform's origin."""

from __future__ import annotations

from django.conf import settings
from django.core import signing

COOKIE_NAME = "canvas_session"
_SALT = "canvas.cookie"


def cookie_value(*, session_public_id: str, user_id: int) -> str:
    return signing.dumps([session_public_id, user_id], salt=_SALT)


def cookie_header(*, session_public_id: str, user_id: int) -> str:
    """The Set-Cookie header value for the ticket exchange's redirect."""
    secure = "; Secure" if settings.CANVAS_BASE_URL.startswith("https://") else ""
    max_age = settings.CANVAS_MAX_HOURS * 3600
    value = cookie_value(session_public_id=session_public_id, user_id=user_id)
    attributes = f"Path=/s/{session_public_id}/; Max-Age={max_age}; HttpOnly; SameSite=Lax{secure}"
    return f"{COOKIE_NAME}={value}; {attributes}"


def cookie_user_id(cookie_header_value: str, *, session_public_id: str) -> int | None:
    """The user id the cookie was issued to, if it is genuine and for this session."""
    # Parsed by hand: one malformed cookie of another name must not hide ours (SimpleCookie gives up).
    values = [
        value.strip()
        for name, _, value in (part.partition("=") for part in cookie_header_value.split(";"))
        if name.strip() == COOKIE_NAME
    ]
    if len(values) != 1:
        return None
    try:
        session_id, user_id = signing.loads(values[0], salt=_SALT, max_age=settings.CANVAS_MAX_HOURS * 3600)
    except (signing.BadSignature, ValueError, TypeError):
        return None
    if session_id != session_public_id or not isinstance(user_id, int):
        return None
    return user_id
