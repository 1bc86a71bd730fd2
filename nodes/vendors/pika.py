"""Pika 2.2 (older clients): form-encoded t2v, multipart i2v/frames/scenes/effects → GET videos/{id}."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from nodes.engine.types import Call, LineItem, Poll, Route, Vendor
from nodes.vendors.common import (
    MULTIPART_CAP,
    VIDEO_TTL,
    VIDEO_UPLOAD_CAP,
    Check,
    choice,
    dig,
    each,
    file,
    fixed,
    named,
    param,
    seconds,
    status_of,
    text,
    text_id,
)

# Pika left ComfyUI in Dec 2025; its last badges (ComfyUI_frontend useNodePricing.ts, 2025) are the public
# figures. Pikaframes and Pikascenes have their own tables, not the text/image-to-video one.
SOURCE = (
    "ComfyUI price badge (ComfyUI_frontend useNodePricing.ts, Pika*2_2 / Pikadditions / Pikaffects, 2025)"
)
GENERATE = {("720p", 5): 200_000, ("720p", 10): 600_000, ("1080p", 5): 450_000, ("1080p", 10): 1_000_000}
FRAMES = {("720p", 5): 200_000, ("720p", 10): 250_000, ("1080p", 5): 300_000, ("1080p", 10): 1_000_000}
SCENES = {("720p", 5): 300_000, ("720p", 10): 400_000, ("1080p", 5): 500_000, ("1080p", 10): 1_500_000}
TABLES = {"2.2": GENERATE, "2.2/pikaframes": FRAMES, "2.2/pikascenes": SCENES}
EFFECTS = {"pikadditions": 300_000, "pikaswaps": 300_000, "pikaffects": 450_000}


def _priced(table: str, *, default_duration: int) -> Callable[[Call], list[LineItem]]:
    def price(call: Call) -> list[LineItem]:
        resolution = choice(call, "resolution", default="1080p", allowed=("720p", "1080p"))
        duration = seconds(call, "duration", default=default_duration, low=1, high=10)
        return each(f"{table}/{resolution}/{5 if duration <= 5 else 10}s")

    return price


generate_price = _priced("2.2", default_duration=5)
frames_price = _priced("2.2/pikaframes", default_duration=10)
scenes_price = _priced("2.2/pikascenes", default_duration=10)


def video_id(data: Any) -> str | None:
    return text_id(dig(data, "video_id"))


def _submit(path: str, upstream: str, body: Any, price: Any, cap: int) -> Route:
    return Route(
        "POST",
        path,
        upstream,
        "submit",
        body=body,
        price=price,
        model=named(path.rsplit("/", 1)[1]),
        job_id=video_id,
        poll_route="poll",
        max_bytes=cap,
        ttl=VIDEO_TTL,
    )


VENDOR = Vendor(
    name="pika",
    title="Pika",
    live_base="https://api.pika.art",
    sandbox_base="/pika",
    key_header="X-API-KEY",
    routes=(
        _submit("generate/2.2/t2v", "/generate/2.2/t2v", "form", generate_price, 64 * 1024),
        _submit("generate/2.2/i2v", "/generate/2.2/i2v", "multipart", generate_price, MULTIPART_CAP),
        _submit(
            "generate/2.2/pikaframes", "/generate/2.2/pikaframes", "multipart", frames_price, MULTIPART_CAP
        ),
        _submit(
            "generate/2.2/pikascenes", "/generate/2.2/pikascenes", "multipart", scenes_price, MULTIPART_CAP
        ),
        *(
            _submit(
                f"generate/{name}",
                f"/generate/{name}",
                "multipart",
                fixed(name),
                VIDEO_UPLOAD_CAP,
            )
            for name in EFFECTS
        ),
        Route(
            "GET",
            "videos/{video_id:id}",
            "/videos/{job}",
            "poll",
            name="poll",
            body="none",
            status=status_of("status", success={"finished"}, failure={"failed", "cancelled"}),
            poll=Poll(job_ref=param("video_id")),
            timeout_seconds=60,
        ),
    ),
    prices={
        **{
            f"{table}/{res}/{dur}s": ("video", micros, SOURCE)
            for table, rows in TABLES.items()
            for (res, dur), micros in rows.items()
        },
        **{name: ("video", micros, SOURCE) for name, micros in EFFECTS.items()},
    },
)

# Validated before reserving (nodes/validation.py): the form's prompt and source files.
CHECKS: dict[str, tuple[Check, ...]] = {
    "POST generate/2.2/t2v": (text("promptText"),),
    "POST generate/2.2/i2v": (file("image"),),
    "POST generate/pikadditions": (file("video"), file("image")),
    "POST generate/pikaswaps": (file("video"),),
    "POST generate/pikaffects": (file("image"),),
}
