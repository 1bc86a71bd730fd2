"""Alibaba Cloud Model Studio (DashScope), Wan and HappyHorse: every synthesis is a task, `output.task_id`
on submit; GET `api/v1/tasks/{task_id}` reports `output.task_status` (PENDING → RUNNING → SUCCEEDED /
FAILED), the result (`results[].url` for images, `video_url` for videos) and `usage`. An id naming no task
is answered, as DashScope does, with 200 and UNKNOWN."""

from __future__ import annotations

from typing import Any

from nodes.sandbox.jobs import Job, Phase, job_from_token
from nodes.sandbox.media import clamp_size
from nodes.sandbox.vendors.base import Call, Reply, Route, Vendor

NAME = "wan"
REQUEST_ID = "00000000-0000-4000-8000-000000000000"  # DashScope tags every reply with one
STATUS = {
    Phase.QUEUED: "PENDING",
    Phase.PROCESSING: "RUNNING",
    Phase.SUCCEEDED: "SUCCEEDED",
    Phase.FAILED: "FAILED",
    Phase.MODERATED: "FAILED",
}
FAILURES = {
    Phase.FAILED: ("InternalError", "The task failed (sandbox [fail] marker)."),
    Phase.MODERATED: (
        "DataInspectionFailed",
        "The input or output was moderated (sandbox [moderated] marker).",
    ),
}
TIER_SIZES = {"480P": (832, 480), "720P": (1280, 720), "1080P": (1920, 1080)}
DEFAULT_SECONDS = 5
# The length the simulator takes an input video (a reference clip, a clip to continue, a video to edit) to
# have: the request carries only its URL.
INPUT_SECONDS = 3
EDIT_INPUT_SECONDS = 5
# Wan 2.5 reports its billed length as `video_duration`; later models as `duration` (input + output).
LEGACY_USAGE = {"wan2.5-t2v-preview", "wan2.5-i2v-preview"}
# Edits last as long as their input unless cut shorter: billed input seconds (HappyHorse bills the output).
EDIT_MODELS = {"wan2.7-videoedit": EDIT_INPUT_SECONDS, "happyhorse-1.0-video-edit": 0}


def error(status: int, code: str, message: str) -> dict[str, Any]:
    return {"request_id": REQUEST_ID, "code": code, "message": message}


def _refused(call: Call, *required: str) -> Reply | None:
    if call.markers.http500:
        return Reply(
            status=500, body=error(500, "InternalError", "Internal server error (sandbox [http500]).")
        )
    if not isinstance(call.request.body.get("input"), dict):
        return Reply(status=400, body=error(400, "InvalidParameter", "Field required: input."))
    missing = [name for name in ("model", *required) if not call.request.text(name)]
    if missing:
        return Reply(status=400, body=error(400, "InvalidParameter", f"Missing {', '.join(missing)}."))
    return None


def _created(job: Job) -> Reply:
    return Reply(
        body={"request_id": REQUEST_ID, "output": {"task_id": job.token(), "task_status": "PENDING"}}
    )


def image_synthesis(call: Call) -> Reply:
    refused = _refused(call, "input.prompt")
    if refused is not None:
        return refused
    count = max(1, min(4, call.request.number("parameters.n") or 1))
    job = call.new_job(media="image", count=count, extra={"model": call.request.model})
    return _created(job)


def _media_types(call: Call) -> set[str]:
    media = call.request.body["input"].get("media")
    return (
        {str(item.get("type")) for item in media if isinstance(item, dict)}
        if isinstance(media, list)
        else set()
    )


def _lengths(call: Call, model: str) -> tuple[int, int]:
    """(input, output) seconds the task bills."""
    asked = call.request.number("parameters.duration") or 0
    if model in EDIT_MODELS:
        return EDIT_MODELS[model], min(asked or EDIT_INPUT_SECONDS, EDIT_INPUT_SECONDS)
    reads_video = bool(call.request.body["input"].get("reference_video_urls")) or bool(
        _media_types(call) & {"first_clip", "reference_video"}
    )
    return (INPUT_SECONDS if reads_video else 0), asked or DEFAULT_SECONDS


def video_synthesis(call: Call) -> Reply:
    refused = _refused(call)
    if refused is not None:
        return refused
    model = call.request.model
    width, height = call.request.size()
    tier = call.request.text("parameters.resolution").upper()
    if tier in TIER_SIZES:
        width, height = clamp_size(*TIER_SIZES[tier])
    read, made = _lengths(call, model)
    job = call.new_job(
        media="video",
        width=width,
        height=height,
        seconds=min(made, DEFAULT_SECONDS),
        extra={"model": model, "input": read, "output": made, "tier": tier or f"{width}*{height}"},
    )
    return _created(job)


def _usage(job: Job) -> dict[str, Any]:
    if job.media == "image":
        return {"image_count": job.count}
    read, made = int(job.extra.get("input", 0)), int(job.extra.get("output", DEFAULT_SECONDS))
    if job.extra.get("model") in LEGACY_USAGE:
        return {"video_duration": made, "video_count": 1, "video_ratio": job.extra.get("tier")}
    usage: dict[str, Any] = {"duration": read + made, "video_count": 1, "SR": job.extra.get("tier")}
    if read:
        usage |= {"input_video_duration": read, "output_video_duration": made}
    return usage


def get_task(call: Call) -> Reply:
    token = call.args["task_id"]
    job = job_from_token(token, vendor=NAME)
    if job is None:
        return Reply(body={"request_id": REQUEST_ID, "output": {"task_id": token, "task_status": "UNKNOWN"}})
    phase = job.phase()
    output: dict[str, Any] = {
        "task_id": token,
        "task_status": STATUS[phase],
        "submit_time": "2026-12-08 00:00:00.000",
    }
    body: dict[str, Any] = {"request_id": REQUEST_ID, "output": output}
    if phase is Phase.SUCCEEDED:
        output["end_time"] = "2026-12-08 00:00:09.000"
        if job.media == "image":
            output["results"] = [{"url": file.url()} for file in job.outputs()]
            output["task_metrics"] = {"TOTAL": job.count, "SUCCEEDED": job.count, "FAILED": 0}
        else:
            output["video_url"] = job.outputs()[0].url()
        body["usage"] = _usage(job)
    elif phase in FAILURES:
        output["code"], output["message"] = FAILURES[phase]
    return Reply(body=body)


VENDOR = Vendor(
    name=NAME,
    key_header="Authorization",
    key_prefix="Bearer ",
    error=error,
    routes=(
        Route(
            "POST",
            r"api/v1/services/aigc/(?:text2image|image2image)/image-synthesis",
            "submit",
            image_synthesis,
        ),
        Route(
            "POST",
            r"api/v1/services/aigc/video-generation/video-synthesis",
            "submit",
            video_synthesis,
            media="video",
        ),
        Route("GET", r"api/v1/tasks/(?P<task_id>[^/]+)", "poll", get_task),
    ),
)
