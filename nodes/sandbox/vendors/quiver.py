"""QuiverAI v1 SVGs: generations and vectorizations answer at once with the SVG markup in `data[].svg`."""

from __future__ import annotations

import secrets
import time
from typing import Any

from nodes.sandbox.jobs import Outcome, markers_in, prompt_seed
from nodes.sandbox.media import svg_bytes
from nodes.sandbox.vendors.base import Call, Reply, Route, Vendor

NAME = "quiver"
MODELS = ("arrow-1.1", "arrow-1.1-max", "arrow-preview")


def error(status: int, code: str, message: str) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "status": status}}


def _svg(call: Call, text: str, side: int) -> Reply:
    markers = markers_in(text)
    if markers.http500:
        return Reply(
            status=500, body=error(500, "internal_error", "Internal server error (sandbox [http500]).")
        )
    if call.request.text("model") not in ("", *MODELS):
        return Reply(status=400, body=error(400, "invalid_model", "Unknown model."))
    if markers.outcome is Outcome.MODERATED:
        return Reply(
            status=400, body=error(400, "content_policy", "The request was refused (sandbox [moderated]).")
        )
    if markers.outcome is Outcome.FAILED:
        return Reply(status=422, body=error(422, "generation_failed", "Generation failed (sandbox [fail])."))
    markup = svg_bytes(seed=prompt_seed(text), width=side, height=side).decode()
    body = {
        "id": f"svg_{secrets.token_hex(12)}",
        "created": int(time.time()),
        "data": [{"svg": markup, "mime_type": "image/svg+xml"}],
        "usage": {"total_tokens": 1200, "input_tokens": 200, "output_tokens": 1000},
    }
    return Reply(body=body)


def generate(call: Call) -> Reply:
    prompt = call.request.text("prompt")
    if not prompt:
        return Reply(status=400, body=error(400, "invalid_request", "prompt is required."))
    return _svg(call, f"{prompt} {call.request.text('instructions')}", 1024)


def vectorize(call: Call) -> Reply:
    url = call.request.text("image.url")
    if not url:
        return Reply(status=400, body=error(400, "invalid_request", "image.url is required."))
    return _svg(call, url, min(4096, max(128, call.request.number("target_size") or 1024)))


VENDOR = Vendor(
    name=NAME,
    key_header="Authorization",
    key_prefix="Bearer ",
    error=error,
    routes=(
        Route("POST", r"v1/svgs/generations", "sync", generate, media="svg"),
        Route("POST", r"v1/svgs/vectorizations", "sync", vectorize, media="svg"),
    ),
)
