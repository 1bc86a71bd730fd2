"""Reve v1 image create / edit / remix: sync; the image itself is the body (`Accept: image/*`)."""

from __future__ import annotations

from typing import Any

from nodes.sandbox.jobs import Outcome, markers_in, prompt_seed
from nodes.sandbox.media import clamp_size, png_bytes
from nodes.sandbox.vendors.base import Call, Reply, Route, Vendor

NAME = "reve"
# Credits Reve reports per image (the sandbox's own figure; the proxy charges the quote).
CREDITS = {"create": 24, "edit": 40, "remix": 40}
SIDES = {"16:9": (1024, 576), "9:16": (576, 1024), "3:2": (1024, 683), "2:3": (683, 1024)}


def error(status: int, code: str, message: str) -> dict[str, Any]:
    return {"error_code": code.upper(), "message": message}


def _generate(call: Call, action: str, prompt_field: str, image_field: str) -> Reply:
    prompt = call.request.text(prompt_field)
    markers = markers_in(prompt)
    if markers.http500:
        return Reply(
            status=500, body=error(500, "internal_error", "Internal server error (sandbox [http500]).")
        )
    if not prompt:
        return Reply(status=400, body=error(400, "invalid_parameter", f"{prompt_field} is required."))
    if image_field and not call.request.text(image_field):
        return Reply(status=400, body=error(400, "invalid_parameter", f"{image_field} is required."))
    if markers.outcome is Outcome.MODERATED:
        return Reply(
            status=400,
            body=error(400, "prompt_content_violation", "The prompt was refused (sandbox [moderated])."),
        )
    if markers.outcome is Outcome.FAILED:
        return Reply(status=500, body=error(500, "generation_failed", "Generation failed (sandbox [fail])."))
    width, height = clamp_size(*SIDES.get(call.request.text("aspect_ratio"), (1024, 1024)))
    image = png_bytes(seed=prompt_seed(prompt), width=width // 4, height=height // 4)
    version = call.request.text("version") or f"reve-{action}@20250915"
    used = CREDITS[action] * max(1, call.request.number("test_time_scaling") or 1)
    headers = {
        "x-reve-request-id": f"rsid-sandbox-{prompt_seed(prompt)}",
        "x-reve-version": version,
        "x-reve-credits-used": str(used),
        "x-reve-content-violation": "false",
    }
    return Reply(content=image, content_type="image/png", headers=headers)


def create(call: Call) -> Reply:
    return _generate(call, "create", "prompt", "")


def edit(call: Call) -> Reply:
    return _generate(call, "edit", "edit_instruction", "reference_image")


def remix(call: Call) -> Reply:
    return _generate(call, "remix", "prompt", "reference_images.0")


VENDOR = Vendor(
    name=NAME,
    key_header="Authorization",
    key_prefix="Bearer ",
    error=error,
    routes=(
        Route("POST", r"v1/image/create", "sync", create),
        Route("POST", r"v1/image/edit", "sync", edit),
        Route("POST", r"v1/image/remix", "sync", remix),
    ),
)
