"""Beeble SwitchX: a generation object, polled until `completed` with `output{render, source, alpha}`."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from nodes.sandbox.files import OutputFile
from nodes.sandbox.jobs import Job, Phase, job_from_token
from nodes.sandbox.vendors.base import Call, Reply, Route, Vendor

NAME = "beeble"
STATUS = {
    Phase.QUEUED: "in_queue",
    Phase.PROCESSING: "processing",
    Phase.SUCCEEDED: "completed",
    Phase.FAILED: "failed",
    Phase.MODERATED: "failed",
}
FAILURES = {
    Phase.FAILED: "Generation failed (sandbox [fail] marker).",
    Phase.MODERATED: "The content was moderated (sandbox [moderated] marker).",
}


def error(status: int, code: str, message: str) -> dict[str, Any]:
    return {"error": {"code": code, "message": message}}


def _iso(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, tz=UTC).isoformat().replace("+00:00", "Z")


def _generation(job_id: str, job: Job, phase: Phase) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": job_id,
        "status": STATUS[phase],
        "progress": round(job.progress() * 100) if phase is not Phase.QUEUED else 0,
        "generation_type": job.media,
        "alpha_mode": job.extra["alpha_mode"],
        "output": None,
        "error": FAILURES.get(phase),
        "created_at": _iso(job.created_ms),
        "modified_at": _iso(job.created_ms),
        "completed_at": _iso(job.created_ms + job.duration_ms)
        if phase in FAILURES or phase is Phase.SUCCEEDED
        else None,
    }
    if phase is Phase.SUCCEEDED:
        render = job.outputs()[0]
        alpha = OutputFile(ext=render.ext, seed=render.seed + 1, width=render.width, height=render.height)
        body["output"] = {"render": render.url(), "source": render.url(), "alpha": alpha.url()}
    return body


def submit(call: Call) -> Reply:
    kind = call.request.text("generation_type") or "video"
    if kind not in ("image", "video"):
        return Reply(
            status=422, body=error(422, "invalid_request", "generation_type must be image or video.")
        )
    if not call.request.text("source_uri"):
        return Reply(status=422, body=error(422, "invalid_request", "source_uri is required."))
    alpha_mode = call.request.text("alpha_mode") or "auto"
    job = call.new_job(media=kind, count=1, extra={"alpha_mode": alpha_mode[:10]})
    return Reply(status=201, body=_generation(job.token(), job, Phase.QUEUED))


def poll(call: Call) -> Reply:
    job = job_from_token(call.args["id"], vendor=NAME)
    if job is None or "alpha_mode" not in job.extra:
        return Reply(status=404, body=error(404, "not_found", "Generation not found."))
    return Reply(body=_generation(call.args["id"], job, job.phase()))


VENDOR = Vendor(
    name=NAME,
    key_header="x-api-key",
    key_prefix="",
    error=error,
    routes=(
        Route("POST", r"v1/switchx/generations", "submit", submit, media="video"),
        Route("GET", r"v1/switchx/generations/(?P<id>[^/]+)", "poll", poll),
    ),
)
