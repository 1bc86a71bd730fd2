"""Magnific (Freepik API): every submit answers `data{task_id, status: CREATED}`; `{route}/{task_id}` polls
go `CREATED` → `IN_PROGRESS` → `COMPLETED` (`generated[]` PNG URLs) or `FAILED`."""

from __future__ import annotations

from typing import Any

from nodes.sandbox.jobs import Phase, job_duration_ms, job_from_token, markers_in
from nodes.sandbox.vendors.base import Call, Reply, Route, Vendor

NAME = "freepik"
STATUS = {
    Phase.QUEUED: "CREATED",
    Phase.PROCESSING: "IN_PROGRESS",
    Phase.SUCCEEDED: "COMPLETED",
    Phase.FAILED: "FAILED",
    Phase.MODERATED: "FAILED",
}
SCALE = {"2x": 2, "4x": 4, "8x": 8, "16x": 16, "2": 2, "4": 4, "8": 8, "16": 16}
SOURCE_SIDE = 64  # the sandbox's notional input side: the output is that times the scale factor
TASKS = "image-upscaler-precision-v2|image-upscaler|image-relight|image-style-transfer|skin-enhancer"


def error(status: int, code: str, message: str) -> dict[str, Any]:
    return {"message": message, "code": code}


def submit(call: Call) -> Reply:
    # The upscalers and the skin enhancer send no prompt: the markers may ride on the image URL too.
    markers = markers_in(f"{call.request.prompt} {call.request.text('image')}")
    if markers.http500:
        return Reply(
            status=500, body=error(500, "internal_error", "Internal server error (sandbox [http500]).")
        )
    if not call.request.text("image"):
        return Reply(
            status=400,
            body={
                "message": "Your request parameters didn't validate.",
                "invalid_params": [{"field": "image"}],
            },
        )
    scale = SCALE.get(str(call.request.body.get("scale_factor")), 1)
    side = SOURCE_SIDE * scale if scale > 1 else 512
    job = call.new_job(
        media="image",
        count=1,
        width=side,
        height=side,
        outcome=markers.outcome,
        duration_ms=job_duration_ms(markers),
        extra={"task": call.args["task"]},
    )
    return Reply(body={"data": {"task_id": job.token(), "status": "CREATED", "generated": []}})


def poll(call: Call) -> Reply:
    job = job_from_token(call.args["id"], vendor=NAME)
    if job is None or job.extra.get("task") != call.args["task"]:
        return Reply(status=404, body=error(404, "not_found", "Task not found."))
    phase = job.phase()
    generated = [file.url() for file in job.outputs()] if phase is Phase.SUCCEEDED else []
    return Reply(body={"data": {"task_id": call.args["id"], "status": STATUS[phase], "generated": generated}})


VENDOR = Vendor(
    name=NAME,
    key_header="x-freepik-api-key",
    key_prefix="",
    error=error,
    routes=(
        Route("POST", r"v1/ai/(?P<task>skin-enhancer)/(?:creative|faithful|flexible)", "submit", submit),
        Route("POST", rf"v1/ai/(?P<task>{TASKS})", "submit", submit),
        Route("GET", rf"v1/ai/(?P<task>{TASKS})/(?P<id>[^/]+)", "poll", poll),
    ),
)
