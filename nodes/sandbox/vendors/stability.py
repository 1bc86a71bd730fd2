"""Stability AI v2beta: JSON replies with base64 `image` / `audio`; creative upscale via results (§6.8)."""

from __future__ import annotations

import uuid
from typing import Any

from nodes.sandbox.jobs import Outcome, Phase, job_from_token
from nodes.sandbox.vendors.base import Call, Reply, Route, Vendor

NAME = "stability"
SEED_RANGE = 4_294_967_294


def error(status: int, code: str, message: str) -> dict[str, Any]:
    return {"id": uuid.uuid4().hex, "name": code, "errors": [message]}


def _finish_reason(outcome: Outcome) -> str:
    return "CONTENT_FILTERED" if outcome is Outcome.MODERATED else "SUCCESS"


def _seed(call: Call, fallback: int) -> int:
    return call.request.number("seed") or fallback % SEED_RANGE


def _needs_image(call: Call) -> Reply | None:
    if "image" in call.request.file_fields:
        return None
    return Reply(status=400, body=error(400, "bad_request", "image: required"))


def image(call: Call) -> Reply:
    if call.args.get("upscale") and (missing := _needs_image(call)):
        return missing
    job = call.new_job(count=1)
    return Reply(
        body={
            "image": job.outputs()[0].b64(),
            "finish_reason": _finish_reason(call.markers.outcome),
            "seed": _seed(call, job.seed),
        }
    )


def audio(call: Call) -> Reply:
    job = call.new_job(media="audio")
    return Reply(
        body={
            "audio": job.outputs()[0].b64(),
            "finish_reason": _finish_reason(call.markers.outcome),
            "seed": _seed(call, job.seed),
        }
    )


def creative_submit(call: Call) -> Reply:
    if missing := _needs_image(call):
        return missing
    return Reply(body={"id": call.new_job(count=1).token()})


def result(call: Call) -> Reply:
    job = job_from_token(call.args["id"], vendor=NAME)
    if job is None:
        return Reply(status=404, body=error(404, "not_found", "Generation not found or expired."))
    phase = job.phase()
    if phase in {Phase.QUEUED, Phase.PROCESSING}:
        return Reply(status=202, body={"id": call.args["id"], "status": "in-progress"})
    if phase is Phase.FAILED:
        # The node marks a result failed when `name` or `errors` is present (§6.8).
        return Reply(body=error(200, "generation_failed", "The upscale failed (sandbox [fail] marker)."))
    return Reply(
        body={
            "result": job.outputs()[0].b64(),
            "finish_reason": _finish_reason(job.outcome),
            "seed": job.seed,
        }
    )


VENDOR = Vendor(
    name=NAME,
    key_header="Authorization",
    key_prefix="Bearer ",
    error=error,
    routes=(
        Route("POST", r"v2beta/stable-image/generate/(?:ultra|sd3)", "sync", image),
        Route("POST", r"v2beta/stable-image/upscale/(?P<upscale>conservative|fast)", "sync", image),
        Route("POST", r"v2beta/stable-image/upscale/creative", "submit", creative_submit),
        Route("GET", r"v2beta/results/(?P<id>[^/]+)", "poll", result),
        Route(
            "POST",
            r"v2beta/audio/stable-audio-2/(?:text-to-audio|audio-to-audio|inpaint)",
            "sync",
            audio,
            media="audio",
        ),
    ),
)
