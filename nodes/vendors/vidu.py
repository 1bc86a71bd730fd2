"""Vidu (ShengShu): text, image, reference and start/end-frame to video, video extension and multi-frame
videos, each a task (POST → `task_id`, poll GET `tasks/{id}/creations`), priced like ComfyUI's Vidu badges
and settled on the `credits` Vidu reports ($0.005 a credit, as the nodes' price extractor counts them).

Vidu's API (platform.vidu.com/docs, 2026-12-08): base `https://api.vidu.com/ent/v2`, key header
`Authorization: Token <key>`; task `state` created → queueing → processing → success | failed, with
`err_code` naming why a task failed and `credits` what it cost (also on the submit reply). Vidu returns the
credits of failed and moderated tasks, so those are charged nothing. `off_peak` requests cost Vidu fewer
credits: they are held at the full price and settle on the credits reported.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from comfyweb.errors import ApiError
from nodes.engine.types import Call, LineItem, Outcome, Poll, PriceFn, Route, Vendor
from nodes.vendors.common import (
    JSON_CAP,
    VIDEO_TTL,
    Check,
    choice,
    dig,
    each,
    flag,
    integer,
    param,
    text,
    text_id,
)

BADGE = "ComfyUI 0.30.0 price badge, nodes_vidu.py (2026-12-08)"
MICROS_PER_CREDIT = 5_000  # $0.005: the nodes' price extractor (`credits * 0.005`); the badges agree
PROMPT_MAX = 2_000  # the nodes' (and Vidu's q1/q2) prompt limit
# Multi-frame videos are polled 480 times per keyframe (up to 9) at 5 s: 6 h, + the 40-minute poll window.
MULTIFRAME_TTL = timedelta(hours=6, minutes=40)

Q1 = "viduq1"
Q2 = "viduq2"
Q2_PRO_FAST, Q2_PRO, Q2_TURBO = "viduq2-pro-fast", "viduq2-pro", "viduq2-turbo"
Q3_PRO, Q3_TURBO = "viduq3-pro", "viduq3-turbo"
HD = ("720p", "1080p")
# Which models each generation route takes (Vidu's own lists, narrowed to what has a price row).
ROUTE_MODELS = {
    "text2video": (Q1, Q2, Q3_PRO, Q3_TURBO),
    "img2video": (Q1, Q2_PRO_FAST, Q2_PRO, Q2_TURBO, Q3_PRO, Q3_TURBO),
    "reference2video": (Q1, Q2),
    "start-end2video": (Q1, Q2_PRO_FAST, Q2_PRO, Q2_TURBO, Q3_PRO, Q3_TURBO),
}
SEQUEL_MODELS = (Q2_PRO, Q2_TURBO)  # extend and multiframe

# viduq1: one 5 s 1080p video, $0.40 (80 credits).
Q1_VIDEO = 400_000
# Most q2 badges are "base + per second after the first": (first second, each further second).
FIRST_AND_FURTHER = {
    f"{Q2}/720p": (75_000, 25_000),
    f"{Q2}/1080p": (100_000, 50_000),
    f"{Q2}-reference/720p": (125_000, 25_000),
    f"{Q2}-reference/1080p": (375_000, 50_000),
    f"{Q2_PRO_FAST}/720p": (40_000, 10_000),
    f"{Q2_PRO_FAST}/1080p": (80_000, 20_000),
    f"{Q2_PRO}/720p": (75_000, 50_000),
    f"{Q2_PRO}/1080p": (275_000, 75_000),
    f"{Q2_TURBO}/1080p": (175_000, 50_000),
    f"{Q2_PRO}-extend/720p": (150_000, 50_000),
    f"{Q2_PRO}-extend/1080p": (300_000, 75_000),
    f"{Q2_TURBO}-extend/720p": (75_000, 25_000),
    f"{Q2_TURBO}-extend/1080p": (200_000, 50_000),
}
# viduq2-turbo at 720p: $0.04 for 1 s, $0.05 for 2 s, then $0.05 a second.
TURBO_720_ONE_SECOND = 40_000
TURBO_720_TWO_SECONDS = 50_000
TURBO_720_PER_SECOND = 50_000
REFERENCE_AUDIO = 75_000  # viduq2 reference-to-video with generated speech and music
# Multi-frame: each keyframe transition, plus each second of all of them.
MULTIFRAME = {
    f"{Q2_PRO}/720p": (150_000, 50_000),
    f"{Q2_PRO}/1080p": (300_000, 75_000),
    f"{Q2_TURBO}/720p": (75_000, 25_000),
    f"{Q2_TURBO}/1080p": (200_000, 50_000),
}
# viduq3: per second by resolution, audio or not; 2K only image-to-video with viduq3-pro.
Q3_PER_SECOND = {
    f"{Q3_PRO}/720p": 150_000,
    f"{Q3_PRO}/1080p": 160_000,
    f"{Q3_PRO}/2K": 200_000,
    f"{Q3_TURBO}/720p": 60_000,
    f"{Q3_TURBO}/1080p": 80_000,
}
KEYFRAMES = (2, 9)  # image_settings entries a multi-frame task takes
# The `err_code`s of a failed task that are Vidu's content moderation (platform.vidu.com/docs/error-code).
MODERATION_CODES = frozenset({"AuditSubmitIllegal", "CreationPolicyViolation", "TaskPromptPolicyViolation"})


def _first_then_each(prefix: str, duration: int) -> list[LineItem]:
    items = each(f"{prefix}/first-second")
    return items + each(f"{prefix}/second", duration - 1) if duration > 1 else items


def _resolution(call: Call, model: str, allowed: tuple[str, ...] = HD) -> str:
    # Vidu's defaults: 1080p for viduq1 (its only one), 720p for the others.
    return choice(call, "resolution", default="1080p" if model == Q1 else "720p", allowed=allowed)


def _q2_items(call: Call, model: str, route: str) -> list[LineItem]:
    resolution = _resolution(call, model)
    duration = integer(call, "duration", default=5, low=1, high=10)
    if model == Q2:
        prefix = f"{Q2}-reference" if route == "reference2video" else Q2
        items = _first_then_each(f"{prefix}/{resolution}", duration)
        if route == "reference2video" and flag(call, "audio", default=False):
            items += each(f"{Q2}-reference/audio")
        return items
    if model == Q2_TURBO and resolution == "720p":
        if duration == 1:
            return each(f"{Q2_TURBO}/720p/1s")
        items = each(f"{Q2_TURBO}/720p/2s")
        return items + each(f"{Q2_TURBO}/720p/second", duration - 2) if duration > 2 else items
    return _first_then_each(f"{model}/{resolution}", duration)


def _generation_price(route: str) -> PriceFn:
    """text2video, img2video, reference2video and start-end2video: by model, resolution and duration."""

    def price(call: Call) -> list[LineItem]:
        model = choice(call, "model", default="", allowed=ROUTE_MODELS[route])
        if model == Q1:
            _resolution(call, model, allowed=("1080p",))
            integer(call, "duration", default=5, low=5, high=5)
            return each(f"{Q1}/1080p/5s")
        if model.startswith("viduq3"):
            two_k = model == Q3_PRO and route == "img2video"
            resolution = _resolution(call, model, allowed=(*HD, "2K") if two_k else HD)
            return each(f"{model}/{resolution}/second", integer(call, "duration", default=5, low=1, high=16))
        return _q2_items(call, model, route)

    return price


def extend_price(call: Call) -> list[LineItem]:
    model = choice(call, "model", default="", allowed=SEQUEL_MODELS)
    resolution = _resolution(call, model)
    duration = integer(call, "duration", default=5, low=1, high=7)
    return _first_then_each(f"{model}-extend/{resolution}", duration)


def multiframe_price(call: Call) -> list[LineItem]:
    model = choice(call, "model", default="", allowed=SEQUEL_MODELS)
    resolution = _resolution(call, model)
    settings = call.body.value("image_settings")
    low, high = KEYFRAMES
    if not isinstance(settings, list) or not low <= len(settings) <= high:
        raise ApiError(400, "invalid_request", f"image_settings must list {low} to {high} keyframes.")
    if not all(isinstance(item, dict) for item in settings):
        raise ApiError(400, "invalid_request", "Each image_settings entry must be an object.")
    seconds = sum(integer(call, "duration", default=5, low=2, high=7, source=item) for item in settings)
    prefix = f"{model}-multiframe/{resolution}"
    return [*each(f"{prefix}/keyframe", len(settings)), *each(f"{prefix}/second", seconds)]


def _credits_micros(data: Any) -> int | None:
    """Vidu's `credits` in micro-USD; None (the quote) when missing, garbled or zero for a video."""
    used = dig(data, "credits")
    if isinstance(used, bool) or not isinstance(used, int) or used <= 0:
        return None
    return used * MICROS_PER_CREDIT


