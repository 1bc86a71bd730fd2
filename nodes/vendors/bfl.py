"""Black Forest Labs (Flux): submit → poll our signed `polling_url`; BFL reports `cost` in US cents."""

from __future__ import annotations

import math
from decimal import Decimal
from typing import Any

from billing.money import cents_to_micros, usd_to_micros
from nodes.engine.types import Call, LineItem, Route, Vendor
from nodes.vendors.common import IMAGE_TTL, JSON_CAP, dig, each, integer, status_of, text_id

SOURCE = "BFL list price (bfl.ai/pricing), seeded default: check before going live"
PER_IMAGE = {
    "flux-pro-1.1-ultra": 60_000,
    "flux-pro-1.1": 40_000,
    "flux-kontext-pro": 40_000,
    "flux-kontext-max": 80_000,
    "flux-pro-1.0-expand": 50_000,
    "flux-pro-1.0-fill": 50_000,
    "flux-pro-1.0-canny": 50_000,
    "flux-pro-1.0-depth": 50_000,
}
# FLUX.2 bills per megapixel of output plus input images (first megapixel at the full rate).
PER_MEGAPIXEL = {"flux-2-pro": 30_000, "flux-2-max": 70_000}
TOOLS = {"erase-v1": 50_000, "vto-v1": 80_000}


def _megapixels(call: Call) -> int:
    width = integer(call, "width", default=1024, low=64, high=4096)
    height = integer(call, "height", default=1024, low=64, high=4096)
    inputs = sum(
        1 for key in ("input_image", *(f"input_image_{i}" for i in range(2, 11))) if call.body.value(key)
    )
    # Each input image is at most 2048² pixels after the client's downscale (~4.2 MP).
    return math.ceil(width * height / 1_000_000) + inputs * 5


def price(call: Call) -> list[LineItem]:
    model = call.params["model"]
    if model in PER_MEGAPIXEL:
        return each(f"{model}/megapixel", _megapixels(call))
    return each(f"{model}/image")


def tool_price(call: Call) -> list[LineItem]:
    return each(f"flux-tools/{call.params['tool']}/image")


def reported_cost(data: Any, call: Call) -> int | None:
    """BFL's submit reply carries `cost` in US cents (may be fractional)."""
    cost = dig(data, "cost")
    if isinstance(cost, bool) or not isinstance(cost, int | float) or cost < 0:
        return None
    if isinstance(cost, int):
        return cents_to_micros(cost)
    return usd_to_micros((Decimal(str(cost)) / 100).quantize(Decimal("0.000001")))


def job_id(data: Any) -> str | None:
    return text_id(dig(data, "id"))


MODELS = "|".join(PER_IMAGE | PER_MEGAPIXEL)
POLL_STATUS = status_of(
    "status",
    success={"Ready"},
    failure={"Error", "Task not found"},
    moderated={"Request Moderated", "Content Moderated"},
)

VENDOR = Vendor(
    name="bfl",
    title="Black Forest Labs",
    live_base="https://api.bfl.ai/v1",
    sandbox_base="/bfl/v1",
    key_header="x-key",
    routes=(
        Route(
            "POST",
            f"{{model={MODELS}}}/generate",
            "/{model}",
            "submit",
            price=price,
            model=lambda call: call.params["model"],
            job_id=job_id,
            poll_route="poll",
            signed_poll_url=True,
            cost=reported_cost,
            max_bytes=JSON_CAP,
            ttl=IMAGE_TTL,
            timeout_seconds=60,
        ),
        Route(
            "POST",
            "v1/flux-tools/{tool=erase-v1|vto-v1}",
            "/flux-tools/{tool}",
            "submit",
            price=tool_price,
            model=lambda call: f"flux-tools/{call.params['tool']}",
            job_id=job_id,
            poll_route="poll",
            signed_poll_url=True,
            cost=reported_cost,
            max_bytes=JSON_CAP,
            ttl=IMAGE_TTL,
            timeout_seconds=60,
        ),
        # The signed polling URL handed out instead of BFL's own (comfy-contract §5.3): no auth, one job.
        Route(
            "GET",
            "poll/{token:token}",
            "/get_result?id={job}",
            "poll",
            name="poll",
            body="none",
            status=POLL_STATUS,
            public=True,
            gone=lambda data: dig(data, "status") == "Task not found",
            timeout_seconds=60,
        ),
    ),
    prices={
        **{f"{model}/image": ("image", micros, SOURCE) for model, micros in PER_IMAGE.items()},
        **{f"{model}/megapixel": ("megapixel", micros, SOURCE) for model, micros in PER_MEGAPIXEL.items()},
        **{f"flux-tools/{tool}/image": ("image", micros, SOURCE) for tool, micros in TOOLS.items()},
    },
)
