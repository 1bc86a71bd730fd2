"""MiniMax (Hailuo): submit → poll query/video_generation → files/retrieve for the download URL.

MiniMax H3 (API v2): submit `v2/video_generation` (a `content` list: the text, frames or references) →
`task_id`; poll `v2/query/video_generation/{task_id}` → `task.status`, `task.content.url`, `task.usage`."""

from __future__ import annotations

from typing import Any

from comfyweb.errors import ApiError
from nodes.engine.types import Call, LineItem, Outcome, Poll, Route, Vendor
from nodes.vendors.common import (
    JSON_CAP,
    VIDEO_TTL,
    Check,
    choice,
    delivered_seconds,
    dig,
    each,
    integer,
    param,
    query,
    seconds,
    status_of,
    text,
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

# MiniMax H3 per second of output by resolution; reference videos are billed as input seconds at the same
# rate (up to 15 s in all, the node's limit) and reference images beyond the fifth at a flat price each.
H3_BADGE = "ComfyUI 0.30.0 price badge, nodes_minimax.py MinimaxHailuo03*Node (2026-12-08)"
H3_MODEL = "MiniMax-H3"
H3_PER_SECOND = {"768P": 128_700, "2K": 185_900}
H3_SECONDS = (5, 15)
H3_REFERENCE_VIDEO_SECONDS = 15
H3_FREE_REFERENCE_IMAGES = 5
H3_REFERENCE_IMAGE = 57_200
# What one request may carry (the node's limits): 2 frames or 9 reference images, 3 videos, 3 audio clips.
H3_MAX_ITEMS = {"image_url": 9, "video_url": 3, "audio_url": 3}


def _h3_items(call: Call) -> dict[str, int]:
    """How many content items of each type the request carries (the text is required)."""
    content = call.body.value("content")
    if not isinstance(content, list) or not content:
        raise ApiError(400, "invalid_request", "content must be a non-empty list.")
    counts = dict.fromkeys(("text", *H3_MAX_ITEMS), 0)
    for item in content:
        kind = item.get("type") if isinstance(item, dict) else None
        if kind not in counts:
            raise ApiError(
                400, "invalid_request", "content items are text, image_url, video_url or audio_url."
            )
        counts[kind] += 1
    if counts["text"] != 1:
        raise ApiError(400, "invalid_request", "content must carry exactly one text item.")
    for kind, most in H3_MAX_ITEMS.items():
        if counts[kind] > most:
            raise ApiError(400, "invalid_request", f"content carries more than {most} {kind} items.")
    return counts


def h3_price(call: Call) -> list[LineItem]:
    choice(call, "model", default=H3_MODEL, allowed=(H3_MODEL,))
    resolution = choice(call, "resolution", default="768P", allowed=tuple(H3_PER_SECOND))
    low, high = H3_SECONDS
    duration = integer(call, "duration", default=low, low=low, high=high)
    items = _h3_items(call)
    if items["video_url"]:
        duration += H3_REFERENCE_VIDEO_SECONDS
    extra_images = max(0, items["image_url"] - H3_FREE_REFERENCE_IMAGES)
    line = each(f"video/{H3_MODEL}/{resolution}/second", duration)
    return [*line, *(each(f"video/{H3_MODEL}/reference-image", extra_images) if extra_images else [])]


def h3_status_word(data: Any) -> str:
    return str(dig(data, "task", "status") or "")


# What ComfyUI's poll treats as done (its default completed words, any case) and the node's failure words:
# a word the node ends on must end the job here too, or its hold would outlive a finished video.
H3_SUCCESS = frozenset({"succeeded", "succeed", "success", "completed", "finished", "done", "complete"})
H3_FAILURE = frozenset({"failed", "cancelled", "expired"})


def h3_status(data: Any, http_status: int) -> Outcome:
    word = h3_status_word(data).strip().lower()
    if word in H3_SUCCESS:
        return "success"
    if word in H3_FAILURE:
        return "failure"
    return "pending"


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
            "POST",
            "v2/video_generation",
            "/v2/video_generation",
            "submit",
            price=h3_price,
            job_id=task_id,
            poll_route="poll-v2",
            max_bytes=JSON_CAP,
            ttl=VIDEO_TTL,
        ),
        # The billed seconds (output plus reference-video input) settle the hold, which assumed 15 s of
        # reference video; a reply without them charges the quote.
        Route(
            "GET",
            "v2/query/video_generation/{task_id:id}",
            "/v2/query/video_generation/{job}",
            "poll",
            name="poll-v2",
            body="none",
            status=h3_status,
            poll=Poll(
                job_ref=param("task_id"),
                settled_cost=delivered_seconds("task", "usage", "total_seconds"),
                status_word=h3_status_word,
            ),
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
        **{
            f"video/{H3_MODEL}/{res}/second": ("second", micros, H3_BADGE)
            for res, micros in H3_PER_SECOND.items()
        },
        f"video/{H3_MODEL}/reference-image": (
            "image",
            H3_REFERENCE_IMAGE,
            H3_BADGE + ": each reference image beyond the fifth",
        ),
    },
    model_names={H3_MODEL: "MiniMax H3"},
)

# Validated before reserving (nodes/validation.py): the generic rules only (a prompt is optional with a
# first frame).
CHECKS: dict[str, tuple[Check, ...]] = {
    "POST v2/video_generation": (
        Check("content", "list", required=True, max_length=1 + sum(H3_MAX_ITEMS.values())),
        Check("duration", "int", required=True, low=H3_SECONDS[0], high=H3_SECONDS[1]),
        text("content.0.text"),
    ),
}
