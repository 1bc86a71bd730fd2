"""Kling: submit → GET `<submit path>/{task_id}`; vendor status words are passed through unchanged."""

from __future__ import annotations

from typing import Any

from nodes.engine.types import Call, LineItem, Route, Vendor
from nodes.vendors.common import (
    IMAGE_TTL,
    JSON_CAP,
    VIDEO_TTL,
    choice,
    dig,
    each,
    fixed,
    integer,
    named,
    param,
    query,
    seconds,
    status_of,
    text_id,
)

SOURCE = "Kling API list price per 5 s (klingai.com dev pricing), seeded default: check before going live"
ESTIMATE = "estimate from Kling API pricing; verify before production"
VIDEO_PER_5S = {
    ("kling-v1", "std"): 140_000,
    ("kling-v1", "pro"): 490_000,
    ("kling-v1-5", "std"): 280_000,
    ("kling-v1-5", "pro"): 490_000,
    ("kling-v1-6", "std"): 280_000,
    ("kling-v1-6", "pro"): 490_000,
    ("kling-v2-master", "std"): 1_400_000,
    ("kling-v2-master", "pro"): 1_400_000,
    ("kling-v2-1", "std"): 280_000,
    ("kling-v2-1", "pro"): 490_000,
    ("kling-v2-1-master", "std"): 1_400_000,
    ("kling-v2-1-master", "pro"): 1_400_000,
    ("kling-v2-5-turbo", "std"): 210_000,
    ("kling-v2-5-turbo", "pro"): 350_000,
    ("kling-v2-6", "std"): 210_000,
    ("kling-v2-6", "pro"): 350_000,
    ("kling-video-o1", "std"): 420_000,
    ("kling-video-o1", "pro"): 560_000,
}
IMAGE = {
    "kling-v1": 3_500,
    "kling-v1-5": 14_000,
    "kling-v2": 14_000,
    "kling-v2-1": 14_000,
    "kling-image-o1": 28_000,
}
FIXED = {
    "video-extend/call": (280_000, SOURCE),
    "lip-sync/5s": (140_000, SOURCE),
    "effects/5s": (490_000, SOURCE),
    "avatar/second": (112_000, ESTIMATE),
    "motion-control/second": (112_000, ESTIMATE),
    "kolors-virtual-try-on/image": (70_000, SOURCE),
    "kling-3.0-turbo/second": (84_000, ESTIMATE),
}
MODELS = sorted({model for model, _mode in VIDEO_PER_5S})


