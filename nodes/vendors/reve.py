"""Reve: image create, edit and remix (sync; the image comes back as the body, `Accept: image/webp`)."""

from __future__ import annotations

from typing import Any

from comfyweb.errors import ApiError
from nodes.engine.types import Call, LineItem, Route, Vendor
from nodes.vendors.common import JSON_CAP, SYNC_TTL, Check, choice, each, integer, text

BADGE = 'ComfyUI 0.30.0 price badge, nodes_reve.py, the "(base)" price (2026-12-07)'
# µ$ per image by model family and upscale factor (0: none), as the badges list them.
PRICES = {
    "reve-create": {0: 34_320, 2: 45_700, 3: 59_100, 4: 76_200},
    "reve-edit": {0: 57_200, 2: 68_600, 3: 81_900, 4: 99_100},
    "reve-remix": {0: 57_200, 2: 68_600, 3: 81_900, 4: 99_100},
}
FAST = 10_010  # the fast edit and remix models, whatever the postprocessing
# The badges are the base at test_time_scaling 1 ("higher values … cost more credits"); Reve reports its
# credits only in a header the proxy does not read, so more effort is held and charged proportionally, up
# to the 15 Reve accepts (the nodes send at most 5).
TTS_MAX = 15
VERSIONS = {
    "reve-create": ("reve-create@20250915",),
    "reve-edit": ("reve-edit@20250915", "reve-edit-fast@20251030"),
    "reve-remix": ("reve-remix@20250915", "reve-remix-fast@20251030"),
}


def _upscale(call: Call) -> int:
    """The upscale factor of the request's postprocessing (0: none)."""
    steps = call.body.value("postprocessing")
    if steps is None:
        return 0
    if not isinstance(steps, list) or not all(isinstance(step, dict) for step in steps):
        raise ApiError(400, "invalid_request", "postprocessing must be a list of operations.")
    factors = [step.get("upscale_factor") for step in steps if step.get("process") == "upscale"]
    if not factors:
        return 0
    factor = factors[-1]
    if isinstance(factor, bool) or factor not in (2, 3, 4):
        raise ApiError(400, "out_of_range", "upscale_factor must be 2, 3 or 4.")
    return int(factor)


def _price(family: str) -> Any:
    def price(call: Call) -> list[LineItem]:
        version = choice(call, "version", default=VERSIONS[family][0], allowed=VERSIONS[family])
        effort = integer(call, "test_time_scaling", default=1, low=1, high=TTS_MAX)
        if "-fast@" in version:
            return each("reve-fast/image", effort)
        return each(f"{family}/{_upscale(call)}x", effort)

    return price


def _model(call: Call) -> str:
    version = call.body.value("version")
    return str(version).split("@")[0] if isinstance(version, str) else ""


def _route(action: str) -> Route:
    return Route(
        "POST",
        f"v1/image/{action}",
        f"/v1/image/{action}",
        "sync",
        price=_price(f"reve-{action}"),
        model=_model,
        max_bytes=JSON_CAP,
        ttl=SYNC_TTL,
    )


VENDOR = Vendor(
    name="reve",
    title="Reve",
    live_base="https://api.reve.com",  # api.reve.com/console/docs (2026-12-07)
    sandbox_base="/reve",
    key_header="Authorization",
    key_prefix="Bearer ",
    routes=(_route("create"), _route("edit"), _route("remix")),
    prices={
        **{
            f"{family}/{factor}x": ("image", micros, BADGE)
            for family, by_factor in PRICES.items()
            for factor, micros in by_factor.items()
        },
        "reve-fast/image": ("image", FAST, BADGE),
    },
    model_names={
        "reve-create": "Reve Create",
        "reve-edit": "Reve Edit",
        "reve-remix": "Reve Remix",
        "reve-edit-fast": "Reve Edit Fast",
        "reve-remix-fast": "Reve Remix Fast",
        "reve-fast": "Reve Edit and Remix Fast",
        "0x": "no upscale",
        "2x": "upscaled 2x",
        "3x": "upscaled 3x",
        "4x": "upscaled 4x",
    },
)

PROMPT = 2560  # characters, as the nodes check
CHECKS: dict[str, tuple[Check, ...]] = {
    "POST v1/image/create": (text("prompt", max_length=PROMPT),),
    "POST v1/image/edit": (
        text("edit_instruction", max_length=PROMPT),
        text("reference_image", max_length=JSON_CAP),
    ),
    "POST v1/image/remix": (
        text("prompt", max_length=PROMPT),
        Check("reference_images", "list", required=True, max_length=6),
    ),
}
