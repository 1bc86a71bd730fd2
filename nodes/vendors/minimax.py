"""MiniMax (Hailuo): submit → poll query/video_generation → files/retrieve for the download URL."""

from __future__ import annotations

from typing import Any

from nodes.engine.types import Call, LineItem, Poll, Route, Vendor
from nodes.vendors.common import (
    JSON_CAP,
    VIDEO_TTL,
    Check,
    choice,
    dig,
    each,
    query,
    seconds,
    status_of,
    text_id,
)

BADGE = "ComfyUI price badge (comfy_api_nodes/nodes_minimax.py, 2026)"
ESTIMATE = (
    "estimate: ComfyUI's nodes do not offer it (no badge) and no public MiniMax price page was found;"
    " kept at the seeded default, verify before production"
)
LEGACY = {
    "T2V-01": (430_000, BADGE),
    "I2V-01": (430_000, BADGE),
    "I2V-01-live": (430_000, BADGE),
    "T2V-01-Director": (430_000, BADGE),
    "I2V-01-Director": (430_000, BADGE),
    "S2V-01": (650_000, ESTIMATE),  # ComfyUI's subject-to-video node is disabled and has no badge
}
HAILUO_02 = {
    ("512P", 6): (100_000, ESTIMATE),  # ComfyUI offers 768P and 1080P only
    ("512P", 10): (150_000, ESTIMATE),
    ("768P", 6): (280_000, BADGE),
    ("768P", 10): (560_000, BADGE),
    ("1080P", 6): (490_000, BADGE),
}


def price(call: Call) -> list[LineItem]:
    model = choice(call, "model", default="T2V-01", allowed=(*LEGACY, "MiniMax-Hailuo-02"))
    if model != "MiniMax-Hailuo-02":
        return each(f"video/{model}")
    resolution = choice(call, "resolution", default="768P", allowed=("512P", "768P", "1080P"))
    duration = seconds(call, "duration", default=6, low=1, high=10)
    tier = 6 if duration <= 6 else 10
    return each(f"video/MiniMax-Hailuo-02/{resolution}/{tier}s")


def task_id(data: Any) -> str | None:
    return text_id(dig(data, "task_id"))


def file_id(data: Any) -> str:
    return text_id(dig(data, "file_id")) or ""


VENDOR = Vendor(
    name="minimax",
    title="MiniMax",
    live_base="https://api.minimax.io",
    sandbox_base="/minimax",
    key_header="Authorization",
    key_prefix="Bearer ",
    routes=(
        Route(
            "POST",
            "video_generation",
            "/v1/video_generation",
            "submit",
            price=price,
            job_id=task_id,
            poll_route="poll",
            max_bytes=JSON_CAP,
            ttl=VIDEO_TTL,
        ),
        Route(
            "GET",
            "query/video_generation",
            "/v1/query/video_generation?task_id={job}",
            "poll",
            name="poll",
            body="none",
            status=status_of("status", success={"Success"}, failure={"Fail"}),
            poll=Poll(job_ref=query("task_id"), result_ref=file_id),
            query={"task_id": "id"},
            timeout_seconds=60,
        ),
        Route(
            "GET",
            "files/retrieve",
            "/v1/files/retrieve?file_id={file_id}",
            "download",
            body="none",
            poll=Poll(job_ref=query("file_id")),
            query={"file_id": "int"},
            timeout_seconds=60,
        ),
    ),
    prices={
        **{f"video/{model}": ("video", micros, source) for model, (micros, source) in LEGACY.items()},
        **{
            f"video/MiniMax-Hailuo-02/{res}/{dur}s": ("video", micros, source)
            for (res, dur), (micros, source) in HAILUO_02.items()
        },
    },
)

# Validated before reserving (nodes/validation.py): the generic rules only (a prompt is optional with a
# first frame).
CHECKS: dict[str, tuple[Check, ...]] = {}
