"""MiniMax (Hailuo): submit → query → files/retrieve, every reply with `base_resp` (§6.5)."""

from __future__ import annotations

from typing import Any

from nodes.sandbox.files import OutputFile
from nodes.sandbox.jobs import Phase, job_from_token
from nodes.sandbox.tokens import int_id_decode, int_id_encode, parse_int
from nodes.sandbox.vendors.base import Call, Reply, Route, Vendor

NAME = "minimax"
FILE_SALT = "comfyweb.sandbox.minimax.file"
STATUS = {Phase.QUEUED: "Queueing", Phase.SUCCEEDED: "Success", Phase.FAILED: "Fail", Phase.MODERATED: "Fail"}
ERROR_CODES = {400: 2013, 401: 1004, 404: 1013, 500: 1000}
OK = {"status_code": 0, "status_msg": "success"}
MODERATED = {"status_code": 1026, "status_msg": "video description contains sensitive content"}


def error(status: int, code: str, message: str) -> dict[str, Any]:
    return {"base_resp": {"status_code": ERROR_CODES.get(status, 1000), "status_msg": message}}


def submit(call: Call) -> Reply:
    job = call.new_job()
    return Reply(body={"task_id": job.token(), "base_resp": OK})


def query(call: Call) -> Reply:
    task_id = call.query.get("task_id", "")
    job = job_from_token(task_id, vendor=NAME)
    if job is None:
        return Reply(status=404, body=error(404, "not_found", "task not found"))
    phase = job.phase()
    status = STATUS.get(phase) or ("Preparing" if job.progress() < 0.5 else "Processing")
    body: dict[str, Any] = {"task_id": task_id, "status": status, "base_resp": OK}
    if phase is Phase.SUCCEEDED:
        file_id = int_id_encode(
            salt=FILE_SALT, created=job.created_ms // 1000, outcome=0, slow=False, seed=job.seed
        )
        body |= {"file_id": str(file_id), "video_width": 1280, "video_height": 720}
    elif phase is Phase.MODERATED:
        body["base_resp"] = MODERATED
    return Reply(body=body)


def retrieve(call: Call) -> Reply:
    file_id = parse_int(call.query.get("file_id"))
    decoded = None if file_id is None else int_id_decode(file_id, salt=FILE_SALT)
    if file_id is None or decoded is None:
        return Reply(status=404, body=error(404, "not_found", "file not found"))
    video = OutputFile(ext="mp4", seed=decoded.seed)
    url = video.url()
    return Reply(
        body={
            "file": {
                "file_id": file_id,
                "bytes": len(video.content()),
                "created_at": decoded.created,
                "filename": "output.mp4",
                "purpose": "video_generation",
                "download_url": url,
                "backup_download_url": url,
            },
            "base_resp": OK,
        }
    )


VENDOR = Vendor(
    name=NAME,
    key_header="Authorization",
    key_prefix="Bearer ",
    error=error,
    routes=(
        Route("POST", r"v1/video_generation", "submit", submit, media="video"),
        Route("GET", r"v1/query/video_generation", "poll", query, media="video"),
        Route("GET", r"v1/files/retrieve", "poll", retrieve, media="video"),
    ),
)
