"""Krea 2 image generation (submit → GET jobs/{id}) and the free reference-image upload (`assets`)."""

from __future__ import annotations

from comfyweb.errors import ApiError
from nodes.engine.types import Call, LineItem, Poll, Route, Vendor
from nodes.vendors.common import (
    IMAGE_TTL,
    JSON_CAP,
    MULTIPART_CAP,
    Check,
    dig,
    each,
    file,
    param,
    status_of,
    text,
    text_id,
)

BADGE = "ComfyUI 0.30.0 price badge, nodes_krea.py (2026-12-07)"
# µ$ per image by model and what steers it: a moodboard, else image style references, else the text alone.
PRICES = {
    "medium-turbo": {"text": 15_000, "style": 17_500, "moodboard": 20_000},
    "medium": {"text": 30_000, "style": 35_000, "moodboard": 40_000},
    "large": {"text": 60_000, "style": 65_000, "moodboard": 70_000},
}
STYLE_REFERENCES_MAX = 10


def _listed(call: Call, name: str) -> int:
    value = call.body.value(name)
    if value is None:
        return 0
    if not isinstance(value, list):
        raise ApiError(400, "invalid_request", f"{name} must be a list.")
    return len(value)


def price(call: Call) -> list[LineItem]:
    model = call.params["model"]
    if _listed(call, "moodboards"):
        steer = "moodboard"
    elif _listed(call, "image_style_references"):
        steer = "style"
    else:
        steer = "text"
    return each(f"krea-2-{model}/{steer}")


def _model(call: Call) -> str:
    return f"krea-2-{call.params['model']}"


def job_id(data: object) -> str | None:
    return text_id(dig(data, "job_id"))


VENDOR = Vendor(
    name="krea",
    title="Krea",
    live_base="https://api.krea.ai",  # docs.krea.ai (2026-12-07)
    sandbox_base="/krea",
    key_header="Authorization",
    key_prefix="Bearer ",
    routes=(
        Route("POST", "assets", "/assets", "upload", body="multipart", max_bytes=MULTIPART_CAP),
        Route(
            "POST",
            "generate/image/krea/krea-2/{model=medium|medium-turbo|large}",
            "/generate/image/krea/krea-2/{model}",
            "submit",
            price=price,
            model=_model,
            job_id=job_id,
            poll_route="job",
            max_bytes=JSON_CAP,
            ttl=IMAGE_TTL,
        ),
        Route(
            "GET",
            "jobs/{id:id}",
            "/jobs/{job}",
            "poll",
            name="job",
            body="none",
            # Queued: backlogged, queued, scheduled; running: processing, sampling, intermediate-complete.
            status=status_of("status", success={"completed"}, failure={"failed", "cancelled"}),
            poll=Poll(job_ref=param("id")),
            timeout_seconds=60,
        ),
    ),
    prices={
        f"krea-2-{model}/{steer}": ("image", micros, BADGE)
        for model, by_steer in PRICES.items()
        for steer, micros in by_steer.items()
    },
    model_names={
        "krea-2-medium": "Krea 2 Medium",
        "krea-2-medium-turbo": "Krea 2 Medium Turbo",
        "krea-2-large": "Krea 2 Large",
        "text": "text prompt",
        "style": "with style references",
        "moodboard": "with a moodboard",
    },
)

CHECKS: dict[str, tuple[Check, ...]] = {
    "POST assets": (file("file"),),
    "POST generate/image/krea/krea-2/{model}": (
        text("prompt"),
        Check("moodboards", "list", max_length=1),
        Check("image_style_references", "list", max_length=STYLE_REFERENCES_MAX),
    ),
}
