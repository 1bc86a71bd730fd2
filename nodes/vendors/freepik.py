"""Magnific (the Freepik API): upscaling, relighting, style transfer and skin enhancement, each a submit →
`{route}/{task_id}` poll; a finished task is charged its quote (Freepik reports no cost)."""

from __future__ import annotations

from typing import Any

from nodes.engine.types import Call, LineItem, Outcome, Poll, Route, Vendor
from nodes.vendors.common import (
    IMAGE_TTL,
    JSON_CAP,
    Check,
    choice,
    dig,
    each,
    fixed,
    named,
    param,
    status_of,
    text,
    text_id,
)

BADGE = "ComfyUI 0.30.0 price badge, nodes_magnific.py (2026-12-07)"
# An upscale costs by the input's megapixels at each 2x step (EUR tiers); the request only carries the
# image's URL, so it is held and charged at the badge's top for its scale factor.
CREATIVE_UPSCALE = {"2x": 515_000, "4x": 844_000, "8x": 1_015_000, "16x": 1_187_000}
PRECISE_UPSCALE = {"2": 2_045_000, "4": 2_545_000, "8": 2_889_000, "16": 3_060_000}
SKIN = {"creative": 290_000, "faithful": 370_000, "flexible": 450_000}
RELIGHT = 110_000
STYLE_TRANSFER = 110_000


def creative_price(call: Call) -> list[LineItem]:
    scale = choice(call, "scale_factor", default="2x", allowed=CREATIVE_UPSCALE)
    return each(f"upscaler-creative/{scale}/image")


def precise_price(call: Call) -> list[LineItem]:
    scale = choice(call, "scale_factor", default="2", allowed=PRECISE_UPSCALE)
    return each(f"upscaler-precision-v2/{scale}x/image")


def skin_price(call: Call) -> list[LineItem]:
    return each(f"skin-enhancer/{call.params['endpoint']}/image")


def task_id(data: Any) -> str | None:
    return text_id(dig(data, "data", "task_id")) or text_id(dig(data, "task_id"))


def _status_word(data: Any) -> str:
    inner = dig(data, "data")
    source = inner if isinstance(inner, dict) else data
    return str(dig(source, "status") or dig(source, "task_status") or "")


_WRAPPED = status_of("data", "status", success={"COMPLETED"}, failure={"FAILED"})
_PLAIN = status_of("status", success={"COMPLETED"}, failure={"FAILED"})


def task_status(data: Any, http_status: int) -> Outcome:
    """Freepik wraps a task in `data`; the nodes also read it unwrapped."""
    return _WRAPPED(data, http_status) if isinstance(dig(data, "data"), dict) else _PLAIN(data, http_status)


def _task(path: str, price: Any, model: Any, poll: str) -> tuple[Route, Route]:
    base = path.split("/{", 1)[0]
    submit = Route(
        "POST",
        path,
        "/" + path.replace("{endpoint=creative|faithful|flexible}", "{endpoint}"),
        "submit",
        price=price,
        model=model,
        job_id=task_id,
        poll_route=poll,
        max_bytes=JSON_CAP,
        ttl=IMAGE_TTL,
    )
    polled = Route(
        "GET",
        base + "/{task_id:id}",
        "/" + base + "/{job}",
        "poll",
        name=poll,
        body="none",
        status=task_status,
        poll=Poll(job_ref=param("task_id"), status_word=_status_word),
        timeout_seconds=60,
    )
    return submit, polled


def _skin_model(call: Call) -> str:
    return f"skin-enhancer-{call.params['endpoint']}"


VENDOR = Vendor(
    name="freepik",
    title="Magnific (Freepik)",
    live_base="https://api.freepik.com",
    sandbox_base="/freepik",
    key_header="x-freepik-api-key",
    routes=(
        *_task("v1/ai/image-upscaler", creative_price, named("upscaler-creative"), "upscaler"),
        *_task(
            "v1/ai/image-upscaler-precision-v2",
            precise_price,
            named("upscaler-precision-v2"),
            "upscaler-precision-v2",
        ),
        *_task("v1/ai/image-relight", fixed("relight/image"), named("relight"), "relight"),
        *_task("v1/ai/image-style-transfer", fixed("style-transfer/image"), named("style-transfer"), "style"),
        *_task("v1/ai/skin-enhancer/{endpoint=creative|faithful|flexible}", skin_price, _skin_model, "skin"),
    ),
    prices={
        **{f"upscaler-creative/{s}/image": ("image", m, BADGE) for s, m in CREATIVE_UPSCALE.items()},
        **{f"upscaler-precision-v2/{s}x/image": ("image", m, BADGE) for s, m in PRECISE_UPSCALE.items()},
        **{f"skin-enhancer/{mode}/image": ("image", m, BADGE) for mode, m in SKIN.items()},
        "relight/image": ("image", RELIGHT, BADGE),
        "style-transfer/image": ("image", STYLE_TRANSFER, BADGE),
    },
    model_names={
        "upscaler-creative": "Magnific Upscale (Creative)",
        "upscaler-precision-v2": "Magnific Upscale (Precise V2)",
        "relight": "Magnific Relight",
        "style-transfer": "Magnific Style Transfer",
        "skin-enhancer": "Magnific Skin Enhancer",
        "skin-enhancer-creative": "Magnific Skin Enhancer (Creative)",
        "skin-enhancer-faithful": "Magnific Skin Enhancer (Faithful)",
        "skin-enhancer-flexible": "Magnific Skin Enhancer (Flexible)",
    },
)

_IMAGE = text("image", max_length=100_000)
# Validated before reserving (nodes/validation.py): every task needs its image (a URL).
CHECKS: dict[str, tuple[Check, ...]] = {
    "POST v1/ai/image-upscaler": (_IMAGE, text("prompt", required=False)),
    "POST v1/ai/image-upscaler-precision-v2": (_IMAGE,),
    "POST v1/ai/image-relight": (_IMAGE, text("prompt", required=False)),
    "POST v1/ai/image-style-transfer": (
        _IMAGE,
        text("reference_image", max_length=100_000),
        text("prompt", required=False),
    ),
    "POST v1/ai/skin-enhancer/{endpoint}": (_IMAGE,),
}
