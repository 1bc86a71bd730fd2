"""PixVerse: (image upload) → submit → GET video/result/{video_id}; integer statuses passed through."""

from __future__ import annotations

from typing import Any

from nodes.engine.types import Call, LineItem, Route, Vendor
from nodes.vendors.common import (
    JSON_CAP,
    MULTIPART_CAP,
    VIDEO_TTL,
    choice,
    dig,
    each,
    param,
    seconds,
    status_of,
    text_id,
)

SOURCE = "PixVerse API list price (platform.pixverse.ai), seeded default: check before going live"
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


def price(call: Call) -> list[LineItem]:
    quality = choice(call, "quality", default="540p", allowed=("360p", "540p", "720p", "1080p"))
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
            job_ref=param("video_id"),
            timeout_seconds=60,
        ),
    ),
    prices={
        f"video/{quality}/{duration}s/{motion}": ("video", micros, SOURCE)
        for (quality, duration, motion), micros in PRICES.items()
    },
)
