"""Google Veo 2/3 on Vertex AI: submit (predictLongRunning) → POST poll (fetchPredictOperation)."""

from __future__ import annotations

import re
from typing import Any

from comfyweb.errors import ApiError
from nodes.engine.types import Call, LineItem, Outcome, Route, Vendor
from nodes.vendors.common import JSON_CAP, VIDEO_TTL, dig, each, flag, integer, seconds, text_id

# ComfyUI's Veo badges (ComfyUI_frontend pricing table, 2025-2026): Veo 2 $0.50/s; Veo 3.0/3.1 $3.20 (audio)
# / $1.60 (silent) per 8 s clip; Veo 3.0/3.1 Fast $1.20 / $0.80 per 8 s clip. Google reports no cost.
BADGE = "ComfyUI price badge (ComfyUI_frontend, VeoVideoGenerationNode / Veo3VideoGenerationNode)"
V2 = f"{BADGE}: $0.50/s"
V3_AUDIO = f"{BADGE}: $3.20 per 8 s with audio = $0.40/s"
V3_SILENT = f"{BADGE}: $1.60 per 8 s without audio = $0.20/s"
FAST_AUDIO = f"{BADGE}: $1.20 per 8 s with audio = $0.15/s"
FAST_SILENT = f"{BADGE}: $0.80 per 8 s without audio = $0.10/s"
LITE = (
    "estimate: no ComfyUI badge for veo-3.1-lite; Google's Gemini API price as quoted by third parties is "
    "$0.05/s at 720p and $0.08/s at 1080p, so {} is charged {}"
)
PER_SECOND = {
    ("veo-2.0-generate-001", "silent"): (500_000, V2),
    ("veo-3.0-generate-001", "audio"): (400_000, V3_AUDIO),
    ("veo-3.0-generate-001", "silent"): (200_000, V3_SILENT),
    ("veo-3.0-fast-generate-001", "audio"): (150_000, FAST_AUDIO),
    ("veo-3.0-fast-generate-001", "silent"): (100_000, FAST_SILENT),
    ("veo-3.1-generate-001", "audio"): (400_000, V3_AUDIO),
    ("veo-3.1-generate-001", "silent"): (200_000, V3_SILENT),
    ("veo-3.1-fast-generate-001", "audio"): (150_000, FAST_AUDIO),
    ("veo-3.1-fast-generate-001", "silent"): (100_000, FAST_SILENT),
    ("veo-3.1-lite-generate-001", "audio"): (80_000, LITE.format("audio", "the 1080p rate (the ceiling)")),
    ("veo-3.1-lite-generate-001", "silent"): (50_000, LITE.format("silent", "the 720p rate (unconfirmed)")),
}
MODELS = sorted({model for model, _ in PER_SECOND})
_OPERATION = re.compile(r"[A-Za-z0-9_.:/\-]{1,600}")


def price(call: Call) -> list[LineItem]:
    model = call.params["model"]
    parameters = call.body.value("parameters")
    params: dict[str, Any] = parameters if isinstance(parameters, dict) else {}
    duration = seconds(call, "durationSeconds", default=8, low=1, high=8, source=params)
    samples = integer(call, "sampleCount", default=1, low=1, high=4, source=params)
    audio = model != "veo-2.0-generate-001" and flag(call, "generateAudio", default=True, source=params)
    return each(f"{model}/{'audio' if audio else 'silent'}/second", duration * samples)


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
            poll_body=lambda job: {"operationName": job},
            status=poll_outcome,
            job_ref=operation_name,
            max_bytes=64 * 1024,
            timeout_seconds=60,
        ),
    ),
    prices={
        f"{model}/{audio}/second": ("second", micros, source)
        for (model, audio), (micros, source) in PER_SECOND.items()
    },
)
