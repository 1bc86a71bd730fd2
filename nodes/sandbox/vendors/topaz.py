"""Topaz Labs: image enhance jobs, and the video flow create → accept → PUT upload → complete-upload → status.

The video steps change what the status says, so this simulator keeps a little state in the cache, keyed by
the request id: accepted, the uploaded file's ETag, and when processing started (after complete-upload).
The upload URL the accept step hands out is under /sandbox/topaz/upload/… and takes a keyless PUT, as
Topaz's signed S3 URLs do.
"""

from __future__ import annotations

import hashlib
import time
from typing import Any

from django.conf import settings
from django.core.cache import cache

from nodes.sandbox.jobs import Job, Phase, job_duration_ms, job_from_token, markers_in, now_ms
from nodes.sandbox.vendors.base import Call, Reply, Route, Vendor

NAME = "topaz"
STATE_SECONDS = 7 * 24 * 3600
IMAGE_STATUS = {
    Phase.QUEUED: "Pending",
    Phase.PROCESSING: "Processing",
    Phase.SUCCEEDED: "Completed",
    Phase.FAILED: "Failed",
    Phase.MODERATED: "Failed",
}
VIDEO_STATUS = {
    Phase.QUEUED: "preprocessing",
    Phase.PROCESSING: "processing",
    Phase.SUCCEEDED: "complete",
    Phase.FAILED: "failed",
    Phase.MODERATED: "failed",
}
# Credits the simulated jobs cost: an image is one 8 MP block; a video 0.2 credits per source frame.
IMAGE_CREDITS = {"Reimagine": 4, "Bloom 2": 4, "Wonder 3.5": 1}
VIDEO_CREDITS_PER_100_FRAMES = 20


def error(status: int, code: str, message: str) -> dict[str, Any]:
    return {"message": message, "code": code}


def _key(request_id: str, what: str) -> str:
    return f"sandbox:topaz:{hashlib.sha256(request_id.encode()).hexdigest()[:32]}:{what}"


def _remember(request_id: str, what: str, value: Any) -> None:
    cache.set(_key(request_id, what), value, STATE_SECONDS)


def _recall(request_id: str, what: str) -> Any:
    return cache.get(_key(request_id, what))


def _not_found() -> Reply:
    return Reply(status=404, body=error(404, "not_found", "Request not found."))


# --- images -------------------------------------------------------------------------------------------------
def image_submit(call: Call) -> Reply:
    model = call.request.text("model") or "Reimagine"
    if model not in IMAGE_CREDITS:
        return Reply(status=400, body=error(400, "invalid_model", f"Unknown model {model[:40]!r}."))
    if not call.request.text("source_url"):
        return Reply(status=400, body=error(400, "invalid_request", "source_url is required."))
    job = call.new_job(media="image", count=1, extra={"i": IMAGE_CREDITS[model]})
    return Reply(body={"process_id": job.token()})


def _image_job(call: Call) -> Job | None:
    job = job_from_token(call.args["id"], vendor=NAME)
    return job if job is not None and "i" in job.extra else None


def image_status(call: Call) -> Reply:
    job = _image_job(call)
    if job is None:
        return _not_found()
    phase = job.phase()
    credits_used = job.extra["i"] if phase is Phase.SUCCEEDED else 0
    body = {
        "process_id": call.args["id"],
        "status": IMAGE_STATUS[phase],
        "progress": round(job.progress() * 100),
        "credits": credits_used,
    }
    return Reply(body=body)


def image_download(call: Call) -> Reply:
    job = _image_job(call)
    if job is None or job.phase() is not Phase.SUCCEEDED:
        return _not_found()
    return Reply(body={"download_url": job.outputs()[0].url(), "expiry": int(time.time()) + 3600})


