"""Beeble SwitchX: one submit for images and videos → GET switchx/generations/{id}."""

from __future__ import annotations

from typing import Any

from nodes.engine.types import Call, LineItem, Poll, Route, Vendor
from nodes.vendors.common import (
    IMAGE_TTL,
    JSON_CAP,
    VIDEO_TTL,
    Check,
    choice,
    dig,
    each,
    param,
    status_of,
    text,
    text_id,
)

BADGE = "ComfyUI 0.30.0 price badge, nodes_beeble.py (2026-12-07)"
# Per image, and per started block of 30 source frames of a video, by the `max_resolution` asked for.
RATE = {"1080": 429_000, "720": 143_000}
# Beeble takes at most 240 frames (developer.beeble.ai, Start Generation) and reports neither the frames it
# rendered nor a cost, so a video is held and charged at the longest source: 240 / 30 = 8 blocks.
VIDEO_BLOCKS = 240 // 30


def price(call: Call) -> list[LineItem]:
    kind = choice(call, "generation_type", default="video", allowed=("image", "video"))
    resolution = choice(call, "max_resolution", default="1080", allowed=RATE)
    if kind == "image":
        return each(f"switchx/image/{resolution}p")
    return each(f"switchx/video/{resolution}p/30-frames", VIDEO_BLOCKS)


def model(call: Call) -> str:
    kind = call.body.value("generation_type")
    return f"switchx-{kind}" if kind in ("image", "video") else "switchx"


def job_id(data: Any) -> str | None:
    return text_id(dig(data, "id"))


VENDOR = Vendor(
    name="beeble",
    title="Beeble",
    live_base="https://api.beeble.ai",
    sandbox_base="/beeble",
    key_header="x-api-key",
    routes=(
        Route(
            "POST",
            "v1/switchx/generations",
            "/v1/switchx/generations",
            "submit",
            price=price,
            model=model,
            job_id=job_id,
            poll_route="poll",
            max_bytes=JSON_CAP,
            ttl=VIDEO_TTL,
        ),
        Route(
            "GET",
            "v1/switchx/generations/{id:id}",
            "/v1/switchx/generations/{job}",
            "poll",
            name="poll",
            body="none",
            # Beeble's words: in_queue → processing → completed | failed (developer.beeble.ai quickstart).
            status=status_of("status", success={"completed"}, failure={"failed", "cancelled", "error"}),
            poll=Poll(job_ref=param("id")),
            timeout_seconds=60,
            ttl=IMAGE_TTL,
        ),
    ),
    prices={
        **{f"switchx/image/{res}p": ("image", micros, BADGE) for res, micros in RATE.items()},
        **{f"switchx/video/{res}p/30-frames": ("30 frames", micros, BADGE) for res, micros in RATE.items()},
    },
    model_names={
        "switchx": "SwitchX",
        "switchx-image": "SwitchX (image)",
        "switchx-video": "SwitchX (video)",
    },
)

# Validated before reserving (nodes/validation.py): Beeble's own limits (prompt ≤ 2,000 characters).
CHECKS: dict[str, tuple[Check, ...]] = {
    "POST v1/switchx/generations": (
        text("source_uri", max_length=100_000),
        text("alpha_mode", max_length=10),
        text("prompt", required=False, max_length=2000),
    ),
}