def submit_cost(data: Any, call: Call) -> int | None:
    return _credits_micros(data)


def settled_cost(data: Any, context: Any) -> int | None:
    return _credits_micros(data)


def task_id(data: Any) -> str | None:
    """The task to poll; none when Vidu already answers `failed` (the node gives up without polling)."""
    if dig(data, "state") == "failed":
        return None
    return text_id(dig(data, "task_id"))


def task_status(data: Any, http_status: int) -> Outcome:
    state = dig(data, "state")
    if state == "success":
        # The node fails a success without a video ("does not contain results"): nothing was delivered.
        return "success" if dig(data, "creations", 0, "url") else "failure"
    if state == "failed":
        return "moderated" if dig(data, "err_code") in MODERATION_CODES else "failure"
    return "pending"


def _state_word(data: Any) -> str:
    return str(dig(data, "state") or "")


def error_message(data: Any) -> tuple[str, str]:
    """Vidu's errors: `{"code": 400, "reason": "FieldInvalid", "message": "…", "metadata": {}}`."""
    if not isinstance(data, dict):
        return "", ""
    return str(data.get("message") or ""), str(data.get("reason") or data.get("code") or "")


def _submit(path: str, price: PriceFn, ttl: timedelta = VIDEO_TTL) -> Route:
    return Route(
        "POST",
        path,
        f"/{path}",
        "submit",
        price=price,
        job_id=task_id,
        cost=submit_cost,
        poll_route="task",
        max_bytes=JSON_CAP,
        ttl=ttl,
    )


