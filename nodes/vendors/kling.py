"""Kling: submit → GET `<submit path>/{task_id}`; vendor status words are passed through unchanged."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import math
import time
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from comfyweb.errors import ApiError
from nodes.engine.types import Call, LineItem, Route, Vendor
from nodes.vendors.common import (
    IMAGE_TTL,
    JSON_CAP,
    VIDEO_TTL,
    choice,
    dig,
    each,
    integer,
    named,
    param,
    query,
    seconds,
    status_of,
    text_id,
)

# Kling's API price list: 1 unit = $0.14 for video (kling.ai/document-api/pricing/base/video, as copied in
# aself101/kling-api docs/api/kling-pricing-video.md, 2026) and $0.0035 for images (…/pricing/base/image).
LEGACY = (
    "Kling API list price per 5 s; matches ComfyUI's price badges "
    "(ComfyUI_frontend useNodePricing.ts, KlingTextToVideoNode/KlingImage2VideoNode, 2025)"
)
KLING_VIDEO = "Kling API price list (kling.ai/document-api/pricing/base/video, 2026)"
KLING_IMAGE = "Kling API price list (kling.ai/document-api/pricing/base/image, 2026)"
BADGE = "ComfyUI price badge (ComfyUI_frontend useNodePricing.ts, 2025)"
VIDEO_PER_5S = {
    ("kling-v1", "std"): 140_000,
    ("kling-v1", "pro"): 490_000,
    ("kling-v1-5", "std"): 280_000,
    ("kling-v1-5", "pro"): 490_000,
    ("kling-v1-6", "std"): 280_000,
    ("kling-v1-6", "pro"): 490_000,
    ("kling-v2-master", "std"): 1_400_000,
    ("kling-v2-master", "pro"): 1_400_000,
    ("kling-v2-1", "std"): 280_000,
    ("kling-v2-1", "pro"): 490_000,
    ("kling-v2-1-master", "std"): 1_400_000,
    ("kling-v2-1-master", "pro"): 1_400_000,
}
# Newer models bill per second: std = 720p, pro = 1080p; "audio" = native sound on, "voice" = sound with
# voice control, "video" = a reference video in the input (omni). Absent variants are not offered by Kling.
PER_SECOND = {
    ("kling-v2-5-turbo", "std", ""): 42_000,
    ("kling-v2-5-turbo", "pro", ""): 70_000,
    ("kling-v2-6", "std", ""): 42_000,
    ("kling-v2-6", "pro", ""): 70_000,
    ("kling-v2-6", "pro", "audio"): 140_000,  # Kling lists native audio at 1080p only
    ("kling-v2-6", "pro", "voice"): 168_000,
    ("kling-video-o1", "std", ""): 84_000,
    ("kling-video-o1", "pro", ""): 112_000,
    ("kling-video-o1", "std", "video"): 126_000,
    ("kling-video-o1", "pro", "video"): 168_000,
    ("kling-v3", "std", ""): 84_000,
    ("kling-v3", "pro", ""): 112_000,
    ("kling-v3", "std", "audio"): 126_000,
    ("kling-v3", "pro", "audio"): 168_000,
    ("kling-v3-omni", "std", ""): 84_000,
    ("kling-v3-omni", "pro", ""): 112_000,
    ("kling-v3-omni", "std", "audio"): 112_000,
    ("kling-v3-omni", "pro", "audio"): 140_000,
    ("kling-v3-omni", "std", "video"): 126_000,
    ("kling-v3-omni", "pro", "video"): 168_000,
}
AUDIO_MODELS = {"kling-v2-6", "kling-v3", "kling-v3-omni"}
VIDEO_INPUT_MODELS = {"kling-video-o1", "kling-v3-omni"}
# (text-to-image, image-to-image) per image on v1/images/generations.
GENERATIONS = {
    "kling-v1": (3_500, 3_500, BADGE),
    "kling-v1-5": (14_000, 28_000, BADGE),
    "kling-v2": (14_000, 14_000, BADGE),
    "kling-v2-1": (14_000, 28_000, KLING_IMAGE),
    "kling-v3": (28_000, 28_000, KLING_IMAGE),
    "kling-image-o1": (28_000, 28_000, KLING_IMAGE),
}
# v1/images/omni-image per image: (1k/2k, 4k or None where the model has no 4k).
OMNI_IMAGE = {"kling-image-o1": (28_000, None), "kling-v3-omni": (28_000, 56_000)}
# Single-image effects have a price per scene; two-person scenes are priced like text-to-video.
SINGLE_EFFECTS = {
    "bloombloom": 490_000,
    "dizzydizzy": 490_000,
    "fuzzyfuzzy": 280_000,
    "squish": 280_000,
    "expansion": 280_000,
}
DUAL_EFFECTS = {"hug", "kiss", "heart_gesture"}
AVATAR = {"std": 56_000, "pro": 112_000}
MOTION_CONTROL = {
    ("kling-v2-6", "std"): 70_000,
    ("kling-v2-6", "pro"): 112_000,
    ("kling-v3", "std"): 126_000,
    ("kling-v3", "pro"): 168_000,
}
TURBO = {"720p": 112_000, "1080p": 140_000}  # Kling 3.0 Turbo, native audio always on
FIXED = {
    "video-extend/call": (280_000, BADGE + " KlingVideoExtendNode: $0.28/run"),
    "lip-sync/5s": (70_000, KLING_VIDEO + ": Lip Sync 0.5 units ($0.07) per 5 s"),
    "effects/5s": (
        490_000,
        (
            "estimate: no public price for effect scenes other than ComfyUI's eight; the highest scene"
            " price (bloombloom/dizzydizzy $0.49 per 5 s, ComfyUI_frontend useNodePricing.ts) is held per 5 s"
        ),
    ),
    "kolors-virtual-try-on/image": (70_000, BADGE + " KlingVirtualTryOnNode: $0.07/run"),
}
MODELS = sorted({model for model, _mode in VIDEO_PER_5S} | {model for model, _m, _v in PER_SECOND})
# Lengths the request does not state: the longest the route accepts is held; the poll settles on the length
# delivered (`settled`).
LIP_SYNC_MAX_5S = 2  # source video at most 10 s
AVATAR_MAX_SECONDS = 60
MOTION_MAX_SECONDS = 30


def _items(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _variant(call: Call, model: str) -> str:
    if model in VIDEO_INPUT_MODELS and _items(call.body.value("video_list")):
        return "video"
    if model in AUDIO_MODELS and call.body.value("sound") == "on":
        return "voice" if model == "kling-v2-6" and _items(call.body.value("voice_list")) else "audio"
    return ""


def _video(call: Call, *, default_model: str, source: Any = None) -> list[LineItem]:
    model = choice(call, "model_name", default=default_model, allowed=MODELS, source=source)
    mode = choice(call, "mode", default="std", allowed=("std", "pro"), source=source)
    duration = seconds(call, "duration", default=5, low=1, high=15, source=source)
    if (model, mode) in VIDEO_PER_5S:
        return each(f"video/{model}/{mode}/5s", -(-duration // 5))
    variant = _variant(call, model) if source is None else ""
    if variant in ("audio", "voice") and model == "kling-v2-6":
        mode = "pro"
    key = (model, mode, variant)
    if key not in PER_SECOND:
        raise ApiError(422, "price_unavailable", f"This request cannot be priced: {model} {mode} {variant}.")
    return each(f"video/{model}/{mode}/{variant or 'silent'}/second", duration)


def _effects(call: Call) -> list[LineItem]:
    scene = call.body.value("effect_scene")
    source = _input(call)
    if scene in SINGLE_EFFECTS:
        return each(f"effects/{scene}/video")
    if scene in DUAL_EFFECTS:
        return _video(call, default_model="kling-v1", source=source)
    duration = seconds(call, "duration", default=5, low=1, high=10, source=source)
    return each("effects/5s", -(-duration // 5))


def video_price(call: Call) -> list[LineItem]:
    kind = call.params["kind"]
    if kind in ("text2video", "image2video"):
        return _video(call, default_model="kling-v1")
    if kind == "omni-video":
        return _video(call, default_model="kling-video-o1")
    if kind == "video-extend":
        return each("video-extend/call")
    if kind == "lip-sync":
        return each("lip-sync/5s", LIP_SYNC_MAX_5S)
    if kind == "effects":
        return _effects(call)
    model = choice(call, "model_name", default="kling-v2-6", allowed=("kling-v2-6", "kling-v3"))
    mode = choice(call, "mode", default="std", allowed=("std", "pro"))
    return each(f"motion-control/{model}/{mode}/second", MOTION_MAX_SECONDS)


def avatar_price(call: Call) -> list[LineItem]:
    mode = choice(call, "mode", default="std", allowed=AVATAR)
    return each(f"avatar/{mode}/second", AVATAR_MAX_SECONDS)


def _input(call: Call) -> dict[str, Any]:
    value = call.body.value("input")
    return value if isinstance(value, dict) else {}


def _count(call: Call) -> int:
    if call.body.value("result_type") == "series":
        return integer(call, "series_amount", default=9, low=2, high=9)
    return integer(call, "n", default=1, low=1, high=9)


def image_price(call: Call) -> list[LineItem]:
    kind = call.params["kind"]
    if kind == "kolors-virtual-try-on":
        return each("kolors-virtual-try-on/image")
    if kind == "omni-image":
        model = choice(call, "model_name", default="kling-image-o1", allowed=OMNI_IMAGE)
        tiers = ("1k", "2k", "4k") if OMNI_IMAGE[model][1] else ("1k", "2k")
        resolution = choice(call, "resolution", default="2k", allowed=tiers)
        key = f"image/{model}/4k" if resolution == "4k" else f"image/{model}"
        return each(key, _count(call))
    model = choice(call, "model_name", default="kling-v1", allowed=GENERATIONS)
    key = f"image/{model}/i2i" if call.body.value("image") else f"image/{model}"
    return each(key, integer(call, "n", default=1, low=1, high=9))


def turbo_price(call: Call) -> list[LineItem]:
    settings = call.body.value("settings")
    source = settings if isinstance(settings, dict) else {}
    resolution = choice(call, "resolution", default="720p", allowed=TURBO, source=source)
    duration = seconds(call, "duration", default=5, low=1, high=15, source=source)
    return each(f"kling-3.0-turbo/{resolution}/second", duration)


def task_id(data: Any) -> str | None:
    return text_id(dig(data, "data", "task_id"))


def turbo_id(data: Any) -> str | None:
    return text_id(dig(data, "data", "id"))


DEFAULT_MODELS = {
    "text2video": "kling-v1",
    "image2video": "kling-v1",
    "omni-video": "kling-video-o1",
    "generations": "kling-v1",
    "omni-image": "kling-image-o1",
}


# Kling bills a video by the length it delivered (`data.task_result.videos[].duration`, seconds as a string
# such as "5.1"), per started unit of the price row: a second, or a 5 s block.
UNIT_SECONDS = {"second": 1, "5s": 5}
LONGEST_SECONDS = 3600  # far above any Kling route's longest video: a larger figure is garbled


def _length(value: Any) -> Decimal | None:
    if isinstance(value, bool) or not isinstance(value, str | int):
        return None
    try:
        length = Decimal(value)
    except InvalidOperation:
        return None
    return length if length.is_finite() and 0 < length <= LONGEST_SECONDS else None


def _delivered(videos: Any, context: Mapping[str, str]) -> list[LineItem] | None:
    """The quoted price row, in the started units the delivered videos last; None if a length is unknown."""
    key, units = context.get("quote_key", ""), context.get("quote_units", "")
    if not key or not units.isdigit():
        return None
    per = UNIT_SECONDS.get(key.rsplit("/", 1)[-1])
    if per is None:
        return each(key, int(units))  # per call or per video: the length changes nothing
    lengths = [_length(dig(video, "duration")) for video in videos] if isinstance(videos, list) else []
    total = 0
    for length in lengths:
        if length is None:
            return None  # the engine charges the quote and logs it
        total += math.ceil(length / per)
    return each(key, total) if total else None


def settled(data: Any, context: Mapping[str, str]) -> list[LineItem] | None:
    return _delivered(dig(data, "data", "task_result", "videos"), context)


def turbo_settled(data: Any, context: Mapping[str, str]) -> list[LineItem] | None:
    return _delivered(dig(data, "data", 0, "outputs"), context)


def _model(call: Call) -> str:
    """The model the usage row records: the one sent, else the API's default for the route."""
    value = call.body.value("model_name")
    kind = call.params.get("kind", "")
    return str(value) if isinstance(value, str) else DEFAULT_MODELS.get(kind, kind)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def kling_jwt(key: str, *, now: int | None = None) -> str:
    """Kling authenticates with a short-lived HS256 JWT made from `access_key:secret_key`."""
    access, _, secret = key.partition(":")
    issued = int(time.time()) if now is None else now
    header = _b64(json.dumps({"alg": "HS256", "typ": "JWT"}, separators=(",", ":")).encode())
    payload = _b64(json.dumps({"iss": access, "exp": issued + 1800, "nbf": issued - 5}).encode())
    signature = hmac.new(secret.encode(), f"{header}.{payload}".encode(), hashlib.sha256).digest()
    return f"{header}.{payload}.{_b64(signature)}"


