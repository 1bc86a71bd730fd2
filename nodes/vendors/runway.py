"""Runway: image to video (Gen-3a Turbo, Gen-4 Turbo), text to image (Gen-4 Image) and Aleph 2 video to
video, each a task (submit → poll GET `tasks/{id}`); Runway reports no cost: a task settles on its quote."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from nodes.engine.types import Call, LineItem, ModelFn, Poll, PriceFn, Route, Vendor
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
    seconds,
    status_of,
    text,
    text_id,
)

BADGE = "ComfyUI 0.30.0 price badge, nodes_runway.py (2026-12-07)"
VIDEO_PER_SECOND = 71_500  # $0.0715/s, Gen-3a Turbo and Gen-4 Turbo alike
IMAGE = 110_000  # $0.11 per Gen-4 image
ALEPH_PER_SECOND = 400_400  # $0.4004/s of the output, which is as long as the input video
# The node accepts input videos of 2-30 s; Runway does not report the length back, so Aleph 2 is held and
# charged at the longest input (the request carries only the video's URL).
ALEPH_MAX_SECONDS = 30
# Runway's API versions its request shapes by this header; the nodes' shapes are those of this version.
API_VERSION = "2024-11-06"


def image_to_video_price(call: Call) -> list[LineItem]:
    length = seconds(call, "duration", default=5, low=5, high=10)
    return each("turbo/second", 10 if length > 5 else 5)


def _video_model(call: Call) -> str:
    return choice(call, "model", default="gen4_turbo", allowed=("gen3a_turbo", "gen4_turbo"))


def task_id(data: Any) -> str | None:
    return text_id(dig(data, "id"))


TASK_STATUS = status_of("status", success={"SUCCEEDED"}, failure={"FAILED", "CANCELLED"})


def _status_word(data: Any) -> str:
    return str(dig(data, "status") or "")


def _submit(path: str, price: PriceFn, model: ModelFn, ttl: timedelta) -> Route:
    return Route(
        "POST",
        path,
        f"/v1/{path}",
        "submit",
        price=price,
        model=model,
        job_id=task_id,
        poll_route="task",
        max_bytes=JSON_CAP,
        ttl=ttl,
    )


VENDOR = Vendor(
    name="runway",
    title="Runway",
    live_base="https://api.dev.runwayml.com",
    sandbox_base="/runway",
    key_header="Authorization",
    key_prefix="Bearer ",
    extra_headers={"X-Runway-Version": API_VERSION},
    routes=(
        _submit("image_to_video", image_to_video_price, _video_model, VIDEO_TTL),
        _submit("text_to_image", fixed("gen4_image/image"), named("gen4_image"), IMAGE_TTL),
        _submit("video_to_video", fixed("aleph2/second", ALEPH_MAX_SECONDS), named("aleph2"), VIDEO_TTL),
        Route(
            "GET",
            "tasks/{id:id}",
            "/v1/tasks/{job}",
            "poll",
            name="task",
            body="none",
            status=TASK_STATUS,
            poll=Poll(job_ref=param("id"), status_word=_status_word),
            timeout_seconds=60,
        ),
    ),
    prices={
        "turbo/second": ("second", VIDEO_PER_SECOND, BADGE),
        "gen4_image/image": ("image", IMAGE, BADGE),
        "aleph2/second": ("second", ALEPH_PER_SECOND, BADGE),
    },
    model_names={
        "gen3a_turbo": "Gen-3a Turbo",
        "gen4_turbo": "Gen-4 Turbo",
        "gen4_image": "Gen-4 Image",
        "aleph2": "Aleph 2",
        "turbo": "Gen-3a or Gen-4 Turbo",
    },
)

# Validated before reserving (nodes/validation.py): Runway's own limits as the nodes send them.
CHECKS: dict[str, tuple[Check, ...]] = {
    "POST image_to_video": (text("promptText", required=False, max_length=1000),),
    "POST text_to_image": (text("promptText", max_length=1000),),
    "POST video_to_video": (text("promptText", max_length=1000), text("videoUri", max_length=100_000)),
}
