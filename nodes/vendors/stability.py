"""Stability AI (older clients): multipart sync images/audio; creative upscale submit → results/{id}."""

from __future__ import annotations

from typing import Any

from nodes.engine.types import Call, LineItem, Outcome, Poll, Route, Vendor
from nodes.vendors.common import (
    IMAGE_TTL,
    MULTIPART_CAP,
    SYNC_TTL,
    Check,
    choice,
    dig,
    each,
    file,
    fixed,
    named,
    param,
    text,
    text_id,
)

# ComfyUI's Stability badges (frontend useNodePricing.ts, then the JSONata badge table, 2025-2026) show
# Stability's list price ($0.01 per credit). Stability does not report a cost in its replies.
SOURCE = "ComfyUI price badge (Comfy-Org/ComfyUI_frontend useNodePricing.ts, Stability nodes)"
CREDITS = "Stability AI credits ($0.01 each), as summarised from platform.stability.ai/pricing"
SD3 = {
    "sd3.5-large": (65_000, f"{SOURCE}: $0.065 (model contains 'large')"),
    "sd3.5-medium": (35_000, f"{SOURCE}: $0.035 (model contains 'medium')"),
    # Not offered by the ComfyUI node (commented out of its model list); Stability's price table.
    "sd3.5-large-turbo": (40_000, f"{CREDITS}: SD3.5 Large Turbo 4 credits"),
    # Legacy aliases the API still accepts: priced as their SD3.5 counterparts.
    "sd3-large": (65_000, f"{CREDITS}: legacy alias, priced as SD3.5 Large (6.5 credits)"),
    "sd3-large-turbo": (40_000, f"{CREDITS}: legacy alias, priced as SD3.5 Large Turbo (4 credits)"),
    "sd3-medium": (35_000, f"{CREDITS}: legacy alias, priced as SD3.5 Medium (3.5 credits)"),
}
# Resellers list creative upscale at $0.60-0.69 in 2026, which hints that Stability raised it; the only
# first-hand public figure found is ComfyUI's $0.25 badge, so that is what is charged (check before live).
FIXED = {
    "ultra": (80_000, f"{SOURCE}: $0.08 (StabilityStableImageUltraNode)"),
    "upscale/conservative": (250_000, f"{SOURCE}: $0.25 (StabilityUpscaleConservativeNode)"),
    "upscale/fast": (10_000, f"{SOURCE}: $0.01 (StabilityUpscaleFastNode)"),
    "upscale/creative": (250_000, f"{SOURCE}: $0.25 (StabilityUpscaleCreativeNode)"),
    "audio/text-to-audio": (200_000, f"{SOURCE}: $0.20 (StabilityTextToAudio, stable-audio-2.5)"),
    "audio/audio-to-audio": (200_000, f"{SOURCE}: $0.20 (StabilityAudioToAudio, stable-audio-2.5)"),
    "audio/inpaint": (200_000, f"{SOURCE}: $0.20 (StabilityAudioInpaint, stable-audio-2.5)"),
}


def sd3_price(call: Call) -> list[LineItem]:
    return each(f"sd3/{choice(call, 'model', default='sd3.5-large', allowed=SD3)}")


def sync_outcome(data: Any, status: int) -> Outcome:
    reason = dig(data, "finish_reason")
    if reason is None or reason == "SUCCESS":
        return "success" if isinstance(data, dict) else "failure"
    return "moderated" if reason == "CONTENT_FILTERED" else "failure"


def result_outcome(data: Any, status: int) -> Outcome:
    """Creative upscale: 202 in progress; `name`/`errors` failed; `finish_reason` finished."""
    if status == 202 or not isinstance(data, dict):
        return "pending"
    if "name" in data or "errors" in data:
        return "failure"
    if "finish_reason" in data:
        return sync_outcome(data, status)
    return "pending"


def job_id(data: Any) -> str | None:
    return text_id(dig(data, "id"))


def _sync(path: str, price: Any, model: str) -> Route:
    return Route(
        "POST",
        f"v2beta/{path}",
        f"/v2beta/{path}",
        "sync",
        body="multipart",
        price=price,
        model=named(model),
        status=sync_outcome,
        max_bytes=MULTIPART_CAP,
        ttl=SYNC_TTL,
        timeout_seconds=300,
    )


VENDOR = Vendor(
    name="stability",
    title="Stability AI",
    live_base="https://api.stability.ai",
    sandbox_base="/stability",
    key_header="Authorization",
    key_prefix="Bearer ",
    routes=(
        _sync("stable-image/generate/ultra", fixed("ultra"), "stable-image-ultra"),
        Route(
            "POST",
            "v2beta/stable-image/generate/sd3",
            "/v2beta/stable-image/generate/sd3",
            "sync",
            body="multipart",
            price=sd3_price,
            status=sync_outcome,
            max_bytes=MULTIPART_CAP,
            ttl=SYNC_TTL,
            timeout_seconds=300,
        ),
        _sync("stable-image/upscale/conservative", fixed("upscale/conservative"), "upscale-conservative"),
        _sync("stable-image/upscale/fast", fixed("upscale/fast"), "upscale-fast"),
        Route(
            "POST",
            "v2beta/stable-image/upscale/creative",
            "/v2beta/stable-image/upscale/creative",
            "submit",
            body="multipart",
            price=fixed("upscale/creative"),
            model=named("upscale-creative"),
            job_id=job_id,
            poll_route="poll",
            max_bytes=MULTIPART_CAP,
            ttl=IMAGE_TTL,
        ),
        Route(
            "GET",
            "v2beta/results/{id:id}",
            "/v2beta/results/{job}",
            "poll",
            name="poll",
            body="none",
            status=result_outcome,
            poll=Poll(job_ref=param("id")),
            timeout_seconds=60,
        ),
        *(
            _sync(f"audio/stable-audio-2/{kind}", fixed(f"audio/{kind}"), f"stable-audio-2/{kind}")
            for kind in ("text-to-audio", "audio-to-audio", "inpaint")
        ),
    ),
    prices={
        **{f"sd3/{model}": ("image", micros, source) for model, (micros, source) in SD3.items()},
        **{
            key: ("image" if not key.startswith("audio") else "clip", micros, source)
            for key, (micros, source) in FIXED.items()
        },
    },
)

# Validated before reserving (nodes/validation.py): the form's prompt and source files.
CHECKS: dict[str, tuple[Check, ...]] = {
    "POST v2beta/stable-image/generate/ultra": (text("prompt"),),
    "POST v2beta/stable-image/generate/sd3": (text("prompt"),),
    "POST v2beta/stable-image/upscale/conservative": (file("image"), text("prompt")),
    "POST v2beta/stable-image/upscale/fast": (file("image"),),
    "POST v2beta/stable-image/upscale/creative": (file("image"), text("prompt")),
    "POST v2beta/audio/stable-audio-2/text-to-audio": (text("prompt"),),
    "POST v2beta/audio/stable-audio-2/audio-to-audio": (file("audio"), text("prompt")),
    "POST v2beta/audio/stable-audio-2/inpaint": (file("audio"), text("prompt")),
}
