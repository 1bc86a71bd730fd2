"""WaveSpeed AI v3: every reply is `{code, message, data}`; upscales are predictions polled by id."""

from __future__ import annotations

from typing import Any

from nodes.sandbox.jobs import Phase, job_from_token, markers_in
from nodes.sandbox.vendors.base import Call, Reply, Route, Vendor

NAME = "wavespeed"
STATUS = {
    Phase.QUEUED: "created",
    Phase.PROCESSING: "processing",
    Phase.SUCCEEDED: "completed",
    Phase.FAILED: "failed",
    Phase.MODERATED: "failed",
}
FAILURES = {
    Phase.FAILED: "Prediction failed (sandbox [fail] marker).",
    Phase.MODERATED: "The content was flagged (sandbox [moderated] marker).",
}
# The nodes send no prompt: the sandbox reads its markers from the uploaded media URLs.
MARKER_FIELDS = ("video", "image")
# What an upscale to each target makes (the longer side); small enough to draw fast.
SIDES = {"2k": 2048, "4k": 4096, "8k": 4096}


def error(status: int, code: str, message: str) -> dict[str, Any]:
    return {"code": status, "message": message, "data": None}


def _submit(call: Call, model: str, media: str) -> Reply:
    markers = markers_in(" ".join(call.request.text(field) for field in MARKER_FIELDS))
    if markers.http500:
        return Reply(
            status=500, body=error(500, "internal_error", "Internal server error (sandbox [http500]).")
        )
    if not call.request.text("target_resolution"):
        return Reply(status=400, body=error(400, "invalid_parameter", "target_resolution is required."))
    side = SIDES.get(call.request.text("target_resolution"), 1024)
    job = call.new_job(
        media=media,
        count=1,
        width=min(side, 1024),
        height=min(side, 1024),
        seconds=2,
        outcome=markers.outcome,
        extra={"model": model},
    )
    token = job.token()
    data = {
        "id": token,
        "model": f"wavespeed-ai/{model}",
        "status": "created",
        "outputs": [],
        "urls": {"get": f"{call.base_url}/api/v3/predictions/{token}/result"},
        "has_nsfw_contents": [],
        "created_at": "2026-12-07T00:00:00Z",
        "error": "",
    }
    return Reply(body={"code": 200, "message": "success", "data": data})


def flashvsr(call: Call) -> Reply:
    return _submit(call, "flashvsr", "video")


def seedvr2(call: Call) -> Reply:
    return _submit(call, "seedvr2/image", "image")


def ultimate(call: Call) -> Reply:
    return _submit(call, "ultimate-image-upscaler", "image")


def result(call: Call) -> Reply:
    job = job_from_token(call.args["id"], vendor=NAME)
    if job is None:
        return Reply(status=404, body=error(404, "not_found", "Prediction not found."))
    phase = job.phase()
    data: dict[str, Any] = {
        "id": call.args["id"],
        "model": f"wavespeed-ai/{job.extra.get('model', '')}",
        "status": STATUS[phase],
        "outputs": [],
        "error": FAILURES.get(phase, ""),
    }
    if phase is Phase.SUCCEEDED:
        data["outputs"] = [output.url() for output in job.outputs()]
        data["has_nsfw_contents"] = [False]
    return Reply(body={"code": 200, "message": "success", "data": data})


VENDOR = Vendor(
    name=NAME,
    key_header="Authorization",
    key_prefix="Bearer ",
    error=error,
    routes=(
        Route("POST", r"api/v3/wavespeed-ai/flashvsr", "submit", flashvsr, media="video"),
        Route("POST", r"api/v3/wavespeed-ai/seedvr2/image", "submit", seedvr2),
        Route("POST", r"api/v3/wavespeed-ai/ultimate-image-upscaler", "submit", ultimate),
        Route("GET", r"api/v3/predictions/(?P<id>[^/]+)/result", "poll", result),
    ),
)
