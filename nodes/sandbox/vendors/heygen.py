"""HeyGen v3: every reply wraps its object in `data`; videos, translations and new looks are jobs."""

from __future__ import annotations

from typing import Any

from nodes.sandbox.files import OutputFile
from nodes.sandbox.jobs import Job, Markers, Phase, job_duration_ms, job_from_token, markers_in, prompt_seed
from nodes.sandbox.vendors.base import Call, Reply, Route, Vendor

NAME = "heygen"
STATUS = {
    Phase.QUEUED: "pending",
    Phase.PROCESSING: "processing",
    Phase.SUCCEEDED: "completed",
    Phase.FAILED: "failed",
    Phase.MODERATED: "failed",
}
FAILURES = {
    Phase.FAILED: "Rendering failed (sandbox [fail] marker).",
    Phase.MODERATED: "The content was moderated (sandbox [moderated] marker).",
}
# What the simulated videos and speech last (the `duration` HeyGen reports, in seconds).
VIDEO_SECONDS = 4.2
SPEECH_SECONDS = 2.5
# The text fields the HeyGen nodes send, where the sandbox looks for its markers.
MARKER_FIELDS = ("script", "prompt", "text", "title", "audio_url", "image.url", "video.url", "file.url")


def error(status: int, code: str, message: str) -> dict[str, Any]:
    return {"error": {"code": code, "message": message}}


def _markers(call: Call) -> Markers:
    return markers_in(" ".join(call.request.text(field) for field in MARKER_FIELDS))


def _job(call: Call, kind: str, media: str) -> Job | Reply:
    markers = _markers(call)
    if markers.http500:
        return Reply(
            status=500, body=error(500, "internal_error", "Internal server error (sandbox [http500]).")
        )
    return call.new_job(
        media=media,
        count=1,
        seconds=5,
        outcome=markers.outcome,
        duration_ms=job_duration_ms(markers),
        extra={"kind": kind},
    )


def _known(token: str, kind: str) -> tuple[Job, Phase] | None:
    job = job_from_token(token, vendor=NAME)
    if job is None or job.extra.get("kind") != kind:
        return None
    return job, job.phase()


def _rendering(token: str, job: Job, phase: Phase) -> dict[str, Any]:
    data: dict[str, Any] = {"id": token, "status": STATUS[phase], "video_url": None, "duration": None}
    if phase is Phase.SUCCEEDED:
        data["video_url"] = job.outputs()[0].url()
        data["thumbnail_url"] = OutputFile(ext="png", seed=job.seed).url()
        data["duration"] = VIDEO_SECONDS
    elif phase in FAILURES:
        data["failure_message"] = FAILURES[phase]
    return data


def create_video(call: Call) -> Reply:
    if call.request.text("type") not in ("avatar", "image"):
        return Reply(status=400, body=error(400, "invalid_parameter", "type must be avatar or image."))
    if not (call.request.text("script") or call.request.text("audio_url")):
        return Reply(status=400, body=error(400, "invalid_parameter", "Send a script or an audio_url."))
    job = _job(call, "video", "video")
    if isinstance(job, Reply):
        return job
    return Reply(body={"data": {"video_id": job.token()}})


def get_video(call: Call) -> Reply:
    found = _known(call.args["id"], "video")
    if found is None:
        return Reply(status=404, body=error(404, "not_found", "Video not found."))
    return Reply(body={"data": _rendering(call.args["id"], *found)})


def create_translation(call: Call) -> Reply:
    job = _job(call, "translation", "video")
    if isinstance(job, Reply):
        return job
    return Reply(body={"data": {"video_translation_ids": [job.token()]}})


def get_translation(call: Call) -> Reply:
    found = _known(call.args["id"], "translation")
    if found is None:
        return Reply(status=404, body=error(404, "not_found", "Video translation not found."))
    return Reply(body={"data": _rendering(call.args["id"], *found)})


def create_avatar(call: Call) -> Reply:
    job = _job(call, "look", "image")
    if isinstance(job, Reply):
        return job
    item = {"id": job.token(), "name": call.request.text("name") or "Avatar", "status": "pending"}
    return Reply(body={"data": {"avatar_item": item}})


def get_look(call: Call) -> Reply:
    """A look this sandbox trained, by its phase; any other id is an existing, ready public look."""
    token = call.args["id"]
    found = _known(token, "look")
    if found is None:
        data = {"id": token, "name": token[:40], "supported_api_engines": ["avatar_iv", "avatar_iii"]}
        return Reply(body={"data": data})
    job, phase = found
    data = {"id": token, "name": "Avatar", "status": STATUS[phase], "supported_api_engines": ["avatar_iv"]}
    if phase is Phase.SUCCEEDED:
        data["preview_image_url"] = job.outputs()[0].url()
    elif phase in FAILURES:
        data["failure_message"] = FAILURES[phase]
    return Reply(body={"data": data})


def speech(call: Call) -> Reply:
    markers = _markers(call)
    if markers.http500:
        return Reply(
            status=500, body=error(500, "internal_error", "Internal server error (sandbox [http500]).")
        )
    if markers.outcome.value:  # [fail] / [moderated]: HeyGen refuses the text
        return Reply(
            status=400, body=error(400, "invalid_parameter", "The text was refused (sandbox marker).")
        )
    audio = OutputFile(ext="wav", seed=prompt_seed(call.request.text("text")), seconds=3)
    return Reply(
        body={"data": {"audio_url": audio.url(), "duration": SPEECH_SECONDS, "request_id": "sandbox"}}
    )


VENDOR = Vendor(
    name=NAME,
    key_header="X-Api-Key",
    key_prefix="",
    error=error,
    routes=(
        Route("POST", r"v3/videos", "submit", create_video, media="video"),
        Route("GET", r"v3/videos/(?P<id>[^/]+)", "poll", get_video),
        Route("POST", r"v3/video-translations", "submit", create_translation, media="video"),
        Route("GET", r"v3/video-translations/(?P<id>[^/]+)", "poll", get_translation),
        Route("POST", r"v3/avatars", "submit", create_avatar),
        Route("GET", r"v3/avatars/looks/(?P<id>[^/]+)", "poll", get_look),
        Route("POST", r"v3/voices/speech", "submit", speech),
    ),
)
