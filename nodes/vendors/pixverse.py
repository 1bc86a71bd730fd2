"""PixVerse: (image upload) → submit → GET video/result/{video_id}; integer statuses passed through."""

from __future__ import annotations

from typing import Any

from nodes.engine.types import Call, LineItem, Poll, Route, Vendor
from nodes.vendors.common import (
    JSON_CAP,
    MULTIPART_CAP,
    VIDEO_TTL,
    Check,
    choice,
    dig,
    each,
    flag,
    param,
    seconds,
    status_of,
    text,
    text_id,
)

# PixVerse's own table: $1 = 100 credits; V3.5-V4.5 by quality, length and motion mode
# (docs.platform.pixverse.ai "Model & Pricing", 2026); ComfyUI's older badges show the same figures.
SOURCE = "PixVerse API price list (docs.platform.pixverse.ai, Model & Pricing, 2026)"
PRICES = {
    ("360p", 5, "normal"): 450_000,
    ("540p", 5, "normal"): 450_000,
    ("720p", 5, "normal"): 600_000,
    ("1080p", 5, "normal"): 1_200_000,
    ("360p", 8, "normal"): 900_000,
    ("540p", 8, "normal"): 900_000,
    ("720p", 8, "normal"): 1_200_000,
    ("360p", 5, "fast"): 900_000,
    ("540p", 5, "fast"): 900_000,
    ("720p", 5, "fast"): 1_200_000,
}
# PixVerse V6 bills per second by quality, with or without native audio. ComfyUI's badge
# (comfy_api_nodes/nodes_pixverse.py, 2026) is 1.43 times PixVerse's price, as its V3.5-V4.5 badges are
# against the table above (e.g. 720p 5 s $0.858 vs $0.60); divided back, each figure is whole credits.
V6_SOURCE = "ComfyUI price badge (comfy_api_nodes/nodes_pixverse.py, 2026) / 1.43, Comfy.org's markup"
V6_PER_SECOND = {
    ("360p", False): 50_000,
    ("360p", True): 70_000,
    ("540p", False): 70_000,
    ("540p", True): 90_000,
    ("720p", False): 90_000,
    ("720p", True): 120_000,
    ("1080p", False): 180_000,
    ("1080p", True): 230_000,
}
QUALITIES = ("360p", "540p", "720p", "1080p")


def _v6(call: Call) -> list[LineItem]:
    """Unstated quality, length or audio: the most the call can cost."""
    quality = choice(call, "quality", default="1080p", allowed=QUALITIES)
    audio = "audio" if flag(call, "generate_audio_switch", default=True) else "silent"
    return each(f"v6/{quality}/{audio}/second", seconds(call, "duration", default=15, low=1, high=15))


def price(call: Call) -> list[LineItem]:
    if call.body.value("model") == "v6":
        return _v6(call)
    quality = choice(call, "quality", default="540p", allowed=QUALITIES)
    duration = seconds(call, "duration", default=5, low=1, high=8)
    motion = choice(call, "motion_mode", default="normal", allowed=("normal", "fast"))
    return each(f"video/{quality}/{5 if duration <= 5 else 8}s/{motion}")


def video_id(data: Any) -> str | None:
    return text_id(dig(data, "Resp", "video_id"))


VENDOR = Vendor(
    name="pixverse",
    title="PixVerse",
    live_base="https://app-api.pixverse.ai/openapi/v2",
    sandbox_base="/pixverse/openapi/v2",
    key_header="API-KEY",
    extra_headers={"Ai-trace-id": "{uuid}"},  # PixVerse wants a fresh trace id on every request
    routes=(
        Route("POST", "image/upload", "/image/upload", "upload", body="multipart", max_bytes=MULTIPART_CAP),
        Route(
            "POST",
            "video/{kind=text|img|transition}/generate",
            "/video/{kind}/generate",
            "submit",
            price=price,
            job_id=video_id,
            poll_route="poll",
            max_bytes=JSON_CAP,
            ttl=VIDEO_TTL,
        ),
        Route(
            "GET",
            "video/result/{video_id:int}",
            "/video/result/{job}",
            "poll",
            name="poll",
            body="none",
            status=status_of("Resp", "status", success={1}, failure={6, 8}, moderated={7}),
            poll=Poll(job_ref=param("video_id")),
            timeout_seconds=60,
        ),
    ),
    prices={
        **{
            f"video/{quality}/{duration}s/{motion}": ("video", micros, SOURCE)
            for (quality, duration, motion), micros in PRICES.items()
        },
        **{
            f"v6/{quality}/{'audio' if audio else 'silent'}/second": ("second", micros, V6_SOURCE)
            for (quality, audio), micros in V6_PER_SECOND.items()
        },
    },
)

# Validated before reserving (nodes/validation.py).
CHECKS: dict[str, tuple[Check, ...]] = {"POST video/{kind}/generate": (text("prompt", max_length=2048),)}
