"""HitPaw photo and video enhancer: submit → POST task-status {job_id}; HitPaw reports `consume_coins`."""

from __future__ import annotations

from typing import Any

from nodes.engine.types import Call, LineItem, Poll, Route, Vendor
from nodes.vendors.common import IMAGE_TTL, JSON_CAP, VIDEO_TTL, Check, dig, each, text_id

# ComfyUI 0.30.0's HitPaw badges are ranges; the top of each range is held and HitPaw's own
# `consume_coins` (1 coin = $0.001, as the node reads it) settles the call below the hold.
BADGE = "ComfyUI 0.30.0 price badge (nodes_hitpaw.py, {node}), top of range (2026-12-07)"
IMAGE = {"generative_portrait": 60_000, "generative": 150_000}
# Video: µ$ per second of output by model family and target resolution ("original" = the top of the tier).
VIDEO = {
    "standard": {
        "original": 198_000,
        "720p": 60_000,
        "1080p": 90_000,
        "2k": 117_000,
        "4k": 152_000,
        "8k": 198_000,
    },
    "ultrahd": {
        "original": 264_000,
        "720p": 92_000,
        "1080p": 120_000,
        "2k": 156_000,
        "4k": 203_000,
        "8k": 264_000,
    },
    "generative": {"original": 338_000, "720p": 90_000, "1080p": 150_000, "2k": 225_000, "4k": 338_000},
}
# The node accepts sources up to one hour and HitPaw bills per second of output; the hold covers it all.
VIDEO_MAX_SECONDS = 3600
# Shorter output side (or a square's side) → the badge's resolution name.
SIDES = {720: "720p", 1080: "1080p", 1440: "2k", 2160: "4k", 2048: "4k", 4320: "8k", 4096: "8k"}
COIN_MICROS = 1_000


def image_price(call: Call) -> list[LineItem]:
    name = call.body.value("model_name")
    model = name.rsplit("_", 1)[0] if isinstance(name, str) else ""
    return each(f"image/{model if model in IMAGE else 'generative'}")


def _family(model: Any) -> str:
    if isinstance(model, str) and model.startswith("ultrahd"):
        return "ultrahd"
    if isinstance(model, str) and model.startswith("generative"):
        return "generative"
    return "standard" if isinstance(model, str) and model else "generative"


def _pair(value: Any) -> tuple[int, int] | None:
    if (
        isinstance(value, list)
        and len(value) == 2
        and all(isinstance(v, int) and not isinstance(v, bool) for v in value)
    ):
        return value[0], value[1]
    return None


def video_price(call: Call) -> list[LineItem]:
    family = _family(call.body.value("model_name"))
    target, source = _pair(call.body.value("resolution")), _pair(call.body.value("original_resolution"))
    tier = "original" if target is None or target == source else SIDES.get(min(target), "original")
    if tier not in VIDEO[family]:
        tier = "original"
    return each(f"video/{family}/{tier}/second", VIDEO_MAX_SECONDS)


def reported_cost(data: Any, call: Call) -> int | None:
    coins = dig(data, "data", "consume_coins")
    if isinstance(coins, bool) or not isinstance(coins, int) or coins < 0:
        return None
    return coins * COIN_MICROS


def job_id(data: Any) -> str | None:
    return text_id(dig(data, "data", "job_id"))


def poll_job(call: Call) -> str:
    from comfyweb.errors import ApiError

    job = text_id(call.body.value("job_id"))
    if job is None or len(job) > 200:
        raise ApiError(400, "invalid_request", "job_id must be the job id from the submit reply.")
    return job


def outcome(data: Any, http_status: int) -> Any:
    status = dig(data, "data", "status")
    word = status.lower() if isinstance(status, str) else ""
    if word in {"completed", "complete", "succeeded", "success", "finished", "done"}:
        return "success"
    if word in {"failed", "fail", "error", "cancelled", "canceled"}:
        return "failure"
    return "pending"


def status_word(data: Any) -> str:
    return str(dig(data, "data", "status") or "")


VENDOR = Vendor(
    name="hitpaw",
    title="HitPaw",
    live_base="https://api-base.hitpaw.com",  # developer.hitpaw.com/image/API-reference (2026-12-07)
    sandbox_base="/hitpaw",
    key_header="Apikey",
    routes=(
        Route(
            "POST",
            "api/photo-enhancer",
            "/api/photo-enhancer",
            "submit",
            price=image_price,
            ttl=IMAGE_TTL,
            job_id=job_id,
            poll_route="poll",
            cost=reported_cost,
            max_bytes=JSON_CAP,
        ),
        Route(
            "POST",
            "api/video-enhancer",
            "/api/video-enhancer",
            "submit",
            price=video_price,
            ttl=VIDEO_TTL,
            job_id=job_id,
            poll_route="poll",
            cost=reported_cost,
            max_bytes=JSON_CAP,
        ),
        Route(
            "POST",
            "api/task-status",
            "/api/task-status",
            "poll",
            name="poll",
            status=outcome,
            poll=Poll(job_ref=poll_job, body=lambda job: {"job_id": job}, status_word=status_word),
            max_bytes=64 * 1024,
            timeout_seconds=60,
        ),
    ),
    prices={
        **{
            f"image/{model}": ("image", micros, BADGE.format(node="HitPawGeneralImageEnhance"))
            for model, micros in IMAGE.items()
        },
        **{
            f"video/{family}/{tier}/second": (
                "second",
                micros,
                BADGE.format(node="HitPawVideoEnhance") + " /second",
            )
            for family, tiers in VIDEO.items()
            for tier, micros in tiers.items()
        },
    },
    model_names={"hitpaw": "HitPaw"},
)

# Validated before reserving (nodes/validation.py): the priced fields.
CHECKS: dict[str, tuple[Check, ...]] = {
    "POST api/photo-enhancer": (
        Check("model_name", "text", required=True, max_length=64),
        Check("img_url", "text", required=True, max_length=4096),
    ),
    "POST api/video-enhancer": (
        Check("model_name", "text", required=True, max_length=64),
        Check("video_url", "text", required=True, max_length=4096),
        Check("resolution", "list", required=True, max_length=2),
        Check("original_resolution", "list", max_length=2),
    ),
}
