"""Pika 2.2: form / multipart submits → `{"video_id"}`; poll `queued|started|finished|failed` (§6.12)."""

from __future__ import annotations

from typing import Any

from nodes.sandbox.jobs import Phase, job_from_token
from nodes.sandbox.vendors.base import Call, Reply, Route, Vendor

NAME = "pika"
STATUS = {
    Phase.QUEUED: "queued",
    Phase.PROCESSING: "started",
    Phase.SUCCEEDED: "finished",
    Phase.FAILED: "failed",
    Phase.MODERATED: "failed",
}
REQUIRED_FILES = {
    "2.2/i2v": ("image",),
    "2.2/pikaframes": ("keyFrames",),
    "2.2/pikascenes": ("images",),
    "pikadditions": ("video", "image"),
    "pikaswaps": ("video",),
    "pikaffects": ("image",),
}


def error(status: int, code: str, message: str) -> dict[str, Any]:
    return {"detail": message}


def submit(call: Call) -> Reply:
    operation = call.args["operation"]
    missing = [name for name in REQUIRED_FILES.get(operation, ()) if name not in call.request.file_fields]
    if missing:
        return Reply(
            status=422, body=error(422, "invalid_request", f"Missing file(s): {', '.join(missing)}.")
        )
    return Reply(body={"video_id": call.new_job().token()})


def video(call: Call) -> Reply:
    job = job_from_token(call.args["id"], vendor=NAME)
    if job is None:
        return Reply(status=404, body=error(404, "not_found", "Video not found."))
    phase = job.phase()
    body: dict[str, Any] = {
        "id": call.args["id"],
        "status": STATUS[phase],
        "progress": int(job.progress() * 100),
    }
    if phase is Phase.SUCCEEDED:
        body["url"] = job.outputs()[0].url()
    return Reply(body=body)


VENDOR = Vendor(
    name=NAME,
    key_header="X-API-KEY",
    key_prefix="",
    error=error,
    routes=(
        Route(
            "POST",
            r"generate/(?P<operation>2\.2/(?:t2v|i2v|pikaframes|pikascenes)|pikadditions|pikaswaps|pikaffects)",
            "submit",
            submit,
            media="video",
        ),
        Route("GET", r"videos/(?P<id>[^/]+)", "poll", video, media="video"),
    ),
)
