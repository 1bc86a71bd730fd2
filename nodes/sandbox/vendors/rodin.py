"""Hyper3D Rodin: POST api/v2/rodin (multipart `tier`, `images` and/or `prompt`) → `{uuid, jobs: {uuids,
subscription_key}}`; POST api/v2/status {subscription_key} → `jobs[{uuid, status}]` Waiting → Generating →
Done | Failed; POST api/v2/download {task_uuid} → `list[{url, name}]`: the model (GLB, or the FBX / OBJ
`geometry_file_format` asks for; STL is served as GLB) and a PNG preview.

The subscription key and the task uuid are two signed tokens of one job. Markers are read from `prompt`.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from nodes.sandbox.files import OutputFile
from nodes.sandbox.jobs import Job, Phase, job_from_token
from nodes.sandbox.vendors.base import Call, Reply, Route, Vendor

NAME = "rodin"
JOBS_PER_TASK = 2  # Rodin splits a task into a few jobs (mesh, texture); the sandbox reports two
STATUS = {
    Phase.QUEUED: "Waiting",
    Phase.PROCESSING: "Generating",
    Phase.SUCCEEDED: "Done",
    Phase.FAILED: "Failed",
    Phase.MODERATED: "Failed",
}
FORMATS = {"glb": "glb", "fbx": "fbx", "obj": "obj"}  # anything else (stl, usdz) is served as GLB


def error(status: int, code: str, message: str) -> dict[str, Any]:
    return {"error": code, "message": message}


def _job(token: str, role: str) -> Job | None:
    job = job_from_token(token, vendor=NAME)
    return job if job is not None and job.extra.get("role") == role else None


def generate(call: Call) -> Reply:
    tier = call.request.text("tier")
    if not tier:
        return Reply(status=400, body=error(400, "INVALID_REQUEST", "tier is required."))
    if "images" not in call.request.file_fields and not call.request.prompt:
        return Reply(status=400, body=error(400, "INVALID_REQUEST", "images or a prompt are required."))
    ext = FORMATS.get(call.request.text("geometry_file_format").lower(), "glb")
    job = call.new_job(media="image", extra={"role": "subscription", "ext": ext, "tier": tier})
    task = dataclasses.replace(job, extra={**job.extra, "role": "task"})
    uuids = [f"{job.seed:08x}-{index}" for index in range(JOBS_PER_TASK)]
    body = {
        "error": None,
        "message": "Submitted.",
        "prompt": call.request.prompt,
        "submit_time": str(job.created_ms // 1000),
        "uuid": task.token(),
        "jobs": {"uuids": uuids, "subscription_key": job.token()},
    }
    return Reply(body=body)


def status(call: Call) -> Reply:
    job = _job(call.request.text("subscription_key"), "subscription")
    if job is None:
        return Reply(status=404, body=error(404, "NOT_FOUND", "No task with this subscription key."))
    word = STATUS[job.phase()]
    jobs = [{"uuid": f"{job.seed:08x}-{index}", "status": word} for index in range(JOBS_PER_TASK)]
    return Reply(body={"error": None, "jobs": jobs})


def download(call: Call) -> Reply:
    job = _job(call.request.text("task_uuid"), "task")
    if job is None:
        return Reply(status=404, body=error(404, "NOT_FOUND", "No task with this uuid."))
    if job.phase() is not Phase.SUCCEEDED:
        return Reply(body={"error": None, "list": []})  # Rodin: calling early gives an incomplete list
    ext = str(job.extra.get("ext", "glb"))
    files = [
        {"url": OutputFile(ext=ext, seed=job.seed).url(), "name": f"base_basic_pbr.{ext}"},
        {"url": OutputFile(ext="png", seed=job.seed).url(), "name": "preview.png"},
    ]
    return Reply(body={"error": None, "list": files})


VENDOR = Vendor(
    name=NAME,
    key_header="Authorization",
    key_prefix="Bearer ",
    error=error,
    routes=(
        Route("POST", r"api/v2/rodin", "submit", generate),
        Route("POST", r"api/v2/status", "poll", status),
        Route("POST", r"api/v2/download", "poll", download),
    ),
)
