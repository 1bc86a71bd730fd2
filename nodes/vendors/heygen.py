"""HeyGen v3: avatar and talking-photo videos, video translation, new avatars (submit → poll) and speech
(sync); videos and speech are charged on the seconds HeyGen reports delivering."""

from __future__ import annotations

import math
from typing import Any

from nodes.engine.types import Call, LineItem, Outcome, Poll, Route, Vendor
from nodes.vendors.common import (
    JSON_CAP,
    SYNC_TTL,
    VIDEO_TTL,
    Check,
    choice,
    delivered_seconds,
    dig,
    each,
    fixed,
    named,
    obj,
    param,
    status_of,
    text,
    text_id,
)

BADGE = "ComfyUI 0.30.0 price badge, nodes_heygen.py (2026-12-07)"
# Per second of video by what renders it; where the badge is a range, its top (Avatar IV runs $0.0715/s on a
# photo and $0.095381/s on a studio avatar, Avatar III $0.023881-0.061919/s; the request does not say which).
VIDEO_PER_SECOND = {"talking-photo": 71_500, "avatar_iv": 95_381, "avatar_iii": 61_919, "avatar_v": 95_381}
TRANSLATE_PER_SECOND = {"speed": 47_619, "precision": 95_381}
SPEECH_PER_SECOND = 954  # $0.00095381, rounded to the micro-dollar
NEW_AVATAR = 1_430_000
# The longest a video or speech can run: ComfyUI's HeyGen nodes take audio up to 10 minutes and scripts up
# to 5,000 characters; the hold is that long, the charge the `duration` HeyGen reports.
MAX_SECONDS = 600
DEFAULT_ENGINE = "avatar_iv"  # the node's preference when a look supports several engines


def video_price(call: Call) -> list[LineItem]:
    kind = choice(call, "type", default="avatar", allowed=("avatar", "image"))
    if kind == "image":
        return each("talking-photo/second", MAX_SECONDS)
    engine = choice(
        call,
        "type",
        default=DEFAULT_ENGINE,
        allowed=("avatar_iv", "avatar_iii", "avatar_v"),
        source=obj(call, "engine"),
    )
    return each(f"{engine}/second", MAX_SECONDS)


def translate_price(call: Call) -> list[LineItem]:
    mode = choice(call, "mode", default="precision", allowed=TRANSLATE_PER_SECOND)
    return each(f"translate/{mode}/second", MAX_SECONDS)


def speech_price(call: Call) -> list[LineItem]:
    return each("speech/second", MAX_SECONDS)


def speech_cost(data: Any, call: Call) -> list[LineItem] | None:
    """The seconds of speech HeyGen made (`data.duration`), per started second; None: the quote."""
    length = dig(data, "data", "duration")
    if (
        isinstance(length, bool)
        or not isinstance(length, int | float)
        or not math.isfinite(length)
        or length <= 0
    ):
        return None
    return each("speech/second", math.ceil(length))


def _model(call: Call) -> str:
    if call.body.value("type") == "image":
        return "talking-photo"
    engine = call.body.value("engine")
    return str(engine.get("type") or DEFAULT_ENGINE) if isinstance(engine, dict) else DEFAULT_ENGINE


def video_id(data: Any) -> str | None:
    return text_id(dig(data, "data", "video_id"))


def translation_id(data: Any) -> str | None:
    return text_id(dig(data, "data", "video_translation_ids", 0))


def look_id(data: Any) -> str | None:
    return text_id(dig(data, "data", "avatar_item", "id"))


def look_status(data: Any, http_status: int) -> Outcome:
    """A look with no status needed no training and is ready (the node reads it so); `pending_consent`
    waits on a person's consent the node will not wait for: it fails, and nothing is charged."""
    status = dig(data, "data", "status")
    if status in (None, "", "completed"):
        return "success" if isinstance(dig(data, "data"), dict) else "pending"
    if status in ("failed", "pending_consent"):
        return "failure"
    return "pending"


def _look_word(data: Any) -> str:
    return str(dig(data, "data", "status") or "completed")


