"""The thin platform frame around the canvas, on the canvas origin: the balance, the session's time and
its running cost, the "two minutes left" funds warning and End session, around the stock ComfyUI
frontend (unmodified, in an iframe of the same origin).

It lives under `/s/<session>/_platform/…`, a prefix no ComfyUI route uses, and answers only the session's
owner (the proxy checks the canvas cookie first). Its status is read from server-side state alone.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone

from billing.money import format_credits, format_usd
from billing.selectors import wallet_balance, wallet_get_for_user
from canvas.models import CanvasSession, EndReason
from canvas.services import session_deadline, session_end, session_key_plaintext
from comfyweb.times import rfc3339

PREFIX = "/_platform/"
# Warn when the wallet can pay at most this many minutes after the one in progress (issue 10: "warned two
# minutes before" the session ends for funds).
WARN_MINUTES = 2


@dataclass(frozen=True)
class FrameStatus:
    status: str
    elapsed_seconds: int
    charged_micros: int
    price_per_minute_micros: int
    available_micros: int
    minutes_left: int | None  # minutes the wallet can still pay after the one held; None: free time

    @property
    def warn(self) -> bool:
        return self.minutes_left is not None and self.minutes_left < WARN_MINUTES

    def payload(self, session: CanvasSession) -> dict[str, Any]:
        return {
            "status": self.status,
            "elapsed_seconds": self.elapsed_seconds,
            "charged_micros": self.charged_micros,
            "charged_credits": format_credits(self.charged_micros),
            "price_per_minute_micros": self.price_per_minute_micros,
            "price_per_minute_credits": format_credits(self.price_per_minute_micros),
            "available_micros": self.available_micros,
            "available_credits": format_credits(self.available_micros),
            "available_usd": format_usd(self.available_micros),
            "minutes_left": self.minutes_left,
            "warning": self._warning(),
            "ends_at_latest": rfc3339(session_deadline(session)),
            "idle_timeout_minutes": settings.CANVAS_IDLE_MINUTES,
            "end_reason": session.get_end_reason_display() if session.end_reason else None,
        }

    def _warning(self) -> str | None:
        if not self.warn:
            return None
        if self.minutes_left == 0:
            return "Your credits cover only the minute in progress: the session ends when it is over."
        return f"Your credits cover about {self.minutes_left} more minute(s). Buy credits to keep working."


def frame_status(session: CanvasSession) -> FrameStatus:
    session.refresh_from_db()
    balance = wallet_balance(wallet=wallet_get_for_user(user=session.user))
    elapsed = 0
    if session.ready_at is not None:
        elapsed = int(((session.ended_at or timezone.now()) - session.ready_at).total_seconds())
    price = session.price_per_minute_micros
    minutes_left = None if price == 0 else max(balance.available_micros, 0) // price
    return FrameStatus(
        status=session.status,
        elapsed_seconds=max(elapsed, 0),
        charged_micros=session.charged_micros,
        price_per_minute_micros=price,
        available_micros=balance.available_micros,
        minutes_left=minutes_left,
    )


# Where the stock frontend keeps a key from "Log in with API key" (its `apiKeyAuth` store, frontend 1.47+).
FRONTEND_KEY_STORAGE = "comfy_api_key"
# The first frontend release that ignores a plain-http API base.
HTTP_BASE_BEFORE = (1, 55)


def frame_page(session: CanvasSession, *, nonce: str) -> bytes:
    """The frame hands the frontend the session's own key before the canvas loads, so its account panel
    shows the owner signed in with the right balance. That key is the only credential the page's
    JavaScript ever sees: it expires when the session ends and spends at most what the session allows.

    Over https always. Over plain http (the one-command run) only to a frontend older than 1.55, which the
    frame asks the backend for: newer ones ignore a plain-http `comfy_api_base_url`, would try the key on
    api.comfy.org, fail, and tell the user the key has no account (comfy-contract.md §9). API nodes run
    logged in either way (the proxy puts the key into each prompt)."""
    frontend: dict[str, Any] = {"storage": FRONTEND_KEY_STORAGE, "key": session_key_plaintext(session)}
    if not settings.PUBLIC_BASE_URL.startswith("https://"):
        frontend["before"] = list(HTTP_BASE_BEFORE)
    context = {
        "session": session,
        "frontend": frontend,
        "status": frame_status(session).payload(session),
        "platform_url": settings.PUBLIC_BASE_URL,
        "nonce": nonce,
    }
    return render_to_string("canvas/frame.html", context).encode()


def frame_end(session: CanvasSession) -> dict[str, Any]:
    """End session from the frame: once, like the platform's button."""
    session_end(session=session, reason=EndReason.USER)
    return frame_status(session).payload(session)
