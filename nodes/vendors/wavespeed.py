"""WaveSpeed AI: FlashVSR video and SeedVR2 / Ultimate image upscalers (submit → GET …/result)."""

from __future__ import annotations

import math
from datetime import timedelta

from nodes.engine.types import Call, LineItem, Poll, PriceFn, Route, Vendor
from nodes.vendors.common import (
    IMAGE_TTL,
    JSON_CAP,
    VIDEO_TTL,
    Check,
    choice,
    dig,
    each,
    fixed,
    named,
    param,
    status_of,
    text,
    text_id,
)

BADGE = "ComfyUI 0.30.0 price badge, nodes_wavespeed.py (2026-12-07)"
# FlashVSR, µ$ per second of source video by the target resolution the node sends (lower case).
FLASHVSR_PER_SECOND = {"720p": 12_000, "1080p": 18_000, "2k": 24_000, "4k": 32_000}
# The node takes sources of 5 s to 10 minutes and sends their `duration`; without one the hold is the longest.
MAX_SECONDS = 600
SEEDVR2 = 10_000
ULTIMATE = 60_000


def flashvsr_price(call: Call) -> list[LineItem]:
    resolution = choice(call, "target_resolution", default="4k", allowed=FLASHVSR_PER_SECOND)
    return each(f"flashvsr/{resolution}/second", _seconds(call.body.value("duration")))


def _seconds(duration: object) -> int:
    """The started seconds of the source the node reports, capped at the longest it sends."""
    if isinstance(duration, bool) or not isinstance(duration, int | float) or not math.isfinite(duration):
        return MAX_SECONDS
    return max(1, min(MAX_SECONDS, math.ceil(duration)))


def task_id(data: object) -> str | None:
    return text_id(dig(data, "data", "id"))


def _status_word(data: object) -> str:
    return str(dig(data, "data", "status") or "")


def _submit(path: str, price: PriceFn, model: str, ttl: timedelta) -> Route:
    return Route(
        "POST",
        path,
        "/" + path,
        "submit",
        price=price,
        model=named(model),
        job_id=task_id,
        poll_route="result",
        max_bytes=JSON_CAP,
        ttl=ttl,
    )


VENDOR = Vendor(
    name="wavespeed",
    title="WaveSpeed AI",
    live_base="https://api.wavespeed.ai",  # wavespeed.ai/docs (2026-12-07)
    sandbox_base="/wavespeed",
    key_header="Authorization",
    key_prefix="Bearer ",
    routes=(
        _submit("api/v3/wavespeed-ai/flashvsr", flashvsr_price, "flashvsr", VIDEO_TTL),
        _submit("api/v3/wavespeed-ai/seedvr2/image", fixed("seedvr2/image"), "seedvr2", IMAGE_TTL),
        _submit(
            "api/v3/wavespeed-ai/ultimate-image-upscaler",
            fixed("ultimate-image-upscaler/image"),
            "ultimate-image-upscaler",
            IMAGE_TTL,
        ),
        Route(
            "GET",
            "api/v3/predictions/{id:id}/result",
            "/api/v3/predictions/{job}/result",
            "poll",
            name="result",
            body="none",
            # The node reads a reply without `data` as failed; WaveSpeed's words: created, processing, …
            status=status_of("data", "status", success={"completed"}, failure={"failed"}),
            poll=Poll(job_ref=param("id"), status_word=_status_word),
            timeout_seconds=60,
        ),
    ),
    prices={
        **{
            f"flashvsr/{resolution}/second": ("second", micros, BADGE)
            for resolution, micros in FLASHVSR_PER_SECOND.items()
        },
        "seedvr2/image": ("image", SEEDVR2, BADGE),
        "ultimate-image-upscaler/image": ("image", ULTIMATE, BADGE),
    },
    model_names={
        "flashvsr": "FlashVSR",
        "seedvr2": "SeedVR2",
        "ultimate-image-upscaler": "Ultimate Image Upscaler",
    },
)

_RESOLUTION = text("target_resolution", max_length=10)
CHECKS: dict[str, tuple[Check, ...]] = {
    "POST api/v3/wavespeed-ai/flashvsr": (_RESOLUTION, text("video", max_length=100_000)),
    "POST api/v3/wavespeed-ai/seedvr2/image": (_RESOLUTION, text("image", max_length=100_000)),
    "POST api/v3/wavespeed-ai/ultimate-image-upscaler": (_RESOLUTION, text("image", max_length=100_000)),
}
