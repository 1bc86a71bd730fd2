"""Kling: `{code, message, request_id, data}` envelope; submit → GET `<path>/{task_id}` (§6.3)."""

from __future__ import annotations

import uuid
from typing import Any

from nodes.sandbox.jobs import Job, Phase, job_from_token, now_ms
from nodes.sandbox.vendors.base import Call, Reply, Route, Vendor

NAME = "kling"
VIDEO_PATHS = (
    r"v1/videos/(?P<kind>text2video|image2video|video-extend|lip-sync|effects|omni-video|motion-control"
    r"|avatar/image2video)"
)
IMAGE_PATHS = r"v1/images/(?:generations|kolors-virtual-try-on|omni-image)"
# Kling 3.0 Turbo lives at the API root, without /v1 (kling.ai/document-api/api/video/3-0-turbo).
TURBO_PATHS = r"(?:text-to-video|image-to-video)/kling-3\.0-turbo"
STATUS = {
    Phase.QUEUED: "submitted",
    Phase.PROCESSING: "processing",
    Phase.SUCCEEDED: "succeed",
    Phase.FAILED: "failed",
    Phase.MODERATED: "failed",
}
MESSAGES = {
    Phase.FAILED: "Task failed (sandbox [fail] marker).",
    Phase.MODERATED: "Failure to pass the risk control system (sandbox [moderated] marker).",
}
ERROR_CODES = {400: 1201, 401: 1000, 404: 1203, 500: 5000}
# The length a video delivers (the poll's `duration`, which Kling bills; the file itself stays short): the
# `duration` asked for, else Kling's 5 s; lip-sync, avatar and motion control last as long as their input
# media, taken to be the longest the route accepts. `[short]` in the prompt (lip-sync: `input.text`)
# delivers SHORT_SECONDS, less than any quote, so tests can see the lower charge.
MEDIA_SECONDS = {"lip-sync": 10, "avatar/image2video": 300, "motion-control": 30}
DEFAULT_SECONDS = 5
SHORT_SECONDS = "4.2"


def error(status: int, code: str, message: str) -> dict[str, Any]:
    return {"code": ERROR_CODES.get(status, 1200), "message": message, "request_id": str(uuid.uuid4())}


def _envelope(data: Any) -> dict[str, Any]:
    return {"code": 0, "message": "SUCCEED", "request_id": str(uuid.uuid4()), "data": data}


def _length(call: Call) -> str:
    said = f"{call.request.prompt} {call.request.text('input.text')}".lower()
    if "[short]" in said:
        return SHORT_SECONDS
    asked = call.request.number("duration", "settings.duration")
    return str(asked or MEDIA_SECONDS.get(call.args.get("kind", ""), DEFAULT_SECONDS))


def _delivered(job: Job) -> str:
    return str(job.extra.get("duration", job.seconds))


def _task(job_id: str, job: Job, phase: Phase) -> dict[str, Any]:
    data: dict[str, Any] = {
        "task_id": job_id,
        "task_status": STATUS[phase],
        "task_status_msg": MESSAGES.get(phase, ""),
        "created_at": job.created_ms,
        "updated_at": now_ms(),
    }
    if phase is Phase.SUCCEEDED:
        files = job.outputs()
        result: dict[str, Any]
        if job.media == "video":
            result = {
                "videos": [{"id": str(uuid.uuid4()), "url": files[0].url(), "duration": _delivered(job)}]
            }
        else:
            result = {"images": [{"index": index, "url": file.url()} for index, file in enumerate(files)]}
        data["task_result"] = result
    return data


def submit(call: Call) -> Reply:
    job = call.new_job(extra={"duration": _length(call)} if call.route.media == "video" else {})
    return Reply(body=_envelope(_task(job.token(), job, Phase.QUEUED) | {"task_info": {}}))


def poll(call: Call) -> Reply:
    job = job_from_token(call.args["id"], vendor=NAME)
    if job is None or job.media != call.route.media or job.extra.get("turbo"):
        return Reply(status=404, body=error(404, "not_found", "Task not found."))
    return Reply(body=_envelope(_task(call.args["id"], job, job.phase())))


TURBO_STATUS = STATUS | {Phase.SUCCEEDED: "succeeded"}


def turbo_submit(call: Call) -> Reply:
    job = call.new_job(extra={"turbo": 1, "duration": _length(call)})
    now = now_ms()
    return Reply(
        body=_envelope({"id": job.token(), "status": "submitted", "create_time": now, "update_time": now})
    )


def turbo_tasks(call: Call) -> Reply:
    tasks = []
    for task_id in call.query.get("task_ids", "").split(","):
        job = job_from_token(task_id, vendor=NAME)
        if job is None or not job.extra.get("turbo"):
            return Reply(status=404, body=error(404, "not_found", "Task not found."))
        phase = job.phase()
        task: dict[str, Any] = {
            "id": task_id,
            "status": TURBO_STATUS[phase],
            "message": MESSAGES.get(phase, ""),
            "create_time": job.created_ms,
            "update_time": now_ms(),
        }
        if phase is Phase.SUCCEEDED:
            output = {"type": "video", "id": str(uuid.uuid4()), "url": job.outputs()[0].url()}
            task["outputs"] = [output | {"duration": _delivered(job)}]
        tasks.append(task)
    return Reply(body=_envelope(tasks))


VENDOR = Vendor(
    name=NAME,
    key_header="Authorization",
    key_prefix="Bearer ",
    error=error,
    routes=(
        Route("POST", VIDEO_PATHS, "submit", submit, media="video"),
        Route("GET", rf"{VIDEO_PATHS}/(?P<id>[^/]+)", "poll", poll, media="video"),
        Route("POST", IMAGE_PATHS, "submit", submit, media="image"),
        Route("GET", rf"{IMAGE_PATHS}/(?P<id>[^/]+)", "poll", poll, media="image"),
        Route("POST", TURBO_PATHS, "submit", turbo_submit, media="video"),
        Route("GET", r"tasks", "poll", turbo_tasks, media="video"),
    ),
)
