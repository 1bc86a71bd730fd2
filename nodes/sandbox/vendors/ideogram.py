"""Ideogram V1/V2 (JSON `image_request`), V3 (multipart) and V4: `created` + `data[{url, …}]` (§6.10)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from nodes.sandbox.jobs import Outcome
from nodes.sandbox.vendors.base import Call, Reply, Route, Vendor

NAME = "ideogram"
SEED_RANGE = 2_147_483_647


def error(status: int, code: str, message: str) -> dict[str, Any]:
    return {"detail": message}


def generate(call: Call) -> Reply:
    if call.args.get("edit") and (missing := {"image", "mask"} - set(call.request.file_fields)):
        return Reply(status=400, body=error(400, "invalid_request", f"Missing {', '.join(sorted(missing))}."))
    job = call.new_job()
    safe = call.markers.outcome is not Outcome.MODERATED
    style = call.request.text("style_type", "image_request.style_type") or "AUTO"
    resolution = call.request.text("resolution", "image_request.resolution") or "1024x1024"
    data = []
    for file in job.outputs():
        item: dict[str, Any] = {
            "prompt": call.request.prompt,
            "resolution": resolution,
            "seed": file.seed % SEED_RANGE,
            "style_type": style,
            "is_image_safe": safe,
        }
        if safe:
            item["url"] = file.url()
        data.append(item)
    created = datetime.now(tz=UTC).isoformat().replace("+00:00", "Z")
    return Reply(body={"created": created, "data": data})


VENDOR = Vendor(
    name=NAME,
    key_header="Api-Key",
    key_prefix="",
    error=error,
    routes=(
        Route("POST", r"generate", "sync", generate),
        Route("POST", r"v1/ideogram-v3/generate", "sync", generate),
        Route("POST", r"v1/ideogram-v3/(?P<edit>edit)", "sync", generate),
        Route("POST", r"v1/ideogram-v4/generate", "sync", generate),
    ),
)
