"""Black Forest Labs (Flux): submit → poll `get_result` (comfy-contract.md §6.2)."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote

from nodes.sandbox.jobs import Phase, job_from_token
from nodes.sandbox.vendors.base import Call, Reply, Route, Vendor

NAME = "bfl"
# Submit `cost` in US cents, as BFL reports it (the engine settles against it).
MODEL_COSTS = {
    "flux-pro-1.1-ultra": 6,
    "flux-pro-1.1": 4,
    "flux-kontext-pro": 4,
    "flux-kontext-max": 8,
    "flux-pro-1.0-expand": 5,
    "flux-pro-1.0-fill": 5,
    "flux-pro-1.0-canny": 5,
    "flux-pro-1.0-depth": 5,
    "flux-2-pro": 3,
    "flux-2-max": 7,
    "flux-tools/erase-v1": 5,
    "flux-tools/vto-v1": 5,
}
# FLUX 3 video: BFL reports `cost` in cents from the clip's length (per second by mode and resolution, as
# nodes/vendors/bfl.py prices it); "auto" picks this length here, below the engine's 20 s hold.
FLUX3_CENTS_PER_SECOND = {
    ("t2v", "hd"): 24.31,
    ("t2v", "fhd"): 41.47,
    ("i2v", "hd"): 24.31,
    ("i2v", "fhd"): 41.47,
    ("v2v", "hd"): 58.63,
    ("v2v", "fhd"): 75.79,
}
FLUX3_AUTO_SECONDS = 8
STATUS = {
    Phase.QUEUED: "Pending",
    Phase.PROCESSING: "Pending",
    Phase.SUCCEEDED: "Ready",
    Phase.FAILED: "Error",
    Phase.MODERATED: "Content Moderated",
}


def error(status: int, code: str, message: str) -> dict[str, Any]:
    return {"detail": message}


def submit(call: Call) -> Reply:
    job = call.new_job()
    job_id = job.token()
    return Reply(
        body={
            "id": job_id,
            "polling_url": f"{call.base_url}/v1/get_result?id={quote(job_id, safe='')}",
            "cost": call.route.cost,
        }
    )


def flux3_submit(call: Call) -> Reply:
    body = call.request.body
    rate = FLUX3_CENTS_PER_SECOND.get((str(body.get("mode", "t2v")), str(body.get("resolution", "hd"))))
    if rate is None:
        return Reply(status=422, body={"detail": "Unknown mode or resolution."})
    duration = body.get("duration", "auto")
    seconds = FLUX3_AUTO_SECONDS if duration == "auto" else call.request.seconds
    job = call.new_job(seconds=min(seconds, 5))
    job_id = job.token()
    return Reply(
        body={
            "id": job_id,
            "polling_url": f"{call.base_url}/v1/get_result?id={quote(job_id, safe='')}",
            "cost": round(rate * seconds, 4),
        }
    )


def get_result(call: Call) -> Reply:
    job_id = call.query.get("id", "")
    job = job_from_token(job_id, vendor=NAME)
    if job is None:
        # 404, not BFL's 200 "Task not found": legacy clients re-poll that in a tight loop (§6.2).
        return Reply(status=404, body={"id": job_id, "status": "Task not found"})
    phase = job.phase()
    if job.media == "video" and phase is Phase.FAILED:
        # FLUX 3 answers a failed video task's poll with a 5xx, not an "Error" status.
        return Reply(status=500, body={"detail": "The generation failed (sandbox [fail] marker)."})
    status = STATUS[phase]
    if job.media == "video" and phase is Phase.PROCESSING:
        status = "Generating"  # FLUX 3's own in-progress word (after "Pending" and "Reasoning")
    body: dict[str, Any] = {"id": job_id, "status": status, "result": None, "progress": job.progress()}
    if phase is Phase.SUCCEEDED:
        body["result"] = {"sample": job.outputs()[0].url(), "seed": job.seed}
    elif phase is Phase.FAILED:
        body["details"] = {"error": "The generation failed (sandbox [fail] marker)."}
    return Reply(body=body)


VENDOR = Vendor(
    name=NAME,
    key_header="x-key",
    key_prefix="",
    error=error,
    routes=(
        *(
            Route("POST", "v1/" + re.escape(model), "submit", submit, cost=cost)
            for model, cost in MODEL_COSTS.items()
        ),
        Route("POST", r"v1/flux-3-video", "submit", flux3_submit, media="video"),
        Route("GET", r"v1/get_result", "poll", get_result),
    ),
)
