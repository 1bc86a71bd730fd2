"""xAI Grok Imagine: images answer at once (`data[{url}]` + `usage.cost_in_usd_ticks`); videos answer a
`request_id`, polled at `videos/{id}` (`pending` → `done` with `video.url`, or `failed` / `expired`)."""

from __future__ import annotations

from typing import Any

from nodes.sandbox.jobs import Job, Outcome, Phase, job_from_token
from nodes.sandbox.vendors.base import Call, Reply, Route, Vendor

NAME = "xai"
# The costs the sandbox reports, in xAI's ticks (1e-10 USD): $0.02 an image, $0.05 a second of video.
TICKS_PER_IMAGE = 200_000_000
TICKS_PER_SECOND = 500_000_000
EDIT_SECONDS = 5  # an edited video is as long as its source; the sandbox's sources are 5 s
STATUS = {
    Phase.QUEUED: "pending",
    Phase.PROCESSING: "pending",
    Phase.SUCCEEDED: "done",
    Phase.FAILED: "failed",
    Phase.MODERATED: "failed",
}


def error(status: int, code: str, message: str) -> dict[str, Any]:
    return {"code": code, "error": message}


def _refused(call: Call) -> Reply | None:
    if call.markers.http500:
        return Reply(
            status=500, body=error(500, "Internal error", "Internal server error (sandbox [http500]).")
        )
    if call.markers.outcome is Outcome.MODERATED:
        return Reply(
            status=400,
            body=error(
                400, "Client specified an invalid argument", "Generated image rejected by moderation."
            ),
        )
    return None


def images(call: Call) -> Reply:
    if call.args.get("edit") and not call.request.body.get("images"):
        return Reply(
            status=400, body=error(400, "Client specified an invalid argument", "images is required.")
        )
    refused = _refused(call)
    if refused is not None:
        return refused
    if call.markers.outcome is Outcome.FAILED:
        return Reply(
            status=500, body=error(500, "Internal error", "Image generation failed (sandbox [fail]).")
        )
    job = call.new_job(media="image")
    data = [{"url": file.url(), "revised_prompt": ""} for file in job.outputs()]
    return Reply(body={"data": data, "usage": {"cost_in_usd_ticks": TICKS_PER_IMAGE * len(data)}})


def videos(call: Call) -> Reply:
    if call.markers.http500:
        return Reply(
            status=500, body=error(500, "Internal error", "Internal server error (sandbox [http500]).")
        )
    if not call.request.prompt and not call.request.text("image.url"):
        return Reply(
            status=400, body=error(400, "Client specified an invalid argument", "prompt is required.")
        )
    seconds = EDIT_SECONDS if call.args["kind"] == "edits" else call.request.seconds
    model = call.request.model or "grok-imagine-video"
    job = call.new_job(media="video", seconds=min(seconds, 5), extra={"seconds": seconds, "model": model})
    return Reply(body={"request_id": job.token()})


def video(call: Call) -> Reply:
    job: Job | None = job_from_token(call.args["id"], vendor=NAME)
    if job is None:
        return Reply(status=404, body=error(404, "Not found", "No video request with this id."))
    phase = job.phase()
    body: dict[str, Any] = {"status": STATUS[phase], "model": job.extra.get("model")}
    if phase is Phase.SUCCEEDED:
        seconds = int(job.extra.get("seconds", 5))
        body["video"] = {"url": job.outputs()[0].url(), "duration": seconds, "respect_moderation": True}
        body["usage"] = {"cost_in_usd_ticks": TICKS_PER_SECOND * seconds}
    elif phase is Phase.MODERATED:
        body["error"] = {"code": "moderated", "message": "The video was moderated (sandbox [moderated])."}
    elif phase is Phase.FAILED:
        body["error"] = {"code": "failed", "message": "Video generation failed (sandbox [fail])."}
    return Reply(body=body)


VENDOR = Vendor(
    name=NAME,
    key_header="Authorization",
    key_prefix="Bearer ",
    error=error,
    routes=(
        Route("POST", r"v1/images/generations", "sync", images),
        Route("POST", r"v1/images/(?P<edit>edits)", "sync", images),
        Route("POST", r"v1/videos/(?P<kind>generations|edits|extensions)", "submit", videos, media="video"),
        Route("GET", r"v1/videos/(?P<id>[^/]+)", "poll", video),
    ),
)
