"""MiniMax (Hailuo): submit → query → files/retrieve, every reply with `base_resp` (§6.5).

MiniMax H3 (API v2): submit `v2/video_generation` → `task_id`; poll `v2/query/video_generation/{id}` →
`task` with `status` queued → running → succeeded (`content.url`, `usage`) | failed (`error`)."""

from __future__ import annotations

from typing import Any

from nodes.sandbox.files import OutputFile
from nodes.sandbox.jobs import Phase, job_duration_ms, job_from_token, markers_in, prompt_seed
from nodes.sandbox.tokens import int_id_decode, int_id_encode, parse_int
from nodes.sandbox.vendors.base import Call, Reply, Route, Vendor

NAME = "minimax"
FILE_SALT = "comfyweb.sandbox.minimax.file"
STATUS = {Phase.QUEUED: "Queueing", Phase.SUCCEEDED: "Success", Phase.FAILED: "Fail", Phase.MODERATED: "Fail"}
ERROR_CODES = {400: 2013, 401: 1004, 404: 1013, 500: 1000}
OK = {"status_code": 0, "status_msg": "success"}
MODERATED = {"status_code": 1026, "status_msg": "video description contains sensitive content"}


# H3: each reference video counts as this many input seconds (the sandbox does not read the file), up to
# the 15 s the node allows in all.
H3_VIDEO_SECONDS = 4
H3_MAX_VIDEO_SECONDS = 15
H3_STATUS = {
    Phase.QUEUED: "queued",
    Phase.PROCESSING: "running",
    Phase.SUCCEEDED: "succeeded",
    Phase.FAILED: "failed",
    Phase.MODERATED: "failed",
}


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


def h3_submit(call: Call) -> Reply:
    """Markers come from the content list's text item (the body has no top-level `prompt`)."""
    content = call.request.body.get("content")
    items = [item for item in content if isinstance(item, dict)] if isinstance(content, list) else []
    prompt = next((str(item.get("text") or "") for item in items if item.get("type") == "text"), "")
    markers = markers_in(prompt)
    if markers.http500:
        return Reply(
            status=500, body=error(500, "internal_error", "Internal server error (sandbox [http500]).")
        )
    videos = sum(1 for item in items if item.get("type") == "video_url")
    job = call.new_job(
        outcome=markers.outcome,
        duration_ms=job_duration_ms(markers),
        seed=prompt_seed(prompt),
        seconds=min(call.request.seconds, 5),
        extra={
            "output": call.request.seconds,
            "input": min(videos * H3_VIDEO_SECONDS, H3_MAX_VIDEO_SECONDS),
        },
    )
    return Reply(body={"task_id": job.token()})


def h3_query(call: Call) -> Reply:
    task_id = call.args["task_id"]
    job = job_from_token(task_id, vendor=NAME)
    if job is None:
        return Reply(status=404, body=error(404, "not_found", "task not found"))
    phase = job.phase()
    task: dict[str, Any] = {"id": task_id, "status": H3_STATUS[phase]}
    if phase is Phase.SUCCEEDED:
        output, used = int(job.extra.get("output", 5)), int(job.extra.get("input", 0))
        task["content"] = {"url": job.outputs()[0].url()}
        task["usage"] = {"total_seconds": output + used, "input_seconds": used, "output_seconds": output}
    elif phase is Phase.FAILED:
        task["error"] = {"code": 1000, "message": "The generation failed (sandbox [fail] marker)."}
    elif phase is Phase.MODERATED:
        task["error"] = {"code": 1026, "message": "video description contains sensitive content"}
    return Reply(body={"task": task})


VENDOR = Vendor(
    name=NAME,
    key_header="Authorization",
    key_prefix="Bearer ",
    error=error,
    routes=(
        Route("POST", r"v1/video_generation", "submit", submit, media="video"),
        Route("GET", r"v1/query/video_generation", "poll", query, media="video"),
        Route("GET", r"v1/files/retrieve", "poll", retrieve, media="video"),
        Route("POST", r"v2/video_generation", "submit", h3_submit, media="video"),
        Route("GET", r"v2/query/video_generation/(?P<task_id>[^/]+)", "poll", h3_query, media="video"),
    ),
)
