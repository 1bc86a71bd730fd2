"""Vidu: every generation is a task under `ent/v2/` (`text2video`, `img2video`, `reference2video`,
`start-end2video`, `extend`, `multiframe`) answering `{task_id, state: "created", credits, …}`; GET
`ent/v2/tasks/{id}/creations` reports `state` (queueing, processing, success, failed), `err_code`,
`credits` and, on success, `creations[{id, url, cover_url}]`. Errors are `{code, reason, message, metadata}`.
"""

from __future__ import annotations

from typing import Any

from nodes.sandbox.files import OutputFile
from nodes.sandbox.jobs import Job, Markers, Phase, job_duration_ms, job_from_token, markers_in
from nodes.sandbox.vendors.base import Call, Reply, Route, Vendor

NAME = "vidu"
# What the sandbox says a task costs: 2 credits ($0.01) a second of video, below every Vidu price, so
# the settlement on Vidu's reported credits is what the replays see.
CREDITS_PER_SECOND = 2
DEFAULT_SECONDS = 5  # Vidu's default duration (and a keyframe transition's)
STATE = {
    Phase.QUEUED: "queueing",
    Phase.PROCESSING: "processing",
    Phase.SUCCEEDED: "success",
    Phase.FAILED: "failed",
    Phase.MODERATED: "failed",
}
ERR_CODE = {Phase.FAILED: "InternalServiceFailure", Phase.MODERATED: "CreationPolicyViolation"}
REASONS = {400: "FieldLacking", 401: "Unauthorized", 404: "TaskNotFound", 500: "InternalServiceFailure"}
# The fields each submit needs, as Vidu's `FieldLacking` names them.
REQUIRED = {
    "text2video": ("model", "prompt"),
    "img2video": ("model", "images"),
    "reference2video": ("model", "prompt"),
    "start-end2video": ("model", "images"),
    "extend": ("model", "video_url"),
    "multiframe": ("model", "start_image", "image_settings"),
}


def error(status: int, code: str, message: str) -> dict[str, Any]:
    return {"code": status, "reason": REASONS.get(status, "BadRequest"), "message": message, "metadata": {}}


def _missing(body: dict[str, Any], names: tuple[str, ...]) -> list[str]:
    return [name for name in names if body.get(name) in (None, "", [])]


def _seconds(call: Call, kind: str) -> int:
    body = call.request.body
    if kind == "multiframe":
        settings = body.get("image_settings") or []
        return sum(
            int(item.get("duration") or DEFAULT_SECONDS) if isinstance(item, dict) else 0 for item in settings
        )
    return call.request.number("duration") or DEFAULT_SECONDS


def _markers(call: Call, kind: str) -> Markers:
    if kind != "multiframe":
        return call.markers
    settings = call.request.body.get("image_settings") or []
    prompts = [str(item.get("prompt") or "") for item in settings if isinstance(item, dict)]
    return markers_in(" ".join(prompts))


def submit(call: Call) -> Reply:
    kind = call.args["kind"]
    markers = _markers(call, kind)
    if markers.http500:
        return Reply(status=500, body=error(500, "internal", "Internal server error (sandbox [http500])."))
    missing = _missing(call.request.body, REQUIRED[kind])
    if kind == "reference2video" and len(_missing(call.request.body, ("images", "subjects"))) == 2:
        missing.append("images")  # viduq1 references are `images`, viduq2's `subjects`: one of them
    if missing:
        message = f"field is missing or empty: {', '.join(missing)}"
        return Reply(status=400, body=error(400, "FieldLacking", message))
    seconds = max(1, _seconds(call, kind))
    credits_used = CREDITS_PER_SECOND * seconds
    job: Job = call.new_job(
        media="video",
        outcome=markers.outcome,
        duration_ms=job_duration_ms(markers),
        seconds=min(seconds, 5),
        extra={"credits": credits_used},
    )
    body = call.request.body
    return Reply(
        body={
            "task_id": job.token(),
            "state": "created",
            "model": body.get("model"),
            "prompt": body.get("prompt", ""),
            "duration": seconds,
            "seed": body.get("seed", 0),
            "resolution": body.get("resolution", "720p"),
            "credits": credits_used,
            "created_at": "2026-12-08T00:00:00Z",
        }
    )


def creations(call: Call) -> Reply:
    token = call.args["id"]
    job = job_from_token(token, vendor=NAME)
    if job is None:
        return Reply(status=404, body=error(404, "TaskNotFound", "task not found"))
    phase = job.phase()
    body: dict[str, Any] = {
        "id": token,
        "state": STATE[phase],
        "err_code": ERR_CODE.get(phase, ""),
        "credits": 0,
        "payload": "",
        "progress": round(job.progress() * 100, 1),
        "creations": [],
    }
    if phase is Phase.SUCCEEDED:
        video = job.outputs()[0]
        cover = OutputFile(ext="png", seed=job.seed, width=job.width, height=job.height)
        body["credits"] = int(job.extra.get("credits", 0))
        body["creations"] = [{"id": f"creation-{job.seed}", "url": video.url(), "cover_url": cover.url()}]
    return Reply(body=body)


VENDOR = Vendor(
    name=NAME,
    key_header="Authorization",
    key_prefix="Token ",
    error=error,
    routes=(
        Route(
            "POST",
            r"ent/v2/(?P<kind>text2video|img2video|reference2video|start-end2video|extend|multiframe)",
            "submit",
            submit,
            media="video",
        ),
        Route("GET", r"ent/v2/tasks/(?P<id>[^/]+)/creations", "poll", creations),
    ),
)
