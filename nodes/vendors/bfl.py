"""Black Forest Labs (Flux): submit → poll our signed `polling_url`; BFL reports `cost` in US cents.

FLUX 3 video polls the same way; a failed video task answers its poll with an HTTP 5xx (ComfyUI's node
retries it 3 times), which the engine passes on without settling: the hold stays until the job is seen
finished, or expires uncharged."""

from __future__ import annotations

import math
from decimal import Decimal
from typing import Any

from billing.money import cents_to_micros, usd_to_micros
from comfyweb.errors import ApiError
from nodes.engine.types import Call, LineItem, Poll, Route, Vendor
from nodes.vendors.common import (
    IMAGE_TTL,
    JSON_CAP,
    VIDEO_TTL,
    Check,
    choice,
    dig,
    each,
    integer,
    named,
    status_of,
    text,
    text_id,
)

BADGE = "ComfyUI price badge (comfy_api_nodes/nodes_bfl.py, 2026)"
OLD_BADGE = "ComfyUI price badge (ComfyUI_frontend useNodePricing.ts, 2025)"
PER_IMAGE = {
    "flux-pro-1.1-ultra": (60_000, BADGE),
    "flux-kontext-pro": (40_000, OLD_BADGE),
    "flux-kontext-max": (80_000, OLD_BADGE),
    "flux-pro-1.0-expand": (50_000, BADGE),
    "flux-pro-1.0-fill": (50_000, BADGE),
    "flux-pro-1.0-canny": (50_000, OLD_BADGE),
    "flux-pro-1.0-depth": (50_000, OLD_BADGE),
    "flux-pro-1.1": (
        40_000,
        "estimate: BFL's FLUX1.1 [pro] list price; no ComfyUI node still calls it, so no badge to check",
    ),
}
# FLUX.2 per megapixel (1024 x 1024 pixels) of output, the first at a higher rate: [pro] $0.03 + $0.015 per
# further MP, [max] $0.07 + $0.03; reference images add the further-MP rate per megapixel (ComfyUI's badge).
FIRST_MEGAPIXEL = {"flux-2-pro": 30_000, "flux-2-max": 70_000}
PER_MEGAPIXEL = {"flux-2-pro": 15_000, "flux-2-max": 30_000}
MEGAPIXEL = 1024 * 1024
# ComfyUI downscales each reference to at most 2048 x 2048 (4 MP); its size is not read here, so every
# input image holds 4 MP (BFL reports the real `cost`, which settles the call below this hold).
INPUT_IMAGE_MEGAPIXELS = 4
# The flux-tools badges are ranges (by image size); the top of the range is held, BFL's `cost` settles.
TOOLS = {"erase-v1": 60_000, "vto-v1": 75_000}
INPUT_IMAGES = ("input_image", *(f"input_image_{i}" for i in range(2, 11)))

# FLUX 3 video (`POST v1/flux-3-video`), per second of output by `mode` and `resolution` ("hd" is the node's
# 720p, "fhd" its 1080p): text and image to video at one rate, continuing a video (v2v) at a higher one.
FLUX3_BADGE = "ComfyUI 0.30.0 price badge, nodes_bfl.py Flux3*VideoNode (2026-12-08): $ per second"
FLUX3_PER_SECOND = {
    ("t2v", "hd"): 243_100,
    ("t2v", "fhd"): 414_700,
    ("i2v", "hd"): 243_100,
    ("i2v", "fhd"): 414_700,
    ("v2v", "hd"): 586_300,
    ("v2v", "fhd"): 757_900,
}
# The node offers "auto" or 5..20 s; "auto" lets BFL pick the length, so the hold is the longest clip and
# BFL's reported `cost` settles it.
FLUX3_SECONDS = (5, 20)
FLUX3_MAX_KEYFRAMES = 10


def _flux2(call: Call, model: str) -> list[LineItem]:
    width = integer(call, "width", default=1024, low=64, high=4096)
    height = integer(call, "height", default=1024, low=64, high=4096)
    extra = max(1, math.ceil(width * height / MEGAPIXEL)) - 1
    inputs = sum(1 for key in INPUT_IMAGES if call.body.value(key))
    extra += inputs * INPUT_IMAGE_MEGAPIXELS
    return [*each(f"{model}/first-megapixel"), *(each(f"{model}/megapixel", extra) if extra else [])]


def price(call: Call) -> list[LineItem]:
    model = call.params["model"]
    if model in FIRST_MEGAPIXEL:
        return _flux2(call, model)
    return each(f"{model}/image")


def _flux3_seconds(call: Call) -> int:
    low, high = FLUX3_SECONDS
    if call.body.value("duration") in (None, "auto"):
        return high
    return integer(call, "duration", default=high, low=low, high=high)