def _per_5s(call: Call, *, default_model: str) -> list[LineItem]:
    model = choice(call, "model_name", default=default_model, allowed=MODELS)
    mode = choice(call, "mode", default="std", allowed=("std", "pro"))
    duration = seconds(call, "duration", default=5, low=1, high=15)
    return each(f"video/{model}/{mode}/5s", -(-duration // 5))


def video_price(call: Call) -> list[LineItem]:
    kind = call.params["kind"]
    if kind in ("text2video", "image2video"):
        return _per_5s(call, default_model="kling-v1")
    if kind == "omni-video":
        return _per_5s(call, default_model="kling-video-o1")
    if kind == "video-extend":
        return each("video-extend/call")
    if kind == "lip-sync":
        return each("lip-sync/5s", 2)  # the source video is at most 10 s
    if kind == "effects":
        duration = seconds(call, "duration", default=5, low=1, high=10, source=_input(call))
        return each("effects/5s", -(-duration // 5))
    return each("motion-control/second", 30)  # motion-control: at most 30 s


def _input(call: Call) -> dict[str, Any]:
    value = call.body.value("input")
    return value if isinstance(value, dict) else {}


def image_price(call: Call) -> list[LineItem]:
    kind = call.params["kind"]
    if kind == "kolors-virtual-try-on":
        return each("kolors-virtual-try-on/image")
    default = "kling-image-o1" if kind == "omni-image" else "kling-v1"
    model = choice(call, "model_name", default=default, allowed=IMAGE)
    return each(f"image/{model}", integer(call, "n", default=1, low=1, high=9))


def turbo_price(call: Call) -> list[LineItem]:
    return each("kling-3.0-turbo/second", seconds(call, "duration", default=5, low=1, high=15))


def task_id(data: Any) -> str | None:
    return text_id(dig(data, "data", "task_id"))


def turbo_id(data: Any) -> str | None:
    return text_id(dig(data, "data", "id"))


DEFAULT_MODELS = {
    "text2video": "kling-v1",
    "image2video": "kling-v1",
    "omni-video": "kling-video-o1",
    "generations": "kling-v1",
    "omni-image": "kling-image-o1",
}


def _model(call: Call) -> str:
    """The model the usage row records: the one sent, else the API's default for the route."""
    value = call.body.value("model_name")
    kind = call.params.get("kind", "")
    return str(value) if isinstance(value, str) else DEFAULT_MODELS.get(kind, kind)


POLL = status_of("data", "task_status", success={"succeed"}, failure={"failed"})
TURBO_POLL = status_of("data", 0, "status", success={"succeeded"}, failure={"failed"})
VIDEO_KINDS = "text2video|image2video|video-extend|lip-sync|effects|omni-video|motion-control"
IMAGE_KINDS = "generations|kolors-virtual-try-on|omni-image"
POLL_ARGS: dict[str, Any] = {
    "body": "none",
    "status": POLL,
    "job_ref": param("task_id"),
    "timeout_seconds": 60,
}

VENDOR = Vendor(
    name="kling",
    title="Kling",
    live_base="https://api-singapore.klingai.com",
    sandbox_base="/kling",
    key_header="Authorization",
    key_prefix="Bearer ",
    key_style="kling_jwt",
    routes=(
        Route(
            "POST",
            f"v1/videos/{{kind={VIDEO_KINDS}}}",
            "/v1/videos/{kind}",
            "submit",
            price=video_price,
            model=_model,
            job_id=task_id,
            poll_route="video-poll",
            max_bytes=JSON_CAP,
            ttl=VIDEO_TTL,
        ),
        Route(
            "GET",
            f"v1/videos/{{kind={VIDEO_KINDS}}}/{{task_id:id}}",
            "/v1/videos/{kind}/{job}",
            "poll",
            name="video-poll",
            **POLL_ARGS,
        ),
        Route(
            "POST",
            "v1/videos/avatar/image2video",
            "/v1/videos/avatar/image2video",
            "submit",
            price=fixed("avatar/second", 60),
            model=named("kling-avatar"),
            job_id=task_id,
            poll_route="avatar-poll",
            max_bytes=JSON_CAP,
            ttl=VIDEO_TTL,
        ),
        Route(
            "GET",
            "v1/videos/avatar/image2video/{task_id:id}",
            "/v1/videos/avatar/image2video/{job}",
            "poll",
            name="avatar-poll",
            **POLL_ARGS,
        ),
        Route(
            "POST",
            f"v1/images/{{kind={IMAGE_KINDS}}}",
            "/v1/images/{kind}",
            "submit",
            price=image_price,
            model=_model,
            job_id=task_id,
            poll_route="image-poll",
            max_bytes=JSON_CAP,
            ttl=IMAGE_TTL,
        ),
        Route(
            "GET",
            f"v1/images/{{kind={IMAGE_KINDS}}}/{{task_id:id}}",
            "/v1/images/{kind}/{job}",
            "poll",
            name="image-poll",
            **POLL_ARGS,
        ),
        Route(
            "POST",
            "{kind=text-to-video|image-to-video}/kling-3.0-turbo",
            "/v1/{kind}/kling-3.0-turbo",
            "submit",
            price=turbo_price,
            model=named("kling-3.0-turbo"),
            job_id=turbo_id,
            poll_route="tasks",
            max_bytes=JSON_CAP,
            ttl=VIDEO_TTL,
        ),
        Route(
            "GET",
            "tasks",
            "/v1/tasks?task_ids={job}",
            "poll",
            name="tasks",
            body="none",
            status=TURBO_POLL,
            job_ref=query("task_ids"),
            query={"task_ids": "id"},
            timeout_seconds=60,
        ),
    ),
    prices={
        **{
            f"video/{model}/{mode}/5s": ("5 s of video", micros, SOURCE)
            for (model, mode), micros in VIDEO_PER_5S.items()
        },
        **{f"image/{model}": ("image", micros, SOURCE) for model, micros in IMAGE.items()},
        **{key: (key.rsplit("/", 1)[1], micros, source) for key, (micros, source) in FIXED.items()},
    },
)
