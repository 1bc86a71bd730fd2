"""Luma Dream Machine: `LumaGeneration` objects with the request echoed back (§6.4)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from nodes.sandbox.jobs import Job, Phase, job_from_token
from nodes.sandbox.vendors.base import Call, Reply, Route, Vendor

NAME = "luma"
STATE = {
    Phase.QUEUED: "queued",
    Phase.PROCESSING: "dreaming",
    Phase.SUCCEEDED: "completed",
    Phase.FAILED: "failed",
    Phase.MODERATED: "failed",
}
FAILURES = {
    Phase.FAILED: ("Generation failed (sandbox [fail] marker).", "generation_failed"),
    Phase.MODERATED: ("Prompt or output was moderated (sandbox [moderated] marker).", "moderated"),
}
DEFAULT_MODEL = {"image": "photon-1", "video": "ray-2"}
ECHOED = ("prompt", "model", "aspect_ratio", "resolution", "duration", "loop")
# The echo travels inside the job id, which the /proxy engine stores (≤ 600 chars): keep it small even for
# prompts in scripts that JSON escapes six characters per letter.
PROMPT_ECHO_JSON_CHARS = 120
FIELD_ECHO_CHARS = 40


def error(status: int, code: str, message: str) -> dict[str, Any]:
    return {"detail": message}


def _echo(call: Call, media: str) -> dict[str, Any]:
    """The request as Luma echoes it (ComfyUI validates it as the request model): scalars only, short."""
    echo: dict[str, Any] = {}
    for key in ECHOED:
        value = call.request.body.get(key)
        if isinstance(value, bool) or (isinstance(value, str) and len(value) <= FIELD_ECHO_CHARS):
            echo[key] = value
    echo["prompt"] = _prompt_prefix(call.request.prompt)
    echo.setdefault("model", DEFAULT_MODEL[media])
    return echo


def _prompt_prefix(prompt: str) -> str:
    """The longest prefix of `prompt` whose JSON form fits the echo budget."""
    prefix = ""
    for char in prompt:
        if len(json.dumps(prefix + char)) > PROMPT_ECHO_JSON_CHARS:
            break
        prefix += char
    return prefix


def _iso(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, tz=UTC).isoformat().replace("+00:00", "Z")


def _generation(job_id: str, job: Job, phase: Phase) -> dict[str, Any]:
    request = job.extra["request"]
    body: dict[str, Any] = {
        "id": job_id,
        "generation_type": job.media,
        "state": STATE[phase],
        "failure_reason": FAILURES[phase][0] if phase in FAILURES else None,
        "created_at": _iso(job.created_ms),
        "assets": None,
        "model": request["model"],
        "request": request,
    }
    if phase is Phase.SUCCEEDED:
        body["assets"] = {job.media: job.outputs()[0].url()}
    return body


def submit(call: Call) -> Reply:
    media = call.route.media
    job = call.new_job(count=1, extra={"request": _echo(call, media)})
    # A fresh submit is always queued, however short the sandbox's job time.
    return Reply(status=201, body=_generation(job.token(), job, Phase.QUEUED))


def poll(call: Call) -> Reply:
    job = job_from_token(call.args["id"], vendor=NAME)
    if job is None or "request" not in job.extra:
        return Reply(status=404, body=error(404, "not_found", "Generation not found."))
    return Reply(body=_generation(call.args["id"], job, job.phase()))


def _v2_media(call: Call) -> str:
    kind = call.request.text("type", "generation_type")
    if kind:  # image | image_edit | video | video_edit | video_reframe
        return "image" if kind.startswith("image") else "video"
    return "image" if call.request.model.startswith(("photon", "uni")) else "video"


def _v2_generation(job_id: str, job: Job, phase: Phase) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": job_id,
        "type": job.media,
        "state": STATE[phase],
        "model": job.extra["model"],
        "created_at": _iso(job.created_ms),
    }
    if phase is Phase.SUCCEEDED:
        body["output"] = [{"type": job.media, "url": job.outputs()[0].url()}]
    elif phase in FAILURES:
        body["failure_reason"], body["failure_code"] = FAILURES[phase]
    return body


def v2_submit(call: Call) -> Reply:
    media = _v2_media(call)
    model = call.request.model or DEFAULT_MODEL[media]
    job = call.new_job(media=media, count=1, extra={"v2": 1, "model": model})
    return Reply(status=201, body=_v2_generation(job.token(), job, Phase.QUEUED))


def v2_poll(call: Call) -> Reply:
    job = job_from_token(call.args["id"], vendor=NAME)
    if job is None or not job.extra.get("v2"):
        return Reply(status=404, body=error(404, "not_found", "Generation not found."))
    return Reply(body=_v2_generation(call.args["id"], job, job.phase()))


VENDOR = Vendor(
    name=NAME,
    key_header="Authorization",
    key_prefix="Bearer ",
    error=error,
    routes=(
        Route("POST", r"dream-machine/v1/generations/image", "submit", submit, media="image"),
        Route("POST", r"dream-machine/v1/generations", "submit", submit, media="video"),
        Route("GET", r"dream-machine/v1/generations/(?P<id>[^/]+)", "poll", poll),
        Route("POST", r"dream-machine/v2/generations", "submit", v2_submit),
        Route("GET", r"dream-machine/v2/generations/(?P<id>[^/]+)", "poll", v2_poll),
    ),
)
