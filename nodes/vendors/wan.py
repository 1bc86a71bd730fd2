"""Alibaba Cloud Model Studio (DashScope): Wan and HappyHorse text/image to image and video.

Every generation is an asynchronous task: POST `api/v1/services/aigc/<kind>/<kind>-synthesis` with the
`X-DashScope-Async: enable` header → `output.task_id`; GET `api/v1/tasks/{task_id}` reports
`output.task_status` (PENDING, RUNNING; SUCCEEDED, FAILED, CANCELED; UNKNOWN for a task that does not
exist or has expired) and, once done, `usage`: the billed seconds of video (`duration`, or
`video_duration` for Wan 2.5) or `image_count`. A task settles on that usage, up to its quote.

Prices follow the nodes' badges: Wan video per second by resolution tier, HappyHorse per second by model
version and tier, images per image. Reference and continuation tasks also bill the seconds of input video
they read (up to 5 s); a Wan 2.7 video edit bills its input and its output alike.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from nodes.engine.types import Call, LineItem, ModelFn, Outcome, Poll, PriceFn, Route, Vendor
from nodes.vendors.common import (
    IMAGE_TTL,
    JSON_CAP,
    VIDEO_TTL,
    Check,
    choice,
    dig,
    each,
    integer,
    obj,
    param,
    text,
    text_id,
)

BADGE = "ComfyUI 0.30.0 price badge, nodes_wan.py (2026-12-08)"
IMAGE = 30_000  # $0.03 an image, text to image and image to image alike
WAN_PER_SECOND = {"480p": 50_000, "720p": 100_000, "1080p": 150_000}  # Wan 2.5, 2.6 and 2.7 alike
HAPPYHORSE_PER_SECOND = {
    "happyhorse-1.0": {"720p": 140_000, "1080p": 240_000},
    "happyhorse-1.1": {"720p": 200_200, "1080p": 257_400},
}
# Reference-to-video and continuation tasks bill the input video they read as well, at most 5 s of it
# (the badges' "+ 2..5 s x rate" input range).
INPUT_SECONDS = 5
# Wan 2.7 video edit bills input plus output seconds: the node accepts inputs of 2-10 s and the output is
# at most as long as the input, so a task is held at 10 + 10 s (the request carries only the video's URL).
EDIT_SECONDS = 20
# HappyHorse video edit: the output matches the input's length, truncated at 15 s.
HAPPYHORSE_EDIT_SECONDS = 15
MAX_IMAGES = 4  # DashScope's `n` limit for image synthesis (the nodes send 1)
SEED_MAX = 2_147_483_647
# Failure codes that mean the content was refused, not that generation broke.
MODERATION_CODES = {"DataInspectionFailed", "IPInfringementSuspect", "DataInspection"}

# The output sizes the nodes offer ("WxH" as DashScope spells it, "W*H"), by resolution tier.
SIZE_TIERS = {
    **dict.fromkeys(("624*624", "832*480", "480*832"), "480p"),
    **dict.fromkeys(("960*960", "1280*720", "720*1280", "1088*832", "832*1088"), "720p"),
    **dict.fromkeys(("1440*1440", "1920*1080", "1080*1920", "1632*1248", "1248*1632"), "1080p"),
}
_SIZE = re.compile(r"\s*(\d{2,5})\s*[*x]\s*(\d{2,5})\s*")


@dataclass(frozen=True)
class VideoModel:
    family: str  # the price rows' family: "wan", "happyhorse-1.0", "happyhorse-1.1"
    tiers: tuple[str, ...]  # resolution tiers the model makes
    low: int  # output seconds the model takes
    high: int
    by_size: bool = False  # the tier comes from `parameters.size` (W*H), not `parameters.resolution`
    held_seconds: int = 0  # a fixed hold in seconds (edits, whose length is the input's)


HD = ("720p", "1080p")
ALL_TIERS = ("480p", "720p", "1080p")
VIDEO_MODELS: dict[str, VideoModel] = {
    "wan2.5-t2v-preview": VideoModel("wan", ALL_TIERS, 5, 10, by_size=True),
    "wan2.6-t2v": VideoModel("wan", HD, 5, 15, by_size=True),
    "wan2.5-i2v-preview": VideoModel("wan", ALL_TIERS, 5, 10),
    "wan2.6-i2v": VideoModel("wan", HD, 5, 15),
    "wan2.6-r2v": VideoModel("wan", HD, 5, 10, by_size=True),
    "wan2.7-t2v": VideoModel("wan", HD, 2, 15),
    "wan2.7-i2v": VideoModel("wan", HD, 2, 15),
    "wan2.7-r2v": VideoModel("wan", HD, 2, 10),
    "wan2.7-videoedit": VideoModel("wan", HD, 0, 10, held_seconds=EDIT_SECONDS),
    "happyhorse-1.1-t2v": VideoModel("happyhorse-1.1", HD, 3, 15),
    "happyhorse-1.0-t2v": VideoModel("happyhorse-1.0", HD, 3, 15),
    "happyhorse-1.1-i2v": VideoModel("happyhorse-1.1", HD, 3, 15),
    "happyhorse-1.0-i2v": VideoModel("happyhorse-1.0", HD, 3, 15),
    "happyhorse-1.1-r2v": VideoModel("happyhorse-1.1", HD, 3, 15),
    "happyhorse-1.0-r2v": VideoModel("happyhorse-1.0", HD, 3, 15),
    "happyhorse-1.0-video-edit": VideoModel(
        "happyhorse-1.0", HD, 3, 15, held_seconds=HAPPYHORSE_EDIT_SECONDS
    ),
}
IMAGE_MODELS = {"text2image": ("wan2.5-t2i-preview",), "image2image": ("wan2.5-i2i-preview",)}


# --- Prices -------------------------------------------------------------------------------------------------
def _tier(call: Call, spec: VideoModel, parameters: Mapping[str, Any]) -> str:
    """The resolution tier: from `size` ("1280*720") or `resolution` ("720P"), one the model makes."""
    if spec.by_size:
        raw = parameters.get("size")
        found = _SIZE.fullmatch(raw) if isinstance(raw, str) else None
        value = SIZE_TIERS.get(f"{found.group(1)}*{found.group(2)}", "") if found else ""
        return choice(call, "size", default="", allowed=spec.tiers, source={"size": value or str(raw)})
    # Unset, DashScope makes the model's top tier (1080P), so that is what is held.
    wanted = parameters.get("resolution")
    tier = wanted.lower() if isinstance(wanted, str) else wanted
    return choice(call, "resolution", default=spec.tiers[-1], allowed=spec.tiers, source={"resolution": tier})


def _media_types(call: Call) -> set[str]:
    media = obj(call, "input").get("media")
    if not isinstance(media, list):
        return set()
    return {str(item.get("type")) for item in media if isinstance(item, dict)}


def _input_seconds(call: Call, model: str) -> int:
    """Seconds of input video a task may bill besides its output (reference clips, a clip to continue)."""
    if model == "wan2.6-r2v":
        return INPUT_SECONDS
    if model in {"wan2.7-i2v", "wan2.7-r2v"} and _media_types(call) & {"first_clip", "reference_video"}:
        return INPUT_SECONDS
    return 0


def _video_model(call: Call) -> str:
    return choice(call, "model", default="", allowed=VIDEO_MODELS)


def video_price(call: Call) -> list[LineItem]:
    model = _video_model(call)
    spec = VIDEO_MODELS[model]
    parameters = obj(call, "parameters")
    tier = _tier(call, spec, parameters)
    key = f"{spec.family}/{tier}/second"
    if spec.held_seconds:
        if model == "wan2.7-videoedit" and parameters.get("duration") not in (None, 0):
            integer(call, "duration", default=0, low=2, high=spec.high, source=parameters)  # 0: the input's
        return each(key, spec.held_seconds)
    length = integer(call, "duration", default=5, low=spec.low, high=spec.high, source=parameters)
    return each(key, length + _input_seconds(call, model))


def _image_model(kind: str) -> ModelFn:
    return lambda call: choice(call, "model", default="", allowed=IMAGE_MODELS[kind])


def _image_price(kind: str) -> PriceFn:
    def price(call: Call) -> list[LineItem]:
        model = _image_model(kind)(call)
        count = integer(call, "n", default=1, low=1, high=MAX_IMAGES, source=obj(call, "parameters"))
        return each(f"{model}/image", count)

    return price


# --- Tasks --------------------------------------------------------------------------------------------------
def task_id(data: Any) -> str | None:
    return text_id(dig(data, "output", "task_id"))


def task_status(data: Any, http_status: int) -> Outcome:
    word = dig(data, "output", "task_status")
    if word == "SUCCEEDED":
        return "success"
    if word in {"FAILED", "CANCELED"}:
        return "moderated" if dig(data, "output", "code") in MODERATION_CODES else "failure"
    return "pending"  # PENDING, RUNNING (UNKNOWN is `gone`)


def _status_word(data: Any) -> str:
    return str(dig(data, "output", "task_status") or "")


def _gone(data: Any) -> bool:
    # DashScope answers a task that does not exist (or has expired after 24 h) with 200 and UNKNOWN.
    return bool(dig(data, "output", "task_status") == "UNKNOWN")


def _count(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return None
    try:
        number = float(value)
    except ValueError:
        return None
    return number if math.isfinite(number) and number > 0 else None


def _billed_seconds(usage: Mapping[str, Any]) -> float | None:
    """Seconds DashScope bills: `duration` (input + output), else its parts, else Wan 2.5's field."""
    total = _count(usage.get("duration"))
    if total is not None:
        return total
    parts = [_count(usage.get(name)) for name in ("input_video_duration", "output_video_duration")]
    if any(part is not None for part in parts):
        return sum(part or 0 for part in parts)
    return _count(usage.get("video_duration"))


