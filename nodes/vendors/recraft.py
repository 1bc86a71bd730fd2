"""Recraft (sync): JSON generation and multipart image operations; the reply's `credits` is settled on."""

from __future__ import annotations

from typing import Any

from nodes.engine.types import Call, LineItem, Route, Vendor
from nodes.vendors.common import JSON_CAP, MULTIPART_CAP, SYNC_TTL, choice, dig, each, integer

SOURCE = "Recraft API list price (recraft.ai/docs pricing), seeded default: check before going live"
CREDIT_SOURCE = "Recraft reply `credits` in API units ($1 per 1,000 units, recraft.ai/docs pricing)"
VECTOR_STYLES = ("vector_illustration", "icon", "logo_raster")
GENERATE = {
    "recraftv3/raster": 40_000,
    "recraftv3/vector": 80_000,
    "recraftv2/raster": 22_000,
    "recraftv2/vector": 44_000,
}
OPERATIONS = {
    "imageToImage": 40_000,
    "inpaint": 40_000,
    "replaceBackground": 40_000,
    "vectorize": 10_000,
    "removeBackground": 10_000,
    "crispUpscale": 4_000,
    "creativeUpscale": 250_000,
}
PER_N = {"imageToImage", "inpaint", "replaceBackground"}


def generate_price(call: Call) -> list[LineItem]:
    model = choice(call, "model", default="recraftv3", allowed=("recraftv3", "recraftv2"))
    style = call.body.value("style")
    kind = "vector" if isinstance(style, str) and style in VECTOR_STYLES else "raster"
    return each(f"generate/{model}/{kind}", integer(call, "n", default=1, low=1, high=6))


def operation_price(call: Call) -> list[LineItem]:
    operation = call.params["op"]
    count = integer(call, "n", default=1, low=1, high=6) if operation in PER_N else 1
    return each(f"images/{operation}", count)


def reported_credits(data: Any, call: Call) -> list[LineItem] | None:
    value = dig(data, "credits")
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        return None
    return each("credit", value)


def delivered(data: Any, status: int) -> Any:
    has_image = bool(dig(data, "data", 0, "url") or dig(data, "image", "url"))
    return "success" if has_image else "failure"


def _model(call: Call) -> str:
    return str(call.body.value("model") or "recraftv3")


VENDOR = Vendor(
    name="recraft",
    title="Recraft",
    live_base="https://external.api.recraft.ai/v1",
    sandbox_base="/recraft/v1",
    key_header="Authorization",
    key_prefix="Bearer ",
    routes=(
        Route(
            "POST",
            "image_generation",
            "/images/generations",
            "sync",
            price=generate_price,
            model=_model,
            status=delivered,
            cost=reported_credits,
            max_bytes=JSON_CAP,
            ttl=SYNC_TTL,
            timeout_seconds=300,
        ),
        Route(
            "POST",
            f"images/{{op={'|'.join(OPERATIONS)}}}",
            "/images/{op}",
            "sync",
            body="multipart",
            price=operation_price,
            model=lambda call: f"recraft/{call.params['op']}",
            status=delivered,
            cost=reported_credits,
            max_bytes=MULTIPART_CAP,
            ttl=SYNC_TTL,
            timeout_seconds=300,
        ),
        Route("POST", "styles", "/styles", "upload", body="multipart", max_bytes=MULTIPART_CAP),
    ),
    prices={
        **{f"generate/{key}": ("image", micros, SOURCE) for key, micros in GENERATE.items()},
        **{f"images/{op}": ("image", micros, SOURCE) for op, micros in OPERATIONS.items()},
        "credit": ("API unit", 1_000, CREDIT_SOURCE),
    },
)
