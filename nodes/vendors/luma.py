"""Luma Dream Machine (v1 and the newer luma_2 API): submit → GET generations/{id}."""

from __future__ import annotations

from typing import Any

from nodes.engine.types import Call, LineItem, Route, Vendor
from nodes.vendors.common import (
    IMAGE_TTL,
    JSON_CAP,
    VIDEO_TTL,
    choice,
    dig,
    each,
    param,
    seconds,
    status_of,
    text_id,
)

SOURCE = "Luma API list price (lumalabs.ai/api pricing), seeded default: check before going live"
ESTIMATE = "estimate for the luma_2 API; verify before production"
# Per second of video (the 5 s price / 5).
VIDEO_PER_SECOND = {
    ("ray-2", "540p"): 100_000,
    ("ray-2", "720p"): 142_000,
    ("ray-2", "1080p"): 318_000,
    ("ray-2", "4k"): 1_274_000,
    ("ray-flash-2", "540p"): 34_000,
    ("ray-flash-2", "720p"): 48_000,
    ("ray-flash-2", "1080p"): 108_000,
    ("ray-flash-2", "4k"): 436_000,
    ("ray-1-6", "540p"): 100_000,
    ("ray-1-6", "720p"): 100_000,
    ("ray-1-6", "1080p"): 100_000,
    ("ray-1-6", "4k"): 100_000,
}
IMAGE = {"photon-1": 7_300, "photon-flash-1": 1_900}


def video_price(call: Call) -> list[LineItem]:
    model = choice(call, "model", default="ray-2", allowed=("ray-2", "ray-flash-2", "ray-1-6"))
    resolution = choice(
        call,
        "resolution",
        default="4k" if model != "ray-1-6" else "540p",
        allowed=("540p", "720p", "1080p", "4k"),
    )
    duration = seconds(call, "duration", default=9, low=1, high=10)
    return each(f"video/{model}/{resolution}/second", duration)


def image_price(call: Call) -> list[LineItem]:
    return each(f"image/{choice(call, 'model', default='photon-1', allowed=IMAGE)}")


def v2_price(call: Call) -> list[LineItem]:
    kind = call.body.value("type")
    model = call.body.value("model")
    is_image = kind == "image" or (isinstance(model, str) and model.startswith("photon"))
    return (
        each("v2/image")
        if is_image
        else each("v2/video/second", seconds(call, "duration", default=10, low=1, high=20))
    )


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
            job_ref=param("id"),
            timeout_seconds=60,
        ),
    ),
    prices={
        **{
            f"video/{model}/{res}/second": ("second", micros, SOURCE)
            for (model, res), micros in VIDEO_PER_SECOND.items()
        },
        **{f"image/{model}": ("image", micros, SOURCE) for model, micros in IMAGE.items()},
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
            job_ref=param("id"),
            timeout_seconds=60,
        ),
    ),
    prices={"v2/image": ("image", 30_000, ESTIMATE), "v2/video/second": ("second", 320_000, ESTIMATE)},
)
