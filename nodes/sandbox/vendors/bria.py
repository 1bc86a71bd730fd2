"""Bria v2: every edit is an async request answered `{request_id, status_url}`, read at v2/status/{id}."""

from __future__ import annotations

import json
from typing import Any

from nodes.sandbox.jobs import Phase, job_from_token, markers_in
from nodes.sandbox.vendors.base import Call, Reply, Route, Vendor

NAME = "bria"
STATUS = {
    Phase.QUEUED: "IN_PROGRESS",
    Phase.PROCESSING: "IN_PROGRESS",
    Phase.SUCCEEDED: "COMPLETED",
    Phase.FAILED: "ERROR",
    Phase.MODERATED: "ERROR",
}
FAILURES = {
    Phase.FAILED: ("500", "Processing failed (sandbox [fail] marker)."),
    Phase.MODERATED: ("422", "The content was moderated (sandbox [moderated] marker)."),
}
# Where the sandbox looks for its markers: the edit instruction and the media URLs.
MARKER_FIELDS = ("instruction", "structured_instruction", "images.0", "image", "video", "background_url")


def error(status: int, code: str, message: str) -> dict[str, Any]:
    return {"error": {"code": status, "message": message, "details": code}}


def _submit(call: Call, kind: str, media: str, required: str) -> Reply:
    markers = markers_in(" ".join(call.request.text(field) for field in MARKER_FIELDS))
    if markers.http500:
        return Reply(
            status=500, body=error(500, "internal_error", "Internal server error (sandbox [http500]).")
        )
    if not call.request.text(required):
        return Reply(status=400, body=error(400, "invalid_parameter", f"{required} is required."))
    job = call.new_job(media=media, count=1, seconds=2, outcome=markers.outcome, extra={"kind": kind})
    token = job.token()
    return Reply(status=202, body={"request_id": token, "status_url": f"{call.base_url}/v2/status/{token}"})


def image_edit(call: Call) -> Reply:
    if not (call.request.text("instruction") or call.request.text("structured_instruction")):
        return Reply(status=400, body=error(400, "invalid_parameter", "Send an instruction."))
    return _submit(call, "edit", "image", "images.0")


def remove_image_background(call: Call) -> Reply:
    return _submit(call, "rmbg", "image", "image")


def video_edit(call: Call) -> Reply:
    return _submit(call, "video", "video", "video")


def replace_background(call: Call) -> Reply:
    if not call.request.text("background_url"):
        return Reply(status=400, body=error(400, "invalid_parameter", "background_url is required."))
    return _submit(call, "video", "video", "video")


def status(call: Call) -> Reply:
    token = call.args["id"]
    job = job_from_token(token, vendor=NAME)
    if job is None:
        return Reply(status=404, body=error(404, "not_found", "Request not found."))
    phase = job.phase()
    body: dict[str, Any] = {"request_id": token, "status": STATUS[phase]}
    if phase is Phase.SUCCEEDED:
        url = job.outputs()[0].url()
        if job.extra.get("kind") == "video":
            body["result"] = {"video_url": url}
        elif job.extra.get("kind") == "edit":
            body["result"] = {"image_url": url, "structured_prompt": json.dumps({"edit": "sandbox"})}
        else:
            body["result"] = {"image_url": url}
    elif phase in FAILURES:
        code, message = FAILURES[phase]
        body["error"] = {"code": code, "message": message}
    return Reply(body=body)


VENDOR = Vendor(
    name=NAME,
    key_header="api_token",
    key_prefix="",
    error=error,
    routes=(
        Route("POST", r"v2/image/edit", "submit", image_edit),
        Route("POST", r"v2/image/edit/remove_background", "submit", remove_image_background),
        Route("POST", r"v2/video/edit/remove_background", "submit", video_edit, media="video"),
        Route("POST", r"v2/video/edit/green_screen", "submit", video_edit, media="video"),
        Route("POST", r"v2/video/edit/replace_background", "submit", replace_background, media="video"),
        Route("GET", r"v2/status/(?P<id>[^/]+)", "poll", status),
    ),
)
