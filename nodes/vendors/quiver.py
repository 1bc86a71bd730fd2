"""QuiverAI Arrow: text to SVG and image to SVG (sync; the SVG markup comes back in `data[].svg`)."""

from __future__ import annotations

from nodes.engine.types import Call, LineItem, Route, Vendor
from nodes.vendors.common import JSON_CAP, SYNC_TTL, Check, choice, each, text

BADGE = "ComfyUI 0.30.0 price badge, nodes_quiver.py (2026-12-07)"
# µ$ per SVG by Arrow model; the request's own `model` (Quiver's default is arrow-preview).
PRICES = {"arrow-1.1": 286_000, "arrow-1.1-max": 357_500, "arrow-preview": 429_000}
DEFAULT_MODEL = "arrow-preview"


def price(call: Call) -> list[LineItem]:
    return each(choice(call, "model", default=DEFAULT_MODEL, allowed=PRICES))


def _model(call: Call) -> str:
    model = call.body.value("model")
    return model if isinstance(model, str) else DEFAULT_MODEL


def _route(path: str) -> Route:
    return Route(
        "POST", path, "/" + path, "sync", price=price, model=_model, max_bytes=JSON_CAP, ttl=SYNC_TTL
    )


VENDOR = Vendor(
    name="quiver",
    title="QuiverAI",
    live_base="https://api.quiver.ai",  # docs.quiver.ai (2026-12-07)
    sandbox_base="/quiver",
    key_header="Authorization",
    key_prefix="Bearer ",
    routes=(_route("v1/svgs/generations"), _route("v1/svgs/vectorizations")),
    prices={model: ("SVG", micros, BADGE) for model, micros in PRICES.items()},
    model_names={
        "arrow-1.1": "Arrow 1.1",
        "arrow-1.1-max": "Arrow 1.1 Max",
        "arrow-preview": "Arrow Preview",
    },
)

CHECKS: dict[str, tuple[Check, ...]] = {
    "POST v1/svgs/generations": (
        text("prompt"),
        text("instructions", required=False),
        Check("references", "list", max_length=4),
    ),
    "POST v1/svgs/vectorizations": (
        text("image.url", max_length=100_000),
        Check("target_size", "int", low=128, high=4096),
    ),
}
