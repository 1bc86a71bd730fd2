"""HitPaw enhancer: POST api/photo-enhancer | api/video-enhancer → POST api/task-status {job_id}.

Every reply is `{code, message, data}`; the submit reports `consume_coins` (1 coin = $0.001). There is no
prompt: the markers ([fail], [moderated], [slow]) are read from the source file's URL.
"""

from __future__ import annotations

from typing import Any

from nodes.sandbox.jobs import Phase, job_from_token, markers_in
from nodes.sandbox.vendors.base import Call, Reply, Route, Vendor

NAME = "hitpaw"
STATUS = {Phase.QUEUED: "PENDING", Phase.PROCESSING: "PROCESSING", Phase.SUCCEEDED: "COMPLETED"}
# What the sandbox reports it consumed: the bottom of each badge range (an image; a 2 s video at 720p).
IMAGE_COINS = 20
VIDEO_COINS = 20


def error(status: int, code: str, message: str) -> dict[str, Any]:
    return {"code": status, "message": message, "data": None}


def _submit(call: Call, url_field: str, coins: int) -> Reply:
    url = call.request.text(url_field)
    markers = markers_in(url)
    media = call.route.media
    job = call.new_job(outcome=markers.outcome, seconds=2, count=1, extra={"media": media})
    return Reply(body={"code": 200, "message": "OK", "data": {"job_id": job.token(), "consume_coins": coins}})


def photo(call: Call) -> Reply:
    return _submit(call, "img_url", IMAGE_COINS)


def video(call: Call) -> Reply:
    return _submit(call, "video_url", VIDEO_COINS)


def status(call: Call) -> Reply:
    job_id = call.request.text("job_id")
    job = job_from_token(job_id, vendor=NAME)
    if job is None:
        return Reply(status=404, body=error(404, "not_found", "job not found"))
    phase = job.phase()
    data: dict[str, Any] = {"job_id": job_id, "status": STATUS.get(phase, "FAILED"), "res_url": ""}
    if phase is Phase.SUCCEEDED:
        data["res_url"] = job.outputs()[0].url()
    return Reply(body={"code": 200, "message": "OK", "data": data})


VENDOR = Vendor(
    name=NAME,
    key_header="Apikey",
    key_prefix="",
    error=error,
    routes=(
        Route("POST", r"api/photo-enhancer", "submit", photo, media="image"),
        Route("POST", r"api/video-enhancer", "submit", video, media="video"),
        Route("POST", r"api/task-status", "poll", status),
    ),
)
