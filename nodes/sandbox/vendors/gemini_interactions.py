"""The Gemini API's Interactions endpoint (Gemini Omni video): a completed interaction at once, with a thought
step and a `model_output` step holding a text part and an inline base64 MP4 of the length the prompt asks
for (3-10 s, "a 6-second clip"); markers come from the input's text parts."""

from __future__ import annotations

import base64
import hashlib
import re
from typing import Any

from nodes.sandbox.jobs import Outcome, markers_in, prompt_seed
from nodes.sandbox.mp4 import mp4_bytes
from nodes.sandbox.vendors.base import Call, Reply, Route, Vendor

NAME = "gemini_interactions"
GOOGLE_STATUS = {400: "INVALID_ARGUMENT", 401: "UNAUTHENTICATED", 404: "NOT_FOUND", 500: "INTERNAL"}
DEFAULT_SECONDS = 8
_LENGTH = re.compile(r"\b(\d{1,2})[- ]?(?:s|sec|second)s?\b", re.IGNORECASE)


def error(status: int, code: str, message: str) -> dict[str, Any]:
    return {"error": {"code": status, "message": message, "status": GOOGLE_STATUS.get(status, "UNKNOWN")}}


def _prompt(body: dict[str, Any]) -> str:
    parts = body.get("input")
    if isinstance(parts, str):
        return parts
    texts = [p.get("text") for p in parts or () if isinstance(p, dict) and p.get("type") == "text"]
    return "\n".join(t for t in texts if isinstance(t, str))


def _seconds(prompt: str) -> int:
    found = _LENGTH.search(prompt)
    return min(10, max(3, int(found.group(1)))) if found else DEFAULT_SECONDS


def interact(call: Call) -> Reply:
    body = call.request.body
    prompt = _prompt(body)
    markers = markers_in(prompt)
    if markers.http500:
        return Reply(status=500, body=error(500, "internal", "Internal error (sandbox [http500] marker)."))
    if markers.outcome is Outcome.FAILED:
        return Reply(
            status=400, body=error(400, "invalid", "Request contains an invalid argument (sandbox [fail]).")
        )
    digest = hashlib.sha256(prompt.encode()).hexdigest()
    seconds = _seconds(prompt)
    output: list[dict[str, Any]]
    if markers.outcome is Outcome.MODERATED:
        output = [{"type": "text", "text": "I can't make that video (sandbox [moderated] marker)."}]
        video_tokens = 0
    else:
        video = mp4_bytes(seed=prompt_seed(prompt), seconds=seconds)
        output = [
            {"type": "text", "text": f"A {seconds}-second clip: {prompt[:120]}"},
            {"type": "video", "data": base64.b64encode(video).decode(), "mime_type": "video/mp4"},
        ]
        video_tokens = 258 * 24 * seconds
    text_tokens = max(1, len(prompt) // 4)
    usage = {
        "input_tokens_by_modality": [{"modality": "text", "tokens": text_tokens}],
        "output_tokens_by_modality": [{"modality": "video", "tokens": video_tokens}],
        "total_thought_tokens": 64,
        "total_input_tokens": text_tokens,
        "total_output_tokens": video_tokens,
    }
    return Reply(
        body={
            "id": f"v1_sandbox{digest[:24]}",
            "model": body.get("model") or "",
            "status": "completed",
            "created": "2026-12-08T00:00:00Z",
            "steps": [
                {"type": "thought", "signature": digest[:32]},
                {"type": "model_output", "content": output},
            ],
            "usage": usage,
        }
    )


VENDOR = Vendor(
    name=NAME,
    key_header="x-goog-api-key",
    key_prefix="",
    error=error,
    routes=(Route("POST", r"v1beta/interactions", "sync", interact, media="video"),),
)
