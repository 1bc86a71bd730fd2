"""Krea: Krea 2 generations are jobs (`job_id`, `status`, `result.urls`); `assets` takes reference images."""

from __future__ import annotations

import secrets
import uuid
from datetime import UTC, datetime
from typing import Any

from nodes.sandbox.files import OutputFile
from nodes.sandbox.jobs import Phase, job_from_token
from nodes.sandbox.vendors.base import Call, Reply, Route, Vendor

NAME = "krea"
STATUS = {
    Phase.QUEUED: "queued",
    Phase.PROCESSING: "processing",
    Phase.SUCCEEDED: "completed",
    Phase.FAILED: "failed",
    Phase.MODERATED: "failed",
}
SIZES = {
    "1:1": (1024, 1024),
    "16:9": (1344, 756),
    "9:16": (756, 1344),
    "4:3": (1184, 888),
    "3:2": (1248, 832),
}


def error(status: int, code: str, message: str) -> dict[str, Any]:
    return {"error": message, "code": code}


def _iso(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, tz=UTC).isoformat().replace("+00:00", "Z")


def upload(call: Call) -> Reply:
    if "file" not in call.request.file_fields:
        return Reply(status=400, body=error(400, "invalid_request", "file is required."))
    seed = secrets.randbelow(1 << 30)
    body = {
        "id": str(uuid.uuid4()),
        "image_url": OutputFile(ext="png", seed=seed).url(),
        "uploaded_at": _iso(int(datetime.now(tz=UTC).timestamp() * 1000)),
        "width": 512,
        "height": 512,
        "size_bytes": 1024,
        "mime_type": "image/png",
    }
    return Reply(body=body)


def generate(call: Call) -> Reply:
    if not call.request.text("prompt"):
        return Reply(status=400, body=error(400, "invalid_request", "prompt is required."))
    width, height = SIZES.get(call.request.text("aspect_ratio"), (1024, 1024))
    job = call.new_job(count=1, width=width // 2, height=height // 2, extra={"model": call.args["model"]})
    return Reply(body=_job(job.token(), Phase.QUEUED, job.created_ms, []))


def _job(token: str, phase: Phase, created_ms: int, urls: list[str]) -> dict[str, Any]:
    done = phase in (Phase.SUCCEEDED, Phase.FAILED, Phase.MODERATED)
    return {
        "job_id": token,
        "status": STATUS[phase],
        "created_at": _iso(created_ms),
        "completed_at": _iso(created_ms) if done else None,
        "result": {"urls": urls} if phase is Phase.SUCCEEDED else None,
    }


def get_job(call: Call) -> Reply:
    job = job_from_token(call.args["id"], vendor=NAME)
    if job is None:
        return Reply(status=404, body=error(404, "not_found", "Job not found."))
    phase = job.phase()
    urls = [output.url() for output in job.outputs()] if phase is Phase.SUCCEEDED else []
    return Reply(body=_job(call.args["id"], phase, job.created_ms, urls))


VENDOR = Vendor(
    name=NAME,
    key_header="Authorization",
    key_prefix="Bearer ",
    error=error,
    routes=(
        Route("POST", r"assets", "upload", upload),
        Route("POST", r"generate/image/krea/krea-2/(?P<model>medium|medium-turbo|large)", "submit", generate),
        Route("GET", r"jobs/(?P<id>[^/]+)", "poll", get_job),
    ),
)
