"""Luma Dream Machine (v1 and the newer luma_2 API): submit → GET generations/{id}."""

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
    seconds,
    status_of,
    text,
    text_id,
)

# Luma's list price: Ray 2 is about $0.08/s at 540p (Luma's build-tier rate as listed by plans.apis.io, 2026),
# as ComfyUI's older badges show. Its current Luma v1 badges are 1.43 times these figures (Comfy.org's own
# rate: ray-2 540p 5 s $0.57 vs $0.40, photon-1 $0.0104 vs $0.0073), so the older badges are used here.
BADGE = "ComfyUI price badge (ComfyUI_frontend useNodePricing.ts, LumaVideoNode, 2025): 5 s price / 5"
IMAGE_SOURCE = "ComfyUI price badge (ComfyUI_frontend useNodePricing.ts, LumaImageNode, 2025)"
V2_SOURCE = "ComfyUI price badge (comfy_api_nodes/nodes_luma.py, 2026)"
# Per second of video (the 5 s price / 5).
VIDEO_PER_SECOND = {
    ("ray-2", "540p"): 80_000,
    ("ray-2", "720p"): 142_000,
    ("ray-2", "1080p"): 318_000,
    ("ray-2", "4k"): 1_274_000,
    ("ray-flash-2", "540p"): 28_000,
    ("ray-flash-2", "720p"): 48_000,
    ("ray-flash-2", "1080p"): 110_000,
    ("ray-flash-2", "4k"): 438_000,
}
RAY_1_6 = 350_000  # per video: ray-1-6 takes no duration or resolution
IMAGE = {"photon-1": 7_300, "photon-flash-1": 1_900}
# luma_2 (Luma's newer API): UNI-1 images per request plus $0.003 per reference image.
UNI_IMAGE = {
    ("image", "uni-1"): 40_400,
    ("image", "uni-1-max"): 100_000,
    ("image_edit", "uni-1"): 43_400,
    ("image_edit", "uni-1-max"): 103_000,
}
UNI_REFERENCE = 3_000
# Ray 3.2 per video by resolution and length ("5s" / "10s"); an edit is priced by its source's length.
RAY_3_2 = {
    ("video", "360p", "5s"): 60_000,
    ("video", "540p", "5s"): 150_000,
    ("video", "720p", "5s"): 300_000,
    ("video", "1080p", "5s"): 1_200_000,
    ("video", "360p", "10s"): 180_000,
    ("video", "540p", "10s"): 450_000,
    ("video", "720p", "10s"): 900_000,
    ("video", "1080p", "10s"): 3_600_000,
    ("video_edit", "360p", "5s"): 540_000,
    ("video_edit", "540p", "5s"): 720_000,
    ("video_edit", "720p", "5s"): 1_080_000,
    ("video_edit", "1080p", "5s"): 2_160_000,
    ("video_edit", "360p", "10s"): 1_080_000,
    ("video_edit", "540p", "10s"): 1_440_000,
    ("video_edit", "720p", "10s"): 2_160_000,
    ("video_edit", "1080p", "10s"): 4_320_000,
}
REFRAME_PER_SECOND = {"360p": 30_000, "540p": 60_000, "720p": 120_000, "1080p": 360_000}
REFRAME_MAX_SECONDS = 30  # the source (and so the output) is at most 30 s; Luma reports no length up front
RESOLUTIONS = ("360p", "540p", "720p", "1080p")  # unstated resolution or length: the most it can cost


def video_price(call: Call) -> list[LineItem]:
    model = choice(call, "model", default="ray-2", allowed=("ray-2", "ray-flash-2", "ray-1-6"))
    if model == "ray-1-6":
        return each("video/ray-1-6")
    resolution = choice(call, "resolution", default="4k", allowed=("540p", "720p", "1080p", "4k"))
    duration = seconds(call, "duration", default=9, low=1, high=10)
    return each(f"video/{model}/{resolution}/second", duration)


def image_price(call: Call) -> list[LineItem]:
    return each(f"image/{choice(call, 'model', default='photon-1', allowed=IMAGE)}")


def _v2_kind(call: Call) -> str:
    model = call.body.value("model")
    default = "image" if isinstance(model, str) and model.startswith("uni") else "video"
    return choice(
        call,
        "type",
        default=default,
        allowed=("image", "image_edit", *{k for k, _r, _d in RAY_3_2}, "video_reframe"),
    )