def settled(data: Any, context: Mapping[str, str]) -> list[LineItem] | None:
    """What a finished task delivered, in the quoted row's units (None: the quote)."""
    key = context.get("quote_key", "")
    usage = dig(data, "usage")
    if not key or not isinstance(usage, dict):
        return None
    amount = _count(usage.get("image_count")) if key.endswith("/image") else _billed_seconds(usage)
    return None if amount is None else each(key, math.ceil(amount))


def _submit(path: str, kind: str) -> Route:
    video = kind == "video"
    return Route(
        "POST",
        path,
        f"/{path}",
        "submit",
        price=video_price if video else _image_price(kind),
        model=_video_model if video else _image_model(kind),
        job_id=task_id,
        poll_route="task",
        max_bytes=JSON_CAP,
        ttl=VIDEO_TTL if video else IMAGE_TTL,
    )


VENDOR = Vendor(
    name="wan",
    title="Alibaba Cloud Model Studio (Wan)",
    # The international (Singapore) endpoint, priced in US dollars. Keys are per region: another region's
    # endpoint (Virginia `dashscope-us`, Beijing `dashscope`) is set by VENDOR_WAN_BASE_URL.
    live_base="https://dashscope-intl.aliyuncs.com",
    sandbox_base="/wan",
    key_header="Authorization",
    key_prefix="Bearer ",
    # DashScope serves image and video synthesis only as asynchronous tasks, and says so by this header.
    extra_headers={"X-DashScope-Async": "enable"},
    routes=(
        _submit("api/v1/services/aigc/text2image/image-synthesis", "text2image"),
        _submit("api/v1/services/aigc/image2image/image-synthesis", "image2image"),
        _submit("api/v1/services/aigc/video-generation/video-synthesis", "video"),
        Route(
            "GET",
            "api/v1/tasks/{task_id:id}",
            "/api/v1/tasks/{job}",
            "poll",
            name="task",
            body="none",
            status=task_status,
            poll=Poll(job_ref=param("task_id"), settled_cost=settled, gone=_gone, status_word=_status_word),
            timeout_seconds=60,
        ),
    ),
    prices={
        **{f"{model}/image": ("image", IMAGE, BADGE) for models in IMAGE_MODELS.values() for model in models},
        **{f"wan/{tier}/second": ("second", micros, BADGE) for tier, micros in WAN_PER_SECOND.items()},
        **{
            f"{family}/{tier}/second": ("second", micros, BADGE)
            for family, table in HAPPYHORSE_PER_SECOND.items()
            for tier, micros in table.items()
        },
    },
    model_names={
        "wan": "Wan 2.5-2.7 video",
        "wan2.5-t2i-preview": "Wan 2.5 text to image",
        "wan2.5-i2i-preview": "Wan 2.5 image to image",
        "wan2.5-t2v-preview": "Wan 2.5 text to video",
        "wan2.6-t2v": "Wan 2.6 text to video",
        "wan2.5-i2v-preview": "Wan 2.5 image to video",
        "wan2.6-i2v": "Wan 2.6 image to video",
        "wan2.6-r2v": "Wan 2.6 reference to video",
        "wan2.7-t2v": "Wan 2.7 text to video",
        "wan2.7-i2v": "Wan 2.7 image to video",
        "wan2.7-r2v": "Wan 2.7 reference to video",
        "wan2.7-videoedit": "Wan 2.7 video edit",
        "happyhorse-1.0": "HappyHorse 1.0",
        "happyhorse-1.1": "HappyHorse 1.1",
        "happyhorse-1.0-t2v": "HappyHorse 1.0 text to video",
        "happyhorse-1.1-t2v": "HappyHorse 1.1 text to video",
        "happyhorse-1.0-i2v": "HappyHorse 1.0 image to video",
        "happyhorse-1.1-i2v": "HappyHorse 1.1 image to video",
        "happyhorse-1.0-r2v": "HappyHorse 1.0 reference to video",
        "happyhorse-1.1-r2v": "HappyHorse 1.1 reference to video",
        "happyhorse-1.0-video-edit": "HappyHorse 1.0 video edit",
    },
)

_SEED = Check("parameters.seed", "int", low=0, high=SEED_MAX)
# Validated before reserving (nodes/validation.py): DashScope's limits as the nodes send them.
CHECKS: dict[str, tuple[Check, ...]] = {
    "POST api/v1/services/aigc/text2image/image-synthesis": (
        text("input.prompt", max_length=2000),
        text("input.negative_prompt", required=False, max_length=500),
        Check("parameters.size", "size", required=True, low=1, high=1440),
        _SEED,
    ),
    "POST api/v1/services/aigc/image2image/image-synthesis": (
        text("input.prompt", max_length=2000),
        text("input.negative_prompt", required=False, max_length=500),
        Check("input.images", "list", required=True, max_length=2),
        _SEED,
    ),
    "POST api/v1/services/aigc/video-generation/video-synthesis": (
        Check("input", "object", required=True),
        text("input.prompt", required=False, max_length=5000),
        text("input.negative_prompt", required=False, max_length=500),
        Check("input.media", "list", required=False, max_length=10),
        Check("input.reference_video_urls", "list", required=False, max_length=3),
        _SEED,
    ),
}
