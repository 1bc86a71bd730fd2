"""Bria v2: image edit, background removal and video background work (submit → GET v2/status/{id})."""

from __future__ import annotations

from nodes.engine.types import Poll, PriceFn, Route, Vendor
from nodes.vendors.common import (
    IMAGE_TTL,
    JSON_CAP,
    VIDEO_TTL,
    Check,
    dig,
    fixed,
    named,
    param,
    status_of,
    text,
    text_id,
)

BADGE = "ComfyUI 0.30.0 price badge, nodes_bria.py (2026-12-07)"
IMAGE_EDIT = 40_000
REMOVE_BACKGROUND = 18_000
VIDEO_PER_SECOND = 50_000
# The nodes take videos up to 60 s and send no length; Bria's status reply reports none either, so a video
# is held and charged at the longest the nodes send.
VIDEO_SECONDS = 60


def request_id(data: object) -> str | None:
    return text_id(dig(data, "request_id"))


def _status_word(data: object) -> str:
    return str(dig(data, "status") or "")


def _submit(path: str, price: PriceFn, model: str, *, video: bool = False) -> Route:
    return Route(
        "POST",
        path,
        "/" + path,
        "submit",
        price=price,
        model=named(model),
        job_id=request_id,
        poll_route="status",
        max_bytes=JSON_CAP,
        ttl=VIDEO_TTL if video else IMAGE_TTL,
    )


VIDEO_PRICE = fixed("video-background/second", VIDEO_SECONDS)

VENDOR = Vendor(
    name="bria",
    title="Bria",
    live_base="https://engine.prod.bria-api.com",  # docs.bria.ai (2026-12-07)
    sandbox_base="/bria",
    key_header="api_token",
    routes=(
        # BriaImageEditNode calls `proxy/bria/v2/image/edit` (no leading slash: the same path).
        _submit("v2/image/edit", fixed("fibo-edit/image"), "fibo-edit"),
        _submit("v2/image/edit/remove_background", fixed("remove-background/image"), "rmbg-2.0"),
        _submit("v2/video/edit/remove_background", VIDEO_PRICE, "video-background-removal", video=True),
        _submit("v2/video/edit/green_screen", VIDEO_PRICE, "video-green-screen", video=True),
        _submit("v2/video/edit/replace_background", VIDEO_PRICE, "video-background-replace", video=True),
        Route(
            "GET",
            "v2/status/{id:id}",
            "/v2/status/{job}",
            "poll",
            name="status",
            body="none",
            status=status_of("status", success={"COMPLETED"}, failure={"ERROR", "UNKNOWN"}),
            poll=Poll(job_ref=param("id"), status_word=_status_word),
            timeout_seconds=60,
        ),
    ),
    prices={
        "fibo-edit/image": ("image", IMAGE_EDIT, BADGE),
        "remove-background/image": ("image", REMOVE_BACKGROUND, BADGE),
        "video-background/second": ("second", VIDEO_PER_SECOND, BADGE),
    },
    model_names={
        "fibo-edit": "FIBO Edit",
        "rmbg-2.0": "RMBG 2.0",
        "video-background-removal": "Video background removal",
        "video-green-screen": "Video green screen",
        "video-background-replace": "Video background replacement",
        "remove-background": "Background removal",
        "video-background": "Video background removal, green screen or replacement",
    },
)

_VIDEO = text("video", max_length=100_000)
CHECKS: dict[str, tuple[Check, ...]] = {
    "POST v2/image/edit": (
        Check("images", "list", required=True, max_length=1),
        text("images.0", max_length=100_000),
        text("instruction", required=False),
        text("structured_instruction", required=False, max_length=100_000),
    ),
    "POST v2/image/edit/remove_background": (text("image", max_length=100_000),),
    "POST v2/video/edit/remove_background": (_VIDEO,),
    "POST v2/video/edit/green_screen": (_VIDEO,),
    "POST v2/video/edit/replace_background": (_VIDEO, text("background_url", max_length=100_000)),
}
