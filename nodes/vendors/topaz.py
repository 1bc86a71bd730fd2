"""Topaz Labs: image enhance (submit → status → download) and the multi-step video flow.

Video: POST `video/` (Topaz's free estimate) → PATCH `video/{id}/accept` (Topaz reserves the credits and
hands out upload URLs) → PUT to that URL (not through /proxy) → PATCH `video/{id}/complete-upload` →
GET `video/{id}/status`. Accepting commits Topaz to the work, and the accept call carries no request to
price, so the platform holds the most the request can cost at the create step, lets the accept and
complete-upload steps through only while that hold is open, and settles on the terminal status at the
credits Topaz estimated (`estimates.cost[0]`, the node's own price). A flow abandoned before the accept
never finishes; its hold is released when it expires (the sweeper).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from comfyweb.errors import ApiError
from nodes.engine.types import Call, LineItem, Outcome, Poll, Route, Vendor
from nodes.vendors.common import (
    IMAGE_TTL,
    JSON_CAP,
    MULTIPART_CAP,
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

BADGE = "ComfyUI 0.30.0 price badges and price extractors, nodes_topaz.py (2026-12-07)"
# Image: per started 8 MP of output, and what one Topaz credit costs (the node's price_extractor).
IMAGE_PER_8MP = {"Reimagine": 320_000, "Bloom 2": 457_600, "Wonder 3.5": 114_400}
IMAGE_PER_CREDIT = {"Reimagine": 80_000, "Bloom 2": 114_400, "Wonder 3.5": 114_400}
BLOCK_PIXELS = 8_000_000
LARGEST_SOURCE = 4096 * 4096  # ComfyUI uploads at most this many pixels; no output size asked → the source's
SIDE_MAX = 32_000  # the nodes' output_width / output_height maximum
# Video: Topaz credits per source frame, in hundredths, by model and HD / UHD output (the V2 badge's table);
# frame interpolation adds its own per source frame, times the slow-motion factor.
UPSCALE_CENTI_CREDITS = {
    "slf-1": (43, 85),
    "slp-2.5": (70, 154),
    "ast-2": (172, 285),
    "slc-1": (225, 399),
}
INTERPOLATE_CENTI_CREDITS = {"apo-8": (14, 28)}
VIDEO_PER_CREDIT = 80_000
FRAMES_MAX = 10_000_000
HD_LONG_SIDE = 1920  # above it, Topaz's UHD rates apply


def _image_model(call: Call) -> str:
    return choice(call, "model", default="Reimagine", allowed=IMAGE_PER_8MP)


def image_price(call: Call) -> list[LineItem]:
    model = _image_model(call)
    width = integer(call, "output_width", default=0, low=0, high=SIDE_MAX)
    height = integer(call, "output_height", default=0, low=0, high=SIDE_MAX)
    if width and height:
        pixels = width * height
    elif width or height:
        pixels = max(width, height) ** 2  # the other side follows the source's shape, unknown here
    else:
        pixels = LARGEST_SOURCE
    return each(f"image/{model}", math.ceil(pixels / BLOCK_PIXELS))


def image_settled(data: Any, context: Mapping[str, str]) -> int | None:
    """The credits Topaz reports, at the model's credit price (micro-USD); None: the quote."""
    reported = dig(data, "credits")
    model = context.get("quote_key", "").split("/")[1:2]
    if isinstance(reported, bool) or not isinstance(reported, int) or reported < 0 or not model:
        return None
    rate = IMAGE_PER_CREDIT.get(model[0])
    return reported * rate if rate is not None else None


def _uhd(output: Mapping[str, Any]) -> bool:
    resolution = output.get("resolution") if isinstance(output, dict) else None
    sides = [dig(resolution, "width"), dig(resolution, "height")]
    return any(isinstance(side, int) and not isinstance(side, bool) and side > HD_LONG_SIDE for side in sides)


def _frames(call: Call, source: dict[str, Any]) -> int:
    count = integer(call, "frameCount", default=1, low=1, high=FRAMES_MAX, source=source)
    seconds = integer(call, "duration", default=0, low=0, high=FRAMES_MAX, source=source)
    rate = integer(call, "frameRate", default=0, low=0, high=1000, source=source)
    return max(count, seconds * rate)  # the declared count, never fewer than its length says


def _centi_credits_per_frame(call: Call, filters: Any, uhd: bool) -> int:
    if not isinstance(filters, list) or not filters:
        raise ApiError(400, "invalid_request", "filters must be a non-empty list.")
    total = 0
    for item in filters:
        model = dig(item, "model")
        if model in UPSCALE_CENTI_CREDITS:
            total += UPSCALE_CENTI_CREDITS[model][uhd]
        elif model in INTERPOLATE_CENTI_CREDITS:
            slowmo = integer(call, "slowmo", default=1, low=1, high=16, source=item)
            total += INTERPOLATE_CENTI_CREDITS[model][uhd] * slowmo
        else:
            raise ApiError(
                422, "price_unavailable", f"This request cannot be priced: model={str(model)[:40]!r}."
            )
    return total