def v2_price(call: Call) -> list[LineItem]:
    kind = _v2_kind(call)
    if kind in ("image", "image_edit"):
        model = choice(call, "model", default="uni-1", allowed=("uni-1", "uni-1-max"))
        refs = call.body.value("image_ref")
        count = len(refs) if isinstance(refs, list) else 0
        return [*each(f"v2/{kind}/{model}"), *(each("v2/image-reference", count) if count else [])]
    choice(call, "model", default="ray-3.2", allowed=("ray-3.2",))
    options = call.body.value("video")
    video = options if isinstance(options, dict) else {}
    resolution = choice(call, "resolution", default="1080p", allowed=RESOLUTIONS, source=video)
    if kind == "video_reframe":
        return each(f"v2/ray-3.2/reframe/{resolution}/second", REFRAME_MAX_SECONDS)
    duration = choice(call, "duration", default="10s", allowed=("5s", "10s"), source=video)
    return each(f"v2/ray-3.2/{kind}/{resolution}/{duration}")


def job_id(data: Any) -> str | None:
    return text_id(dig(data, "id"))


POLL = status_of("state", success={"completed"}, failure={"failed"})

VENDOR = Vendor(
    name="luma",
    title="Luma",
    live_base="https://api.lumalabs.ai/dream-machine",
    sandbox_base="/luma/dream-machine",
    key_header="Authorization",
    key_prefix="Bearer ",
    routes=(
        Route(
            "POST",
            "generations/image",
            "/v1/generations/image",
            "submit",
            price=image_price,
            job_id=job_id,
            poll_route="poll",
            max_bytes=JSON_CAP,
            ttl=IMAGE_TTL,
        ),
        Route(
            "POST",
            "generations",
            "/v1/generations",
            "submit",
            price=video_price,
            job_id=job_id,
            poll_route="poll",
            max_bytes=JSON_CAP,
            ttl=VIDEO_TTL,
        ),
        Route(
            "GET",
            "generations/{id:id}",
            "/v1/generations/{job}",
            "poll",
            name="poll",
            body="none",
            status=POLL,
            poll=Poll(job_ref=param("id")),
            timeout_seconds=60,
        ),
    ),
    prices={
        **{
            f"video/{model}/{res}/second": ("second", micros, BADGE)
            for (model, res), micros in VIDEO_PER_SECOND.items()
        },
        "video/ray-1-6": (
            "video",
            RAY_1_6,
            "ComfyUI price badge (ComfyUI_frontend useNodePricing.ts, 2025): $0.35/run",
        ),
        **{f"image/{model}": ("image", micros, IMAGE_SOURCE) for model, micros in IMAGE.items()},
    },
)

VENDOR_V2 = Vendor(
    name="luma_2",
    title="Luma (v2 API)",
    live_base="https://api.lumalabs.ai/dream-machine",
    sandbox_base="/luma/dream-machine",
    key_header="Authorization",
    key_prefix="Bearer ",
    sandbox_name="luma",
    routes=(
        Route(
            "POST",
            "generations",
            "/v2/generations",
            "submit",
            price=v2_price,
            job_id=job_id,
            poll_route="poll",
            max_bytes=JSON_CAP,
            ttl=VIDEO_TTL,
        ),
        Route(
            "GET",
            "generations/{id:id}",
            "/v2/generations/{job}",
            "poll",
            name="poll",
            body="none",
            status=POLL,
            poll=Poll(job_ref=param("id")),
            timeout_seconds=60,
        ),
    ),
    prices={
        **{
            f"v2/{kind}/{model}": ("image", micros, V2_SOURCE + "; matches Luma's published UNI-1 rate")
            for (kind, model), micros in UNI_IMAGE.items()
        },
        "v2/image-reference": ("reference image", UNI_REFERENCE, V2_SOURCE),
        **{
            f"v2/ray-3.2/{kind}/{res}/{dur}": ("video", micros, V2_SOURCE)
            for (kind, res, dur), micros in RAY_3_2.items()
        },
        **{
            f"v2/ray-3.2/reframe/{res}/second": ("second", micros, V2_SOURCE)
            for res, micros in REFRAME_PER_SECOND.items()
        },
    },
)

# Validated before reserving (nodes/validation.py).
CHECKS: dict[str, tuple[Check, ...]] = {
    "POST generations/image": (text("prompt"),),
    "POST generations": (text("prompt"),),
}
CHECKS_V2: dict[str, tuple[Check, ...]] = {"POST generations": (text("prompt"),)}
