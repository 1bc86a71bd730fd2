"""Ideogram (sync): V1/V2 JSON `image_request`, V3 generate/edit multipart, V4 and P-Image JSON."""

from __future__ import annotations

from typing import Any

from comfyweb.errors import ApiError
from nodes.engine.types import Call, LineItem, Outcome, Route, Vendor
from nodes.vendors.common import (
    JSON_CAP,
    MULTIPART_CAP,
    SYNC_TTL,
    Check,
    choice,
    dig,
    each,
    file,
    integer,
    named,
    obj,
    size,
    text,
)

BADGE = "ComfyUI price badge (ComfyUI_frontend useNodePricing.ts)"
V3_SOURCE = f"{BADGE}, IdeogramV3: $0.03 / $0.06 / $0.09 x num_images (TURBO / DEFAULT|BALANCED / QUALITY)"
CHARACTER_SOURCE = f"{BADGE}, IdeogramV3 with character_image: $0.10 / $0.15 / $0.20 x num_images"
V2A_SOURCE = "Ideogram API pricing (ideogram.ai/features/api-pricing; 2a Turbo $0.025), no ComfyUI node"
# Ideogram 4.0 (POST /v1/ideogram-v4/generate, developer.ideogram.ai) has no ComfyUI badge and was not yet on
# Ideogram's stored pricing page (revised Aug 2025). Two independent third-party summaries of that page
# (2026) agree on $0.03 / $0.06 / $0.10 (TURBO / DEFAULT / QUALITY): seeded from them, since Ideogram
# reports no cost and the quote is what the user pays (a guess above them would overcharge every call).
ESTIMATE = (
    "third-party summaries of Ideogram's 2026 pricing page (no ComfyUI badge, not first-hand): "
    "TURBO $0.03, DEFAULT $0.06, QUALITY $0.10 per image; check before going live"
)
LEGACY = {
    "V_1": (60_000, f"{BADGE}, IdeogramV1: $0.06 x num_images"),
    "V_1_TURBO": (20_000, f"{BADGE}, IdeogramV1 turbo: $0.02 x num_images"),
    "V_2": (80_000, f"{BADGE}, IdeogramV2: $0.08 x num_images"),
    "V_2_TURBO": (50_000, f"{BADGE}, IdeogramV2 turbo: $0.05 x num_images"),
    "V_2A": (40_000, V2A_SOURCE),
    "V_2A_TURBO": (25_000, V2A_SOURCE),
}
V3 = {"TURBO": 30_000, "DEFAULT": 60_000, "BALANCED": 60_000, "QUALITY": 90_000}
V3_CHARACTER = {"TURBO": 100_000, "DEFAULT": 150_000, "BALANCED": 150_000, "QUALITY": 200_000}
V4 = {"TURBO": 30_000, "DEFAULT": 60_000, "QUALITY": 100_000}
P_IMAGE_SOURCE = "ComfyUI 0.30.0 price badge, nodes_ideogram.py IdeogramPImage (2026-12-08)"
# µ$ per image by quality tier and size class, as IdeogramPImage's badge lists them (one image a call).
P_IMAGE = {
    "VERY_LOW": {"1K": 4_290, "2K": 8_580},
    "LOW": {"1K": 10_725, "2K": 21_450},
    "MEDIUM": {"1K": 14_300, "2K": 28_600},
    "HIGH": {"1K": 21_450, "2K": 42_900},
}
UPSAMPLING = ("AUTO", "ON", "OFF")


def legacy_price(call: Call) -> list[LineItem]:
    if call.body.value("num_images") is not None:
        # `n` in two places would let the price and the forward disagree (quality.md B-03).
        raise ApiError(400, "invalid_request", "num_images belongs inside image_request.")
    request = obj(call, "image_request")
    model = choice(call, "model", default="V_2", allowed=LEGACY, source=request)
    return each(f"legacy/{model}", integer(call, "num_images", default=1, low=1, high=8, source=request))


def v3_price(call: Call) -> list[LineItem]:
    speed = choice(call, "rendering_speed", default="DEFAULT", allowed=V3)
    count = integer(call, "num_images", default=1, low=1, high=8)
    character = "character_reference_images" in call.body.files
    return each(f"v3/{'character/' if character else ''}{speed}", count)


def v4_price(call: Call) -> list[LineItem]:
    speed = choice(call, "rendering_speed", default="DEFAULT", allowed=V4)
    return each(f"v4/{speed}", integer(call, "num_images", default=1, low=1, high=8))