# --- videos -------------------------------------------------------------------------------------------------
def video_create(call: Call) -> Reply:
    body = call.request.body
    source, filters = body.get("source"), body.get("filters")
    if not isinstance(source, dict) or not isinstance(filters, list) or not filters:
        return Reply(status=400, body=error(400, "invalid_request", "source and filters are required."))
    prompts = " ".join(str(f.get("prompt") or "") for f in filters if isinstance(f, dict))
    markers = markers_in(prompts)
    if markers.http500:
        return Reply(
            status=500, body=error(500, "internal_error", "Internal server error (sandbox [http500]).")
        )
    count = source.get("frameCount")
    frames = count if isinstance(count, int) else 1
    estimate = max(1, frames * VIDEO_CREDITS_PER_100_FRAMES // 100)
    job = call.new_job(
        media="video",
        count=1,
        seconds=3,
        outcome=markers.outcome,
        duration_ms=job_duration_ms(markers),
        extra={"v": estimate},
    )
    estimates = {"cost": [estimate, estimate + 1], "time": [10, 60]}
    return Reply(body={"requestId": job.token(), "estimates": estimates})


def _video_job(request_id: str) -> Job | None:
    job = job_from_token(request_id, vendor=NAME)
    return job if job is not None and "v" in job.extra else None


def video_accept(call: Call) -> Reply:
    request_id = call.args["id"]
    if _video_job(request_id) is None:
        return _not_found()
    _remember(request_id, "accepted", now_ms())
    url = f"{settings.PUBLIC_BASE_URL}/sandbox/{NAME}/upload/{request_id}"
    return Reply(body={"uploadId": hashlib.sha256(request_id.encode()).hexdigest()[:24], "urls": [url]})


def video_upload(call: Call) -> Reply:
    """The signed upload URL: a keyless PUT of the whole file; S3 answers with its ETag."""
    request_id = call.args["id"]
    if _video_job(request_id) is None or not _recall(request_id, "accepted"):
        return Reply(
            status=403, content=b"<Error><Code>AccessDenied</Code></Error>", content_type="application/xml"
        )
    if not call.raw:
        return Reply(
            status=400, content=b"<Error><Code>EmptyBody</Code></Error>", content_type="application/xml"
        )
    etag = hashlib.md5(call.raw, usedforsecurity=False).hexdigest()
    _remember(request_id, "etag", etag)
    return Reply(status=200, content=b"", content_type="application/xml", headers={"ETag": f'"{etag}"'})


def video_complete(call: Call) -> Reply:
    request_id = call.args["id"]
    if _video_job(request_id) is None:
        return _not_found()
    parts = call.request.body.get("uploadResults")
    sent = parts[0].get("eTag") if isinstance(parts, list) and parts and isinstance(parts[0], dict) else None
    stored = _recall(request_id, "etag")
    if stored is None or not isinstance(sent, str) or sent.strip('"') != stored:
        return Reply(
            status=400, body=error(400, "upload_incomplete", "The upload is missing or its ETag differs.")
        )
    if _recall(request_id, "started") is None:
        _remember(request_id, "started", now_ms())
    return Reply(body={"message": "Upload completed; processing has started."})


def video_status(call: Call) -> Reply:
    request_id = call.args["id"]
    job = _video_job(request_id)
    if job is None:
        return _not_found()
    started = _recall(request_id, "started")
    body: dict[str, Any] = {
        "requestId": request_id,
        "estimates": {"cost": [job.extra["v"], job.extra["v"] + 1]},
    }
    if started is None:
        body |= {"status": "accepted" if _recall(request_id, "accepted") else "requested", "progress": 0}
        return Reply(body=body)
    at = job.created_ms + (now_ms() - started)  # the job's clock starts when processing does
    phase = job.phase(at)
    body |= {"status": VIDEO_STATUS[phase], "progress": round(job.progress(at) * 100), "message": ""}
    if phase is Phase.SUCCEEDED:
        body["download"] = {"url": job.outputs()[0].url()}
    elif phase in (Phase.FAILED, Phase.MODERATED):
        body["message"] = "Processing failed (sandbox marker)."
    return Reply(body=body)


VENDOR = Vendor(
    name=NAME,
    key_header="X-API-Key",
    key_prefix="",
    error=error,
    routes=(
        Route("POST", r"image/v1/enhance-gen/async", "submit", image_submit),
        Route("GET", r"image/v1/status/(?P<id>[^/]+)", "poll", image_status),
        Route("GET", r"image/v1/download/(?P<id>[^/]+)", "poll", image_download),
        Route("POST", r"video/", "submit", video_create, media="video"),
        Route("PATCH", r"video/(?P<id>[^/]+)/accept", "poll", video_accept),
        Route("PUT", r"upload/(?P<id>[^/]+)", "upload", video_upload, public=True),
        Route("PATCH", r"video/(?P<id>[^/]+)/complete-upload/?", "poll", video_complete),
        Route("GET", r"video/(?P<id>[^/]+)/status", "poll", video_status),
    ),
)
