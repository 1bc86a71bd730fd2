"""sync.so lip sync: a Generation `{id, status, outputUrl, outputDuration}` polled until COMPLETED."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from nodes.sandbox.jobs import Job, Phase, job_duration_ms, job_from_token, markers_in
from nodes.sandbox.vendors.base import Call, Reply, Route, Vendor

NAME = "synclabs"
STATUS = {
    Phase.QUEUED: "PENDING",
    Phase.PROCESSING: "PROCESSING",
    Phase.SUCCEEDED: "COMPLETED",
    Phase.FAILED: "FAILED",
    Phase.MODERATED: "REJECTED",
}
FAILURES = {
    Phase.FAILED: ("Generation failed (sandbox [fail] marker).", "generation_failed"),
    Phase.MODERATED: (
        "The input was rejected by moderation (sandbox [moderated] marker).",
        "content_moderated",
    ),
}
VISUAL = ("video", "image")
# The simulated output lasts this long (what `outputDuration` reports; the MP4 holds as many seconds).
OUTPUT_SECONDS = 3.4


def error(status: int, code: str, message: str) -> dict[str, Any]:
    return {"statusCode": status, "message": message, "error": code}


def _iso(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, tz=UTC).isoformat().replace("+00:00", "Z")


def _markers_text(call: Call) -> str:
    """The markers may ride in the i2v prompt or in an input URL (the lip-sync node sends no prompt)."""
    urls = [item.get("url", "") for item in call.request.body.get("input") or [] if isinstance(item, dict)]
    return " ".join([call.request.text("options.i2v_prompt"), *map(str, urls)])


def _generation(job_id: str, job: Job, phase: Phase) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": job_id,
        "status": STATUS[phase],
        "model": job.extra["model"],
        "createdAt": _iso(job.created_ms),
        "outputUrl": None,
        "outputDuration": None,
        "error": None,
        "errorCode": None,
    }
    if phase is Phase.SUCCEEDED:
        body["outputUrl"] = job.outputs()[0].url()
        body["outputDuration"] = OUTPUT_SECONDS
    elif phase in FAILURES:
        body["error"], body["errorCode"] = FAILURES[phase]
    return body


def submit(call: Call) -> Reply:
    items = [item for item in call.request.body.get("input") or [] if isinstance(item, dict)]
    kinds = [item.get("type") for item in items]
    if sum(kind in VISUAL for kind in kinds) != 1 or kinds.count("audio") != 1:
        return Reply(
            status=400, body=error(400, "invalid_input", "Send one video or image and one audio input.")
        )
    markers = markers_in(_markers_text(call))
    if markers.http500:
        return Reply(
            status=500, body=error(500, "internal_error", "Internal server error (sandbox [http500]).")
        )
    job = call.new_job(
        media="video",
        count=1,
        seconds=4,
        outcome=markers.outcome,
        duration_ms=job_duration_ms(markers),
        extra={"model": call.request.model or "sync-3"},
    )
    return Reply(status=201, body=_generation(job.token(), job, Phase.QUEUED))


def poll(call: Call) -> Reply:
    job = job_from_token(call.args["id"], vendor=NAME)
    if job is None or "model" not in job.extra:
        return Reply(status=404, body=error(404, "not_found", "Generation not found."))
    return Reply(body=_generation(call.args["id"], job, job.phase()))


VENDOR = Vendor(
    name=NAME,
    key_header="x-api-key",
    key_prefix="",
    error=error,
    routes=(
        Route("POST", r"v2/generate", "submit", submit, media="video"),
        Route("GET", r"v2/generate/(?P<id>[^/]+)", "poll", poll),
    ),
)