def _data_status(data: Any) -> str:
    return str(dig(data, "data", "status") or "")


VIDEO_STATUS = status_of("data", "status", success={"completed"}, failure={"failed"})

VENDOR = Vendor(
    name="heygen",
    title="HeyGen",
    live_base="https://api.heygen.com",
    sandbox_base="/heygen",
    key_header="X-Api-Key",
    routes=(
        Route(
            "POST",
            "v3/videos",
            "/v3/videos",
            "submit",
            price=video_price,
            model=_model,
            job_id=video_id,
            poll_route="video",
            max_bytes=JSON_CAP,
            ttl=VIDEO_TTL,
        ),
        Route(
            "GET",
            "v3/videos/{id:id}",
            "/v3/videos/{job}",
            "poll",
            name="video",
            body="none",
            status=VIDEO_STATUS,
            poll=Poll(
                job_ref=param("id"),
                settled_cost=delivered_seconds("data", "duration"),
                status_word=_data_status,
            ),
            timeout_seconds=60,
        ),
        Route(
            "POST",
            "v3/video-translations",
            "/v3/video-translations",
            "submit",
            price=translate_price,
            model=named("video-translate"),
            job_id=translation_id,
            poll_route="translation",
            max_bytes=JSON_CAP,
            ttl=VIDEO_TTL,
        ),
        Route(
            "GET",
            "v3/video-translations/{id:id}",
            "/v3/video-translations/{job}",
            "poll",
            name="translation",
            body="none",
            status=VIDEO_STATUS,
            poll=Poll(
                job_ref=param("id"),
                settled_cost=delivered_seconds("data", "duration"),
                status_word=_data_status,
            ),
            timeout_seconds=60,
        ),
        Route(
            "POST",
            "v3/avatars",
            "/v3/avatars",
            "submit",
            price=fixed("avatar/create"),
            model=named("avatar"),
            job_id=look_id,
            poll_route="look",
            max_bytes=JSON_CAP,
            ttl=VIDEO_TTL,
        ),
        Route(
            "GET",
            "v3/avatars/looks/{id:id}",
            "/v3/avatars/looks/{job}",
            "poll",
            name="look",
            body="none",
            status=look_status,
            # The same path reads an existing look (custom_avatar_id): free for ids of no job of the caller's.
            poll=Poll(job_ref=param("id"), status_word=_look_word, lookup=True),
            timeout_seconds=60,
        ),
        Route(
            "POST",
            "v3/voices/speech",
            "/v3/voices/speech",
            "sync",
            price=speech_price,
            model=named("starfish"),
            cost=speech_cost,
            max_bytes=1024 * 1024,
            ttl=SYNC_TTL,
        ),
    ),
    prices={
        **{f"{name}/second": ("second", micros, BADGE) for name, micros in VIDEO_PER_SECOND.items()},
        **{
            f"translate/{mode}/second": ("second", micros, BADGE)
            for mode, micros in TRANSLATE_PER_SECOND.items()
        },
        "speech/second": ("second", SPEECH_PER_SECOND, BADGE),
        "avatar/create": ("avatar", NEW_AVATAR, BADGE),
    },
    model_names={
        "talking-photo": "Talking photo",
        "avatar_iv": "Avatar IV",
        "avatar_iii": "Avatar III",
        "avatar_v": "Avatar V",
        "video-translate": "Video translation",
        "starfish": "Starfish TTS",
        "avatar": "New avatar",
        "speech": "Starfish TTS",
        "translate": "Video translation",
    },
)

# Validated before reserving (nodes/validation.py): HeyGen's own limits as the nodes apply them.
CHECKS: dict[str, tuple[Check, ...]] = {
    "POST v3/videos": (text("script", required=False, max_length=5000),),
    "POST v3/video-translations": (
        Check("output_languages", "list", required=True, max_length=1),
        text("output_languages.0", max_length=100),
        text("video.url", max_length=100_000),
    ),
    "POST v3/avatars": (text("prompt", required=False, max_length=1000), text("type", max_length=10)),
    "POST v3/voices/speech": (text("text", max_length=5000), text("voice_id", max_length=200)),
}