def _flux3_inputs(call: Call, mode: str) -> None:
    """What each mode cannot run without (ComfyUI's node refuses these before sending)."""
    if mode == "i2v":
        keyframes = call.body.value("keyframes")
        if not isinstance(keyframes, list) or not 1 <= len(keyframes) <= FLUX3_MAX_KEYFRAMES:
            raise ApiError(400, "invalid_request", f"keyframes must list 1 to {FLUX3_MAX_KEYFRAMES} images.")
    if mode == "v2v":
        start = call.body.value("start_video")
        if not isinstance(start, str) or not start.strip():
            raise ApiError(400, "invalid_request", "start_video is required to continue a video.")


def flux3_price(call: Call) -> list[LineItem]:
    mode = choice(call, "mode", default="t2v", allowed=("t2v", "i2v", "v2v"))
    resolution = choice(call, "resolution", default="hd", allowed=("hd", "fhd"))
    _flux3_inputs(call, mode)
    return each(f"flux-3-video/{mode}/{resolution}/second", _flux3_seconds(call))


def tool_price(call: Call) -> list[LineItem]:
    return each(f"flux-tools/{call.params['tool']}/image")


def reported_cost(data: Any, call: Call) -> int | None:
    """BFL's submit reply carries `cost` in US cents (may be fractional)."""
    cost = dig(data, "cost")
    if isinstance(cost, bool) or not isinstance(cost, int | float) or cost < 0:
        return None
    if isinstance(cost, int):
        return cents_to_micros(cost)
    return usd_to_micros((Decimal(str(cost)) / 100).quantize(Decimal("0.000001")))


def job_id(data: Any) -> str | None:
    return text_id(dig(data, "id"))


MODELS = "|".join([*PER_IMAGE, *FIRST_MEGAPIXEL])
POLL_STATUS = status_of(
    "status",
    success={"Ready"},
    failure={"Error", "Task not found"},
    moderated={"Request Moderated", "Content Moderated"},
)

VENDOR = Vendor(
    name="bfl",
    title="Black Forest Labs",
    live_base="https://api.bfl.ai/v1",
    sandbox_base="/bfl/v1",
    key_header="x-key",
    routes=(
        Route(
            "POST",
            f"{{model={MODELS}}}/generate",
            "/{model}",
            "submit",
            price=price,
            model=lambda call: call.params["model"],
            job_id=job_id,
            poll_route="poll",
            signed_poll_url="polling_url",
            cost=reported_cost,
            max_bytes=JSON_CAP,
            ttl=IMAGE_TTL,
            timeout_seconds=60,
        ),
        Route(
            "POST",
            "v1/flux-tools/{tool=erase-v1|vto-v1}",
            "/flux-tools/{tool}",
            "submit",
            price=tool_price,
            model=lambda call: f"flux-tools/{call.params['tool']}",
            job_id=job_id,
            poll_route="poll",
            signed_poll_url="polling_url",
            cost=reported_cost,
            max_bytes=JSON_CAP,
            ttl=IMAGE_TTL,
            timeout_seconds=60,
        ),
        Route(
            "POST",
            "v1/flux-3-video",
            "/flux-3-video",
            "submit",
            price=flux3_price,
            model=named("flux-3-video"),
            job_id=job_id,
            poll_route="poll",
            signed_poll_url="polling_url",
            cost=reported_cost,
            max_bytes=JSON_CAP,
            ttl=VIDEO_TTL,
            timeout_seconds=60,
        ),
        # The signed polling URL handed out instead of BFL's own (comfy-contract §5.3): no auth, one job.
        Route(
            "GET",
            "poll/{token:token}",
            "/get_result?id={job}",
            "poll",
            name="poll",
            body="none",
            status=POLL_STATUS,
            public=True,
            poll=Poll(gone=lambda data: dig(data, "status") == "Task not found"),
            timeout_seconds=60,
        ),
    ),
    prices={
        **{f"{model}/image": ("image", micros, source) for model, (micros, source) in PER_IMAGE.items()},
        **{
            f"{model}/first-megapixel": ("megapixel", micros, BADGE + ": first output MP")
            for model, micros in FIRST_MEGAPIXEL.items()
        },
        **{
            f"{model}/megapixel": ("megapixel", micros, BADGE + ": each further output or input MP")
            for model, micros in PER_MEGAPIXEL.items()
        },
        **{
            f"flux-tools/{tool}/image": ("image", micros, BADGE + ": top of the badge's range")
            for tool, micros in TOOLS.items()
        },
        **{
            f"flux-3-video/{mode}/{resolution}/second": ("second", micros, FLUX3_BADGE)
            for (mode, resolution), micros in FLUX3_PER_SECOND.items()
        },
    },
    model_names={"flux-3-video": "FLUX 3 Video"},
)

# Validated before reserving (nodes/validation.py): the prompt of the generators that need one.
CHECKS: dict[str, tuple[Check, ...]] = {
    "POST {model}/generate": (
        text("prompt", model=("flux-pro-1.1-ultra", "flux-kontext-pro", "flux-kontext-max", "flux-pro-1.1")),
        text("prompt", model=("flux-2-pro", "flux-2-max")),
    ),
    "POST v1/flux-3-video": (text("prompt"),),
}