POLL = status_of("data", "task_status", success={"succeed"}, failure={"failed"})
TURBO_POLL = status_of("data", 0, "status", success={"succeeded"}, failure={"failed"})
VIDEO_KINDS = "text2video|image2video|video-extend|lip-sync|effects|omni-video|motion-control"
IMAGE_KINDS = "generations|kolors-virtual-try-on|omni-image"
POLL_ARGS: dict[str, Any] = {
    "body": "none",
    "status": POLL,
    "job_ref": param("task_id"),
    "timeout_seconds": 60,
}

VENDOR = Vendor(
    name="kling",
    title="Kling",
    live_base="https://api-singapore.klingai.com",
    sandbox_base="/kling",
    key_header="Authorization",
    key_prefix="Bearer ",
    sign_key=kling_jwt,
    routes=(
        Route(
            "POST",
            f"v1/videos/{{kind={VIDEO_KINDS}}}",
            "/v1/videos/{kind}",
            "submit",
            price=video_price,
            model=_model,
            job_id=task_id,
            poll_route="video-poll",
            max_bytes=JSON_CAP,
            ttl=VIDEO_TTL,
        ),
        Route(
            "GET",
            f"v1/videos/{{kind={VIDEO_KINDS}}}/{{task_id:id}}",
            "/v1/videos/{kind}/{job}",
            "poll",
            name="video-poll",
            settled_cost=settled,
            **POLL_ARGS,
        ),
        Route(
            "POST",
            "v1/videos/avatar/image2video",
            "/v1/videos/avatar/image2video",
            "submit",
            price=avatar_price,
            model=named("kling-avatar"),
            job_id=task_id,
            poll_route="avatar-poll",
            max_bytes=JSON_CAP,
            ttl=VIDEO_TTL,
        ),
        Route(
            "GET",
            "v1/videos/avatar/image2video/{task_id:id}",
            "/v1/videos/avatar/image2video/{job}",
            "poll",
            name="avatar-poll",
            settled_cost=settled,
            **POLL_ARGS,
        ),
        Route(
            "POST",
            f"v1/images/{{kind={IMAGE_KINDS}}}",
            "/v1/images/{kind}",
            "submit",
            price=image_price,
            model=_model,
            job_id=task_id,
            poll_route="image-poll",
            max_bytes=JSON_CAP,
            ttl=IMAGE_TTL,
        ),
        Route(
            "GET",
            f"v1/images/{{kind={IMAGE_KINDS}}}/{{task_id:id}}",
            "/v1/images/{kind}/{job}",
            "poll",
            name="image-poll",
            **POLL_ARGS,
        ),
        Route(
            "POST",
            "{kind=text-to-video|image-to-video}/kling-3.0-turbo",
            "/{kind}/kling-3.0-turbo",
            "submit",
            price=turbo_price,
            model=named("kling-3.0-turbo"),
            job_id=turbo_id,
            poll_route="tasks",
            max_bytes=JSON_CAP,
            ttl=VIDEO_TTL,
        ),
        Route(
            "GET",
            "tasks",
            "/tasks?task_ids={job}",
            "poll",
            name="tasks",
            body="none",
            status=TURBO_POLL,
            settled_cost=turbo_settled,
            job_ref=query("task_ids"),
            query={"task_ids": "id"},
            timeout_seconds=60,
        ),
    ),
    prices={
        **{
            f"video/{model}/{mode}/5s": ("5 s of video", micros, LEGACY)
            for (model, mode), micros in VIDEO_PER_5S.items()
        },
        **{
            f"video/{model}/{mode}/{variant or 'silent'}/second": ("second", micros, KLING_VIDEO)
            for (model, mode, variant), micros in PER_SECOND.items()
        },
        **{f"image/{model}": ("image", t2i, source) for model, (t2i, _i2i, source) in GENERATIONS.items()},
        **{
            f"image/{model}/i2i": ("image", i2i, source) for model, (_t2i, i2i, source) in GENERATIONS.items()
        },
        **{f"image/{model}/4k": ("image", k4, KLING_IMAGE) for model, (_k2, k4) in OMNI_IMAGE.items() if k4},
        "image/kling-v3-omni": ("image", OMNI_IMAGE["kling-v3-omni"][0], KLING_IMAGE),
        **{
            f"effects/{scene}/video": ("video", micros, BADGE + " KlingSingleImageVideoEffectNode")
            for scene, micros in SINGLE_EFFECTS.items()
        },
        **{f"avatar/{mode}/second": ("second", micros, KLING_VIDEO) for mode, micros in AVATAR.items()},
        **{
            f"motion-control/{model}/{mode}/second": ("second", micros, KLING_VIDEO + ": Motion Control")
            for (model, mode), micros in MOTION_CONTROL.items()
        },
        **{
            f"kling-3.0-turbo/{res}/second": ("second", micros, KLING_VIDEO + ": Kling 3.0 Turbo")
            for res, micros in TURBO.items()
        },
        **{key: (key.rsplit("/", 1)[1], micros, source) for key, (micros, source) in FIXED.items()},
    },
)
