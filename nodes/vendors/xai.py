"""xAI Grok Imagine: images (sync, charged what xAI reports) and videos (submit → poll `videos/{id}`,
charged what the finished job reports), priced like ComfyUI's Grok badges."""

from __future__ import annotations

from typing import Any

from nodes.engine.types import Call, LineItem, Outcome, Poll, Route, Vendor
from nodes.vendors.common import (
    IMAGE_TTL,
    JSON_CAP,
    VIDEO_TTL,
    Check,
    choice,
    dig,
    each,
    integer,
    param,
    text,
    text_id,
)

BADGE = "ComfyUI 0.30.0 price badge, nodes_grok.py (2026-12-07)"
QUALITY = "grok-imagine-image-quality"
IMAGE_MODELS = (QUALITY, "grok-imagine-image-pro", "grok-imagine-image")
VIDEO = "grok-imagine-video"
VIDEO_15 = "grok-imagine-video-1.5"
# Per output image; the quality model by resolution (the node sends "1k" / "2k").
PER_IMAGE = {
    f"{QUALITY}/1k": 50_000,
    f"{QUALITY}/2k": 70_000,
    "grok-imagine-image-pro": 70_000,
    "grok-imagine-image": 20_000,
}
# Per image an edit reads (the badge's "base"); the nodes send up to 3 (the pro model 1).
PER_INPUT_IMAGE = {QUALITY: 10_000, "grok-imagine-image-pro": 2_000, "grok-imagine-image": 2_000}
# The video badges multiply xAI's rates by 1.43 for grok-imagine-video-1.5, for reference-to-video and for
# extensions (and so do the nodes' price extractors): those rows carry the factor, rounded to micro-dollars.
VIDEO_PER_SECOND = {
    f"{VIDEO}/480p": 50_000,
    f"{VIDEO}/720p": 70_000,
    f"{VIDEO}/reference/480p": 71_500,
    f"{VIDEO}/reference/720p": 100_100,
    f"{VIDEO_15}/480p": 114_400,
    f"{VIDEO_15}/720p": 200_200,
    f"{VIDEO_15}/1080p": 357_500,
}
VIDEO_INPUT_IMAGE = {VIDEO: 2_000, f"{VIDEO}/reference": 2_860, VIDEO_15: 14_300}
RESOLUTIONS = {VIDEO: ("480p", "720p"), VIDEO_15: ("480p", "720p", "1080p")}
EXTEND_PER_SECOND = 71_500  # $0.05/s x 1.43
EXTEND_INPUT_VIDEO = 214_500  # the badge's top for reading the source video ($0.15 x 1.43)
EDIT_PER_SECOND = 60_000  # the badge's approximate $0.06/s
EDIT_SECONDS = 9  # the edit node takes videos up to 8.7 s; the output is as long
MAX_REFERENCES = 7
MARKUP_15 = 1.43  # what the nodes' price extractor applies to grok-imagine-video-1.5's reported cost
TICKS_PER_MICRO = 10_000  # xAI reports `usage.cost_in_usd_ticks`, 1e-10 USD each


def _count(call: Call, name: str) -> int:
    value = call.body.value(name)
    return len(value) if isinstance(value, list) else 0


def _image_row(call: Call, model: str) -> str:
    if model != QUALITY:
        return model
    return f"{QUALITY}/" + choice(call, "resolution", default="1k", allowed=("1k", "2k"))


def image_price(call: Call) -> list[LineItem]:
    model = choice(call, "model", default="grok-imagine-image", allowed=IMAGE_MODELS)
    count = integer(call, "n", default=1, low=1, high=10)
    return each(f"{_image_row(call, model)}/image", count)


def edit_image_price(call: Call) -> list[LineItem]:
    model = choice(call, "model", default="grok-imagine-image", allowed=IMAGE_MODELS)
    count = integer(call, "n", default=1, low=1, high=10)
    inputs = max(1, _count(call, "images"))
    return [*each(f"{_image_row(call, model)}/image", count), *each(f"{model}/input-image", inputs)]


def video_price(call: Call) -> list[LineItem]:
    model = choice(call, "model", default=VIDEO, allowed=RESOLUTIONS)
    resolution = choice(call, "resolution", default="480p", allowed=RESOLUTIONS[model])
    duration = integer(call, "duration", default=6, low=1, high=15)
    references = _count(call, "reference_images")
    row = f"{VIDEO}/reference" if references and model == VIDEO else model
    items = each(f"{row}/{resolution}/second", duration)
    images = references or (1 if isinstance(call.body.value("image"), dict) else 0)
    if images:
        items += each(f"{row}/input-image", images)
    return items


def extend_price(call: Call) -> list[LineItem]:
    duration = integer(call, "duration", default=6, low=1, high=15)
    return [*each("extend/second", duration), *each("extend/input-video")]


def edit_video_price(call: Call) -> list[LineItem]:
    choice(call, "model", default=VIDEO, allowed=(VIDEO,))
    return each("edit/second", EDIT_SECONDS)


