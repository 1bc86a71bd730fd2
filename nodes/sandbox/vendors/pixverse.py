"""PixVerse: integer ids and statuses, `{ErrCode, ErrMsg, Resp}` envelope; image upload (§6.6)."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from typing import Any

from nodes.sandbox.files import OutputFile
from nodes.sandbox.jobs import Job, Markers, Outcome, Phase, job_duration_ms, now_ms
from nodes.sandbox.tokens import int_id_decode, int_id_encode, parse_int
from nodes.sandbox.vendors.base import Call, Reply, Route, Vendor

NAME = "pixverse"
VIDEO_SALT = "comfyweb.sandbox.pixverse.video"
STATUS = {
    Phase.QUEUED: 5,
    Phase.PROCESSING: 5,
    Phase.SUCCEEDED: 1,
    Phase.FAILED: 8,
    Phase.MODERATED: 7,
}
ERROR_CODES = {400: 400017, 401: 10005, 404: 400018, 500: 500008}
CREDITS = 45


def error(status: int, code: str, message: str) -> dict[str, Any]:
    return {"ErrCode": ERROR_CODES.get(status, 500008), "ErrMsg": message, "Resp": None}


def _ok(resp: dict[str, Any]) -> Reply:
    return Reply(body={"ErrCode": 0, "ErrMsg": "success", "Resp": resp})


def upload(call: Call) -> Reply:
    if "image" not in call.request.file_fields:
        return Reply(status=400, body=error(400, "invalid_request", "image is required"))
    img_id = secrets.randbelow(1 << 40) + 1
    return _ok({"img_id": img_id, "img_url": OutputFile(ext="png", seed=img_id).url()})


def submit(call: Call) -> Reply:
    video_id = int_id_encode(
        salt=VIDEO_SALT,
        created=now_ms() // 1000,
        outcome=int(call.markers.outcome),
        slow=call.markers.slow,
        seed=call.new_job().seed,
    )
    return _ok({"video_id": video_id, "credits": CREDITS})


def _job(video_id: int) -> Job | None:
    decoded = int_id_decode(video_id, salt=VIDEO_SALT)
    if decoded is None:
        return None
    return Job(
        vendor=NAME,
        media="video",
        outcome=Outcome(decoded.outcome),
        created_ms=decoded.created * 1000,
        duration_ms=job_duration_ms(Markers(slow=decoded.slow)),
        seed=decoded.seed,
    )


def result(call: Call) -> Reply:
    video_id = parse_int(call.args["id"])
    job = None if video_id is None else _job(video_id)
    if video_id is None or job is None:
        return Reply(status=404, body=error(404, "not_found", "video not found"))
    phase = job.phase()
    created = datetime.fromtimestamp(job.created_ms / 1000, tz=UTC).isoformat()
    resp: dict[str, Any] = {
        "id": video_id,
        "status": STATUS[phase],
        "create_time": created,
        "modify_time": datetime.now(tz=UTC).isoformat(),
        "outputWidth": 1280,
        "outputHeight": 720,
        "seed": job.seed,
        "credits": CREDITS,
        "has_audio": False,
    }
    if phase is Phase.SUCCEEDED:
        video = job.outputs()[0]
        resp |= {"url": video.url(), "size": len(video.content())}
    return _ok(resp)


VENDOR = Vendor(
    name=NAME,
    key_header="API-KEY",
    key_prefix="",
    error=error,
    routes=(
        Route("POST", r"openapi/v2/image/upload", "upload", upload),
        Route("POST", r"openapi/v2/video/(?:text|img|transition)/generate", "submit", submit, media="video"),
        Route("GET", r"openapi/v2/video/result/(?P<id>[^/]+)", "poll", result, media="video"),
    ),
)
