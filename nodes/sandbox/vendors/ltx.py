"""Lightricks LTX-2: `v1/text-to-video` and `v1/image-to-video` answer at once with the MP4 bytes themselves
(`video/mp4`), as long as `duration` asks; markers come from `prompt` (the shared sync rules: `[fail]` →
400, `[http500]` → 500), and `[moderated]` is LTX's 400 content-policy refusal."""

from __future__ import annotations

from typing import Any

from nodes.sandbox.jobs import Outcome, prompt_seed
from nodes.sandbox.mp4 import mp4_bytes
from nodes.sandbox.vendors.base import Call, Reply, Route, Vendor

NAME = "ltx"
MAX_SECONDS = 20


def error(status: int, code: str, message: str) -> dict[str, Any]:
    return {"type": "error", "error": {"type": code, "message": message}}


def generate(call: Call) -> Reply:
    if call.markers.outcome is Outcome.MODERATED:
        message = "The prompt violates the content policy (sandbox [moderated] marker)."
        return Reply(status=400, body=error(400, "content_policy_violation", message))
    if call.route.pattern == "v1/image-to-video" and not call.request.text("image_uri"):
        return Reply(status=400, body=error(400, "invalid_request_error", "image_uri is required."))
    seconds = min(MAX_SECONDS, max(1, call.request.number("duration") or 8))
    video = mp4_bytes(seed=prompt_seed(call.request.prompt), seconds=seconds)
    return Reply(content=video, content_type="video/mp4")


VENDOR = Vendor(
    name=NAME,
    key_header="Authorization",
    key_prefix="Bearer ",
    error=error,
    routes=(
        Route("POST", r"v1/text-to-video", "sync", generate, media="video"),
        Route("POST", r"v1/image-to-video", "sync", generate, media="video"),
    ),
)