def p_image_price(call: Call) -> list[LineItem]:
    quality = choice(call, "quality", default="MEDIUM", allowed=P_IMAGE)
    resolution = choice(call, "resolution", default="1K", allowed=P_IMAGE[quality])
    # Not priced, but an unknown value would reach Ideogram as a paid call that it then refuses.
    choice(call, "prompt_upsampling", default="AUTO", allowed=UPSAMPLING)
    return each(f"p-image/{quality}/{resolution}")


def delivered(data: Any, status: int) -> Outcome:
    items = dig(data, "data")
    if isinstance(items, list) and any(isinstance(i, dict) and i.get("url") for i in items):
        return "success"
    if isinstance(items, list) and any(
        isinstance(i, dict) and i.get("is_image_safe") is False for i in items
    ):
        return "moderated"
    return "failure"


def _v3_model(call: Call) -> str:
    return f"V_3/{call.params['op']}"


def _legacy_model(call: Call) -> str:
    model = dig(call.body.json, "image_request", "model")
    return str(model) if isinstance(model, str) else "V_2"


VENDOR = Vendor(
    name="ideogram",
    title="Ideogram",
    live_base="https://api.ideogram.ai",
    sandbox_base="/ideogram",
    key_header="Api-Key",
    routes=(
        Route(
            "POST",
            "generate",
            "/generate",
            "sync",
            price=legacy_price,
            model=_legacy_model,
            status=delivered,
            max_bytes=JSON_CAP,
            ttl=SYNC_TTL,
            timeout_seconds=300,
        ),
        Route(
            "POST",
            "ideogram-v3/{op=generate|edit}",
            "/v1/ideogram-v3/{op}",
            "sync",
            body="multipart",
            price=v3_price,
            model=_v3_model,
            status=delivered,
            max_bytes=MULTIPART_CAP,
            ttl=SYNC_TTL,
            timeout_seconds=300,
        ),
        Route(
            "POST",
            "ideogram-v4/generate",
            "/v1/ideogram-v4/generate",
            "sync",
            price=v4_price,
            model=named("V_4"),
            status=delivered,
            max_bytes=JSON_CAP,
            ttl=SYNC_TTL,
            timeout_seconds=300,
        ),
        # Ideogram's P-Image (built with Pruna): one image a call, its final prompt in `data[0].prompt`.
        # The upstream path is the proxy's own: no public Ideogram page names another (2026-12-08).
        Route(
            "POST",
            "text-to-image/p-image-ideogram",
            "/text-to-image/p-image-ideogram",
            "sync",
            price=p_image_price,
            model=named("P-Image"),
            status=delivered,
            max_bytes=JSON_CAP,
            ttl=SYNC_TTL,
            timeout_seconds=300,
        ),
    ),
    prices={
        **{f"legacy/{model}": ("image", micros, source) for model, (micros, source) in LEGACY.items()},
        **{f"v3/{speed}": ("image", micros, V3_SOURCE) for speed, micros in V3.items()},
        **{
            f"v3/character/{speed}": ("image", micros, CHARACTER_SOURCE)
            for speed, micros in V3_CHARACTER.items()
        },
        **{f"v4/{speed}": ("image", micros, ESTIMATE) for speed, micros in V4.items()},
        **{
            f"p-image/{quality}/{resolution}": ("image", micros, P_IMAGE_SOURCE)
            for quality, by_resolution in P_IMAGE.items()
            for resolution, micros in by_resolution.items()
        },
    },
    model_names={"p-image": "Ideogram P-Image", "P-Image": "Ideogram P-Image"},
)

# Validated before reserving (nodes/validation.py).
CHECKS: dict[str, tuple[Check, ...]] = {
    "POST generate": (Check("image_request", "object", required=True), text("image_request.prompt")),
    "POST ideogram-v3/{op}": (
        text("prompt"),
        size("resolution", side_max=4096),
        file("image", op=("edit",)),
        file("mask", op=("edit",)),
    ),
    # The V4 node sends `text_prompt`; Ideogram also takes `json_prompt` instead.
    "POST ideogram-v4/generate": (text("text_prompt", required=False),),
    "POST text-to-image/p-image-ideogram": (
        text("prompt"),
        Check("seed", "int", low=0, high=2_147_483_647),
    ),
}