def video_price(call: Call) -> list[LineItem]:
    source = obj(call, "source")
    per_frame = _centi_credits_per_frame(call, call.body.value("filters"), _uhd(obj(call, "output")))
    return each("video/credit", math.ceil(_frames(call, source) * per_frame / 100))


def video_settled(data: Any, context: Mapping[str, str]) -> list[LineItem] | None:
    """The credits Topaz estimated for the job (`estimates.cost[0]`, what the node shows); None: the quote."""
    estimate = dig(data, "estimates", "cost", 0)
    if isinstance(estimate, bool) or not isinstance(estimate, int) or estimate <= 0:
        return None
    return each("video/credit", estimate)


def _status(success: set[str], failure: set[str]) -> Any:
    """Topaz's status words in any case (the node lower-cases them)."""

    def status(data: Any, http_status: int) -> Outcome:
        word = str(dig(data, "status") or "").strip().lower()
        if word in success:
            return "success"
        if word in failure:
            return "failure"
        return "pending"

    return status


FAILED = {"failed", "cancelled", "canceled", "error"}
IMAGE_STATUS = _status({"completed", "complete"}, FAILED)
VIDEO_STATUS = _status({"complete", "completed"}, FAILED)


def _video_model(call: Call) -> str:
    filters = call.body.value("filters")
    models = [str(dig(item, "model")) for item in filters] if isinstance(filters, list) else []
    return "+".join(models)[:120]


VENDOR = Vendor(
    name="topaz",
    title="Topaz Labs",
    live_base="https://api.topazlabs.com",
    sandbox_base="/topaz",
    key_header="X-API-Key",
    routes=(
        Route(
            "POST",
            "image/v1/enhance-gen/async",
            "/image/v1/enhance-gen/async",
            "submit",
            body="multipart",
            price=image_price,
            model=_image_model,
            job_id=lambda data: text_id(dig(data, "process_id")),
            poll_route="image-status",
            max_bytes=MULTIPART_CAP,
            ttl=IMAGE_TTL,
        ),
        Route(
            "GET",
            "image/v1/status/{id:id}",
            "/image/v1/status/{job}",
            "poll",
            name="image-status",
            body="none",
            status=IMAGE_STATUS,
            poll=Poll(
                job_ref=param("id"),
                settled_cost=image_settled,
                result_ref=lambda data: text_id(dig(data, "process_id")) or "",
            ),
            timeout_seconds=60,
        ),
        Route(
            "GET",
            "image/v1/download/{id:id}",
            "/image/v1/download/{id}",
            "download",
            body="none",
            poll=Poll(job_ref=param("id")),
            timeout_seconds=60,
        ),
        Route(
            "POST",
            "video/",
            "/video/",
            "submit",
            price=video_price,
            model=_video_model,
            job_id=lambda data: text_id(dig(data, "requestId")),
            poll_route="video-status",
            max_bytes=JSON_CAP,
            ttl=VIDEO_TTL,
        ),
        Route(
            "PATCH",
            "video/{id:id}/accept",
            "/video/{id}/accept",
            "step",
            poll=Poll(job_ref=param("id")),
            timeout_seconds=60,
        ),
        Route(
            "PATCH",
            "video/{id:id}/complete-upload",
            "/video/{id}/complete-upload/",
            "step",
            poll=Poll(job_ref=param("id")),
            timeout_seconds=120,
        ),
        Route(
            "GET",
            "video/{id:id}/status",
            "/video/{job}/status",
            "poll",
            name="video-status",
            body="none",
            status=VIDEO_STATUS,
            poll=Poll(job_ref=param("id"), settled_cost=video_settled),
            timeout_seconds=60,
        ),
    ),
    prices={
        **{f"image/{model}": ("8 MP", micros, BADGE) for model, micros in IMAGE_PER_8MP.items()},
        "video/credit": ("credit", VIDEO_PER_CREDIT, BADGE + ": estimates.cost[0] x $0.08"),
    },
    model_names={
        "Reimagine": "Reimagine",
        "Bloom 2": "Bloom 2",
        "Wonder 3.5": "Wonder 3.5",
        "slf-1": "Starlight (Astra) Fast",
        "slc-1": "Starlight (Astra) Creative",
        "slp-2.5": "Starlight Precise 2.5",
        "ast-2": "Astra 2",
        "apo-8": "Apollo 8",
    },
)

# Validated before reserving (nodes/validation.py).
CHECKS: dict[str, tuple[Check, ...]] = {
    "POST image/v1/enhance-gen/async": (
        text("source_url", max_length=100_000),
        text("prompt", required=False, max_length=2000),
    ),
    "POST video/": (
        Check("source", "object", required=True),
        Check("filters", "list", required=True, max_length=4),
        Check("output", "object", required=True),
    ),
    "PATCH video/{id}/complete-upload": (Check("uploadResults", "list", required=True, max_length=150),),
}