def _rows() -> dict[str, tuple[str, int, str]]:
    rows: dict[str, tuple[str, int, str]] = {f"{Q1}/1080p/5s": ("5 s of video", Q1_VIDEO, BADGE)}
    for prefix, (first, further) in FIRST_AND_FURTHER.items():
        rows[f"{prefix}/first-second"] = ("first second", first, BADGE)
        rows[f"{prefix}/second"] = ("further second", further, BADGE)
    rows[f"{Q2_TURBO}/720p/1s"] = ("1 s video", TURBO_720_ONE_SECOND, BADGE)
    rows[f"{Q2_TURBO}/720p/2s"] = ("first 2 s", TURBO_720_TWO_SECONDS, BADGE)
    rows[f"{Q2_TURBO}/720p/second"] = ("further second", TURBO_720_PER_SECOND, BADGE)
    rows[f"{Q2}-reference/audio"] = ("video with audio", REFERENCE_AUDIO, BADGE)
    for prefix, (keyframe, second) in MULTIFRAME.items():
        model, resolution = prefix.split("/")
        rows[f"{model}-multiframe/{resolution}/keyframe"] = ("keyframe", keyframe, BADGE)
        rows[f"{model}-multiframe/{resolution}/second"] = ("second", second, BADGE)
    for prefix, micros in Q3_PER_SECOND.items():
        rows[f"{prefix}/second"] = ("second", micros, BADGE)
    return rows


VENDOR = Vendor(
    name="vidu",
    title="Vidu",
    live_base="https://api.vidu.com/ent/v2",
    sandbox_base="/vidu/ent/v2",
    key_header="Authorization",
    key_prefix="Token ",
    error_message=error_message,
    routes=(
        *(_submit(route, _generation_price(route)) for route in ROUTE_MODELS),
        _submit("extend", extend_price),
        _submit("multiframe", multiframe_price, MULTIFRAME_TTL),
        Route(
            "GET",
            "tasks/{id:id}/creations",
            "/tasks/{job}/creations",
            "poll",
            name="task",
            body="none",
            status=task_status,
            poll=Poll(job_ref=param("id"), settled_cost=settled_cost, status_word=_state_word),
            timeout_seconds=60,
        ),
    ),
    prices=_rows(),
    model_names={
        Q1: "Vidu Q1",
        Q2: "Vidu Q2",
        Q2_PRO_FAST: "Vidu Q2 Pro Fast",
        Q2_PRO: "Vidu Q2 Pro",
        Q2_TURBO: "Vidu Q2 Turbo",
        Q3_PRO: "Vidu Q3 Pro",
        Q3_TURBO: "Vidu Q3 Turbo",
        f"{Q2}-reference": "Vidu Q2 reference-to-video",
        f"{Q2_PRO}-extend": "Vidu Q2 Pro extension",
        f"{Q2_TURBO}-extend": "Vidu Q2 Turbo extension",
        f"{Q2_PRO}-multiframe": "Vidu Q2 Pro multi-frame",
        f"{Q2_TURBO}-multiframe": "Vidu Q2 Turbo multi-frame",
        "keyframe": "each keyframe",
        "first-second": "first second",
    },
)

# Validated before reserving (nodes/validation.py): the limits the Vidu nodes apply. Images are URLs or
# base64 data URLs (Vidu takes either), so they are bounded by the body cap only.
_PROMPT = text("prompt", max_length=PROMPT_MAX)
_OPTIONAL_PROMPT = text("prompt", required=False, max_length=PROMPT_MAX)
CHECKS: dict[str, tuple[Check, ...]] = {
    "POST text2video": (_PROMPT,),
    "POST img2video": (_OPTIONAL_PROMPT, Check("images", "list", required=True, max_length=1)),
    "POST reference2video": (
        _PROMPT,
        Check("images", "list", max_length=7),
        Check("subjects", "list", max_length=7),
    ),
    "POST start-end2video": (_OPTIONAL_PROMPT, Check("images", "list", required=True, max_length=2)),
    "POST extend": (
        _OPTIONAL_PROMPT,
        text("video_url", max_length=100_000),
        Check("images", "list", max_length=1),
    ),
    "POST multiframe": (
        text("start_image", max_length=JSON_CAP),
        Check("image_settings", "list", required=True, max_length=KEYFRAMES[1]),
        *(text(f"image_settings.{i}.key_image", max_length=JSON_CAP) for i in range(KEYFRAMES[0])),
        *(
            text(f"image_settings.{i}.prompt", required=False, max_length=PROMPT_MAX)
            for i in range(KEYFRAMES[1])
        ),
    ),
}
