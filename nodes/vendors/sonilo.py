"""Sonilo music: text to music and video to music, one form POST each, answered with an NDJSON stream of
events (`duration`, `title(s)`, base64 `audio_chunk`s, `complete`, or `error`) that carries the audio.

The engine reads the finished stream as the list of its events (nodes/engine/replies.py): an `error` event
fails the call even though the HTTP status is 200, so it is never charged.
"""

from __future__ import annotations

import math
from typing import Any

from nodes.engine.types import Call, LineItem, Outcome, Route, Vendor
from nodes.vendors.common import SYNC_TTL, Check, each, fixed, integer, named, text

BADGE = "ComfyUI 0.30.0 price badge, nodes_sonilo.py (2026-12-08)"
TEXT_PER_SECOND = 2_500  # µ$: SoniloTextToMusic's badge, $0.0025 x duration
VIDEO_PER_SECOND = 9_000  # µ$: SoniloVideoToMusic's badge, $0.009/second
LONGEST = 360  # seconds: the text node's duration limit, and the video node's upload limit (max_duration)
PROMPT_MAX = 1_000  # characters, as SoniloTextToMusic validates
MODERATED_CODES = {"CONTENT_MODERATED", "CONTENT_POLICY_VIOLATION", "MODERATION"}


def text_price(call: Call) -> list[LineItem]:
    return each("t2m/second", integer(call, "duration", default=30, low=1, high=LONGEST))


def _events(data: Any) -> list[dict[str, Any]]:
    """The stream's events; a lone JSON object (a plain error body) is one event."""
    if isinstance(data, dict):
        return [data]
    if isinstance(data, list):
        return [event for event in data if isinstance(event, dict)]
    return []


def streamed(data: Any, status: int) -> Outcome:
    """Success once audio arrived and no `error` event was sent (the node raises on any `error`)."""
    events = _events(data)
    errors = [event for event in events if event.get("type") == "error"]
    if errors:
        return "moderated" if str(errors[0].get("code", "")).upper() in MODERATED_CODES else "failure"
    if any(event.get("type") == "audio_chunk" and event.get("data") for event in events):
        return "success"
    return "failure"


def video_seconds(data: Any, call: Call) -> list[LineItem] | None:
    """The video length Sonilo reports in its `duration` event, in started seconds; None (the hold) without
    one."""
    for event in _events(data):
        length = event.get("duration_sec") if event.get("type") == "duration" else None
        if (
            isinstance(length, int | float)
            and not isinstance(length, bool)
            and math.isfinite(length)
            and length > 0
        ):
            return each("v2m/second", math.ceil(length))
    return None


def error_message(data: Any) -> tuple[str, str]:
    """Sonilo errors: FastAPI's `{"detail": {"message"} | "..."}` (what the node itself reads)."""
    detail = data.get("detail") if isinstance(data, dict) else None
    if isinstance(detail, dict):
        return str(detail.get("message") or detail), str(detail.get("code") or "")
    if isinstance(detail, str):
        return detail, ""
    return "", ""


def _route(path: str, price: Any, model: str, *, cost: Any = None) -> Route:
    extra = {"cost": cost} if cost else {}
    return Route(
        "POST",
        path,
        f"/{path}",
        "sync",
        body="form",  # aiohttp sends a FormData without files urlencoded
        price=price,
        model=named(model),
        status=streamed,
        max_bytes=64 * 1024,
        ttl=SYNC_TTL,
        timeout_seconds=1_200,  # the node waits up to 20 minutes for the stream
        **extra,
    )


VENDOR = Vendor(
    name="sonilo",
    title="Sonilo",
    # Unconfirmed: Sonilo publishes no API reference; Comfy.org's proxy path names the upstream paths.
    live_base="https://api.sonilo.com",
    sandbox_base="/sonilo",
    key_header="Authorization",
    key_prefix="Bearer ",
    error_message=error_message,
    routes=(
        _route("t2m/generate", text_price, "sonilo-t2m"),
        # The video's length is known only once Sonilo reads it: held at the 360 s the node uploads at most,
        # charged the seconds of Sonilo's `duration` event.
        _route("v2m/generate", fixed("v2m/second", LONGEST), "sonilo-v2m", cost=video_seconds),
    ),
    prices={
        "t2m/second": ("second", TEXT_PER_SECOND, BADGE),
        "v2m/second": ("second", VIDEO_PER_SECOND, BADGE),
    },
    model_names={"sonilo-t2m": "Sonilo Text to Music", "sonilo-v2m": "Sonilo Video to Music"},
)

# Validated before reserving (nodes/validation.py).
CHECKS: dict[str, tuple[Check, ...]] = {
    "POST t2m/generate": (text("prompt", max_length=PROMPT_MAX),),
    "POST v2m/generate": (text("video_url", max_length=4_096), text("prompt", required=False)),
}
