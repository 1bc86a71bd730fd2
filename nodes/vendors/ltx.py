"""Lightricks LTX-2 video (sync): one POST answers with the MP4 itself, priced per second by model and
resolution as the badge says; no reported cost, so the charge is the quote."""

from __future__ import annotations

from typing import Any

from comfyweb.errors import ApiError
from nodes.engine.types import Call, LineItem, Outcome, Route, Vendor
from nodes.vendors.common import SYNC_TTL, Check, choice, each, integer, text

BADGE = "ComfyUI 0.30.0 price badge, nodes_ltxv.py LtxvApiTextToVideo / LtxvApiImageToVideo (2026-12-08)"
# Micro-dollars per second, per model id the nodes send (MODELS_MAP) and `resolution`.
RATES: dict[str, dict[str, int]] = {
    "ltx-2-pro": {"1920x1080": 60_000, "2560x1440": 120_000, "3840x2160": 240_000},
    "ltx-2-fast": {"1920x1080": 40_000, "2560x1440": 80_000, "3840x2160": 160_000},
}
NAMES = {"ltx-2-pro": "LTX-2 Pro", "ltx-2-fast": "LTX-2 Fast"}
MAX_SECONDS = 20
# Past 10 s LTX makes only Fast 1080p at 25 fps (the nodes refuse the rest before sending).
LONG_SECONDS = 10


def _key(model: str, resolution: str) -> str:
    return f"{model}/{resolution}/second"


def price(call: Call) -> list[LineItem]:
    model = choice(call, "model", default="ltx-2-pro", allowed=RATES)
    resolution = choice(call, "resolution", default="1920x1080", allowed=RATES[model])
    duration = integer(call, "duration", default=8, low=1, high=MAX_SECONDS)
    fps = integer(call, "fps", default=25, low=1, high=50)
    if duration > LONG_SECONDS and (model, resolution, fps) != ("ltx-2-fast", "1920x1080", 25):
        raise ApiError(
            400, "out_of_range", "Durations over 10 s are only for ltx-2-fast at 1920x1080 and 25 fps."
        )
    return each(_key(model, resolution), duration)


def delivered(data: Any, status: int) -> Outcome:
    """The reply is the MP4 itself: a 2xx that is not JSON (a JSON body is an error) is the video."""
    return "success" if status < 400 and data is None else "failure"


def _model(call: Call) -> str:
    return str(call.body.value("model") or "")


def _route(path: str) -> Route:
    return Route(
        "POST",
        path,
        "/" + path,
        "sync",
        price=price,
        model=_model,
        status=delivered,
        max_bytes=64 * 1024,
        ttl=SYNC_TTL,
        timeout_seconds=900,
    )


VENDOR = Vendor(
    name="ltx",
    title="Lightricks LTX",
    live_base="https://api.ltx.video",
    sandbox_base="/ltx",
    key_header="Authorization",
    key_prefix="Bearer ",
    # The reply is the video (errors are JSON): ask for both rather than the engine's JSON-only default.
    extra_headers={"accept": "video/mp4, application/json"},
    routes=(_route("v1/text-to-video"), _route("v1/image-to-video")),
    prices={
        _key(model, res): ("second", micros, f"{BADGE}: ${micros / 1_000_000:.2f}/s for {model} {res}")
        for model, rates in RATES.items()
        for res, micros in rates.items()
    },
    model_names=NAMES,
)

_COMMON = (text("prompt"), Check("fps", "int", low=1, high=50), Check("generate_audio", "bool"))
CHECKS: dict[str, tuple[Check, ...]] = {
    "POST v1/text-to-video": _COMMON,
    "POST v1/image-to-video": (*_COMMON, text("image_uri", max_length=4096)),
}
