"""Google Veo 2/3 on Vertex AI: submit (predictLongRunning) → POST poll (fetchPredictOperation)."""

from __future__ import annotations

import re
from typing import Any

from comfyweb.errors import ApiError
from nodes.engine.types import Call, LineItem, Outcome, Poll, Route, Vendor
from nodes.vendors.common import (
    JSON_CAP,
    VIDEO_TTL,
    Check,
    choice,
    dig,
    each,
    flag,
    integer,
    seconds,
    text,
    text_id,
)

# ComfyUI 0.30.0's Veo badges (comfy_api_nodes/nodes_veo2.py: VeoVideoGenerationNode, Veo3VideoGenerationNode,
# Veo3FirstLastFrameNode), $ per second by model, audio and `parameters.resolution`. Google reports no cost.
BADGE = "ComfyUI 0.30.0 price badge (nodes_veo2.py, Veo3VideoGenerationNode / Veo3FirstLastFrameNode)"
RESOLUTIONS = ("720p", "1080p", "4k")
# (model, audio) → µ$ per second at 720p, 1080p, 4k (None: the model makes no 4K video).
RATES: dict[tuple[str, str], tuple[int, int, int | None]] = {
    ("veo-2.0-generate-001", "silent"): (500_000, 500_000, None),
    ("veo-3.0-generate-001", "audio"): (400_000, 400_000, None),
    ("veo-3.0-generate-001", "silent"): (200_000, 200_000, None),
    ("veo-3.0-fast-generate-001", "audio"): (150_000, 150_000, None),
    ("veo-3.0-fast-generate-001", "silent"): (100_000, 100_000, None),
    ("veo-3.1-generate-001", "audio"): (400_000, 400_000, 600_000),
    ("veo-3.1-generate-001", "silent"): (200_000, 200_000, 400_000),
    ("veo-3.1-fast-generate-001", "audio"): (100_000, 120_000, 300_000),
    ("veo-3.1-fast-generate-001", "silent"): (80_000, 100_000, 250_000),
    ("veo-3.1-lite-generate-001", "audio"): (50_000, 80_000, None),
    ("veo-3.1-lite-generate-001", "silent"): (30_000, 50_000, None),
}


def _key(model: str, audio: str, resolution: str) -> str:
    """720p (Vertex's default) keeps the historical row name; other resolutions name theirs."""
    return f"{model}/{audio}/second" if resolution == "720p" else f"{model}/{audio}/{resolution}/second"


def _source(model: str, audio: str, resolution: str, micros: int) -> str:
    return f"{BADGE}: ${micros / 1_000_000:.2f}/s for {model} {resolution} {audio}"


PER_SECOND = {
    _key(model, audio, res): (micros, _source(model, audio, res, micros))
    for (model, audio), rates in RATES.items()
    for res, micros in zip(RESOLUTIONS, rates, strict=True)
    if micros is not None
}
MODELS = sorted({model for model, _ in RATES})
_OPERATION = re.compile(r"[A-Za-z0-9_.:/\-]{1,600}")


def price(call: Call) -> list[LineItem]:
    model = call.params["model"]
    parameters = call.body.value("parameters")
    params: dict[str, Any] = parameters if isinstance(parameters, dict) else {}
    duration = seconds(call, "durationSeconds", default=8, low=1, high=8, source=params)
    samples = integer(call, "sampleCount", default=1, low=1, high=4, source=params)
    audio = model != "veo-2.0-generate-001" and flag(call, "generateAudio", default=True, source=params)
    sound = "audio" if audio else "silent"
    resolution = choice(call, "resolution", default="720p", allowed=RESOLUTIONS, source=params)
    key = _key(model, sound, resolution)
    if key not in PER_SECOND:
        raise ApiError(422, "price_unavailable", f"This request cannot be priced: {model} at {resolution}.")
    return each(key, duration * samples)


def operation_name(call: Call) -> str:
    name = call.body.value("operationName")
    if not isinstance(name, str) or not _OPERATION.fullmatch(name):
        raise ApiError(
            400, "invalid_request", "operationName must be the operation name from the submit reply."
        )
    return name


def poll_outcome(data: Any, status: int) -> Outcome:
    if dig(data, "done") is not True:
        return "pending"
    if dig(data, "error"):
        return "failure"
    filtered = dig(data, "response", "raiMediaFilteredCount")
    if isinstance(filtered, int) and filtered > 0:
        return "moderated"
    return "success" if dig(data, "response", "videos", 0) else "failure"


def job_id(data: Any) -> str | None:
    return text_id(dig(data, "name"))


MODEL_PARAM = "{model=" + "|".join(MODELS) + "}"

VENDOR = Vendor(
    name="veo",
    title="Google Veo",
    live_base=(
        "https://us-central1-aiplatform.googleapis.com/v1/projects/{project}/locations/{location}"
        "/publishers/google/models"
    ),
    sandbox_base="/veo/v1/projects/{project}/locations/{location}/publishers/google/models",
    key_header="Authorization",
    key_prefix="Bearer ",
    routes=(
        Route(
            "POST",
            f"{MODEL_PARAM}/generate",
            "/{model}:predictLongRunning",
            "submit",
            price=price,
            model=lambda call: call.params["model"],
            job_id=job_id,
            poll_route="poll",
            max_bytes=JSON_CAP,
            ttl=VIDEO_TTL,
        ),
        Route(
            "POST",
            f"{MODEL_PARAM}/poll",
            "/{model}:fetchPredictOperation",
            "poll",
            name="poll",
            status=poll_outcome,
            poll=Poll(job_ref=operation_name, body=lambda job: {"operationName": job}),
            max_bytes=64 * 1024,
            timeout_seconds=60,
        ),
    ),
    prices={key: ("second", micros, source) for key, (micros, source) in PER_SECOND.items()},
)

# Validated before reserving (nodes/validation.py): one instance with its prompt.
CHECKS: dict[str, tuple[Check, ...]] = {
    "POST {model}/generate": (
        Check("instances", "list", required=True, max_length=4),
        Check("instances.0", "object", required=True),
        text("instances.0.prompt"),
        Check("parameters", "object"),
    ),
}
