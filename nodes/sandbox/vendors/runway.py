"""Runway: every generation is a task, `{"id"}` on submit; GET `v1/tasks/{id}` reports `status` and, once
SUCCEEDED, `output` (a list of URLs)."""

from __future__ import annotations

from typing import Any

from nodes.sandbox.jobs import Job, Markers, Phase, job_duration_ms, job_from_token, markers_in
from nodes.sandbox.vendors.base import Call, Reply, Route, Vendor

NAME = "runway"
STATUS = {
    Phase.QUEUED: "PENDING",
    Phase.PROCESSING: "RUNNING",
    Phase.SUCCEEDED: "SUCCEEDED",
    Phase.FAILED: "FAILED",
    Phase.MODERATED: "FAILED",
}
FAILURES = {
    Phase.FAILED: ("INTERNAL.BAD_OUTPUT.CODE01", "Generation failed (sandbox [fail] marker)."),
    Phase.MODERATED: ("SAFETY.INPUT.TEXT", "The prompt was moderated (sandbox [moderated] marker)."),
}


def error(status: int, code: str, message: str) -> dict[str, Any]:
    return {"error": message, "code": code}


def _markers(call: Call) -> Markers:
    return markers_in(call.request.text("promptText"))


def _submit(call: Call, media: str, *, required: tuple[str, ...]) -> Reply:
    markers = _markers(call)
    if markers.http500:
        return Reply(status=500, body=error(500, "internal", "Internal server error (sandbox [http500])."))
    missing = [name for name in required if not call.request.text(name)]
    if missing:
        return Reply(status=400, body=error(400, "validation", f"Missing {', '.join(missing)}."))
    job: Job = call.new_job(
        media=media, count=1, outcome=markers.outcome, duration_ms=job_duration_ms(markers)
    )
    return Reply(body={"id": job.token()})


def image_to_video(call: Call) -> Reply:
    return _submit(call, "video", required=("model",))


def text_to_image(call: Call) -> Reply:
    return _submit(call, "image", required=("promptText",))


def video_to_video(call: Call) -> Reply:
    return _submit(call, "video", required=("promptText", "videoUri"))


def get_task(call: Call) -> Reply:
    token = call.args["id"]
    job = job_from_token(token, vendor=NAME)
    if job is None:
        return Reply(status=404, body=error(404, "not_found", "Task not found."))
    phase = job.phase()
    body: dict[str, Any] = {"id": token, "status": STATUS[phase], "createdAt": "2026-12-07T00:00:00Z"}
    if phase is Phase.PROCESSING:
        body["progress"] = 0.5
    elif phase is Phase.SUCCEEDED:
        body["output"] = [output.url() for output in job.outputs()]
    elif phase in FAILURES:
        body["failureCode"], body["failure"] = FAILURES[phase]
    return Reply(body=body)


VENDOR = Vendor(
    name=NAME,
    key_header="Authorization",
    key_prefix="Bearer ",
    error=error,
    routes=(
        Route("POST", r"v1/image_to_video", "submit", image_to_video, media="video"),
        Route("POST", r"v1/text_to_image", "submit", text_to_image, media="image"),
        Route("POST", r"v1/video_to_video", "submit", video_to_video, media="video"),
        Route("GET", r"v1/tasks/(?P<id>[^/]+)", "poll", get_task),
    ),
)
