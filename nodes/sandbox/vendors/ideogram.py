"""Ideogram V1/V2 (JSON `image_request`), V3 (multipart), V4 and P-Image: `created` + `data[{url, …}]`."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from nodes.sandbox.jobs import Outcome
from nodes.sandbox.media import clamp_size
from nodes.sandbox.vendors.base import Call, Reply, Route, Vendor

NAME = "ideogram"
SEED_RANGE = 2_147_483_647
LONG_SIDE = {"1K": 1024, "2K": 2048}  # P-Image's size classes: the long side, the ratio sets the other


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


def _p_image_size(call: Call) -> tuple[int, int]:
    """The P-Image size: `aspect_ratio` "16x9" scaled so its long side is the size class's."""
    long_side = LONG_SIDE.get(call.request.text("resolution"), 1024)
    match = re.fullmatch(r"(\d{1,2})x(\d{1,2})", call.request.text("aspect_ratio"))
    width, height = clamp_size(int(match[1]), int(match[2])) if match else (1, 1)
    scale = long_side / max(width, height)
    return round(width * scale), round(height * scale)


def p_image(call: Call) -> Reply:
    """One image; `prompt` is the final (upsampled unless OFF) prompt the node returns as `final_prompt`."""
    if not call.request.prompt.strip():
        return Reply(status=400, body=error(400, "invalid_request", "prompt is required."))
    width, height = _p_image_size(call)
    job = call.new_job(count=1, width=width, height=height)
    safe = call.markers.outcome is not Outcome.MODERATED
    upsampled = call.request.text("prompt_upsampling") != "OFF"
    final = f"{call.request.prompt} (upsampled by the sandbox)" if upsampled else call.request.prompt
    data = []
    for file in job.outputs():
        item: dict[str, Any] = {
            "prompt": final,
            "resolution": f"{width}x{height}",
            "seed": file.seed % SEED_RANGE,
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
        Route("POST", r"text-to-image/p-image-ideogram", "sync", p_image),
    ),
)