def _micros(ticks: Any) -> float | None:
    if isinstance(ticks, bool) or not isinstance(ticks, int | float) or ticks < 0:
        return None
    return ticks / TICKS_PER_MICRO


def image_cost(data: Any, call: Call) -> int | None:
    """What xAI reports the images cost; None (no usage): the quote."""
    micros = _micros(dig(data, "usage", "cost_in_usd_ticks"))
    return None if micros is None else round(micros)


def video_cost(data: Any, context: Any) -> int | None:
    """What the finished video cost by xAI's report, times the 1.5 model's factor the node applies; the
    reference and extension factor cannot be told from the poll reply, so those are charged xAI's figure."""
    micros = _micros(dig(data, "usage", "cost_in_usd_ticks"))
    if micros is None:
        return None
    return round(micros * (MARKUP_15 if dig(data, "model") == VIDEO_15 else 1))


def request_id(data: Any) -> str | None:
    return text_id(dig(data, "request_id"))


def video_status(data: Any, http_status: int) -> Outcome:
    """`pending` until `done`; a reply with a video and no status is finished (the node reads it so)."""
    status = dig(data, "status")
    if status in ("done", "complete", "completed") or (status is None and dig(data, "video", "url")):
        return "success"
    if status in ("failed", "expired", "error"):
        return "failure"
    return "pending"


def _video_model(call: Call) -> str:
    model = call.body.value("model")
    return model if isinstance(model, str) and model in RESOLUTIONS else VIDEO


def _submit(path: str, price: Any, **extra: Any) -> Route:
    return Route(
        "POST",
        path,
        "/" + path,
        "submit",
        price=price,
        model=_video_model,
        job_id=request_id,
        poll_route="video",
        max_bytes=JSON_CAP,
        ttl=VIDEO_TTL,
        **extra,
    )


VENDOR = Vendor(
    name="xai",
    title="xAI Grok",
    live_base="https://api.x.ai",
    sandbox_base="/xai",
    key_header="Authorization",
    key_prefix="Bearer ",
    routes=(
        Route(
            "POST",
            "v1/images/generations",
            "/v1/images/generations",
            "sync",
            price=image_price,
            cost=image_cost,
            max_bytes=JSON_CAP,
            ttl=IMAGE_TTL,
            timeout_seconds=300,
        ),
        Route(
            "POST",
            "v1/images/edits",
            "/v1/images/edits",
            "sync",
            price=edit_image_price,
            cost=image_cost,
            max_bytes=JSON_CAP,
            ttl=IMAGE_TTL,
            timeout_seconds=300,
        ),
        _submit("v1/videos/generations", video_price),
        _submit("v1/videos/edits", edit_video_price),
        _submit("v1/videos/extensions", extend_price),
        Route(
            "GET",
            "v1/videos/{request_id:id}",
            "/v1/videos/{job}",
            "poll",
            name="video",
            body="none",
            status=video_status,
            poll=Poll(job_ref=param("request_id"), settled_cost=video_cost),
            timeout_seconds=60,
        ),
    ),
    prices={
        **{f"{row}/image": ("image", micros, BADGE) for row, micros in PER_IMAGE.items()},
        **{f"{model}/input-image": ("input image", m, BADGE) for model, m in PER_INPUT_IMAGE.items()},
        **{f"{row}/second": ("second", micros, BADGE) for row, micros in VIDEO_PER_SECOND.items()},
        **{f"{row}/input-image": ("input image", m, BADGE) for row, m in VIDEO_INPUT_IMAGE.items()},
        "extend/second": ("second", EXTEND_PER_SECOND, BADGE),
        "extend/input-video": ("source video", EXTEND_INPUT_VIDEO, BADGE),
        "edit/second": ("second", EDIT_PER_SECOND, BADGE),
    },
    model_names={
        QUALITY: "Grok Imagine Image Quality",
        "grok-imagine-image-pro": "Grok Imagine Image Pro",
        "grok-imagine-image": "Grok Imagine Image",
        VIDEO: "Grok Imagine Video",
        VIDEO_15: "Grok Imagine Video 1.5",
        "reference": "Reference-to-video",
        "extend": "Grok Imagine Video extension",
        "edit": "Grok Imagine Video edit",
    },
)

# Validated before reserving (nodes/validation.py): the limits the Grok nodes apply.
CHECKS: dict[str, tuple[Check, ...]] = {
    "POST v1/images/generations": (text("prompt"),),
    "POST v1/images/edits": (text("prompt"), Check("images", "list", required=True, max_length=3)),
    "POST v1/videos/generations": (
        text("prompt", required=False),
        Check("reference_images", "list", max_length=MAX_REFERENCES),
        Check("reference_audios", "list", max_length=3),
    ),
    "POST v1/videos/edits": (text("prompt"), text("video.url", max_length=100_000)),
    "POST v1/videos/extensions": (text("prompt"), text("video.url", max_length=100_000)),
}
