"""Anthropic messages: a deterministic Claude reply with a realistic `usage` block, markers from the
messages' text (the node sends no top-level `prompt`)."""

from __future__ import annotations

import hashlib
from typing import Any

from nodes.sandbox.jobs import Outcome, markers_in
from nodes.sandbox.vendors.base import Call, Reply, Route, Vendor

NAME = "anthropic"
IMAGE_TOKENS = 1_600  # what a ~1092 x 1092 px image costs Claude in input tokens


def error(status: int, code: str, message: str) -> dict[str, Any]:
    kind = "api_error" if status >= 500 else "invalid_request_error"
    return {"type": "error", "error": {"type": kind, "message": message}}


def prompt_parts(body: dict[str, Any]) -> tuple[str, int]:
    """The messages' and system text joined, and how many images they carry."""
    texts: list[str] = []
    images = 0
    system = body.get("system")
    if isinstance(system, str):
        texts.append(system)
    for message in body.get("messages") or ():
        content = message.get("content") if isinstance(message, dict) else None
        if isinstance(content, str):
            texts.append(content)
            continue
        for block in content or ():
            if isinstance(block, dict) and block.get("type") == "text":
                texts.append(str(block.get("text") or ""))
            elif isinstance(block, dict) and block.get("type") == "image":
                images += 1
    return "\n".join(texts), images


def messages(call: Call) -> Reply:
    body = call.request.body
    prompt, images = prompt_parts(body)
    markers = markers_in(prompt)
    if markers.http500:
        return Reply(
            status=500, body=error(500, "api_error", "Internal server error (sandbox [http500] marker).")
        )
    if markers.outcome is Outcome.FAILED:
        return Reply(
            status=400, body=error(400, "invalid_request", "The request failed (sandbox [fail] marker).")
        )
    digest = hashlib.sha256(prompt.encode()).hexdigest()
    if markers.outcome is Outcome.MODERATED:
        text, stop = "", "refusal"
    else:
        text, stop = f"Sandbox Claude reply {digest[:12]} to: {prompt[:200]}", "end_turn"
    asked = body.get("max_tokens")
    limit = asked if isinstance(asked, int) else 4096
    output_tokens = min(limit, max(1, len(text.split()) * 4 // 3))
    input_tokens = max(1, len(prompt) // 4) + IMAGE_TOKENS * images
    return Reply(
        body={
            "id": f"msg_sandbox{digest[:20]}",
            "type": "message",
            "role": "assistant",
            "model": body.get("model") or "",
            "content": [{"type": "text", "text": text}] if text else [],
            "stop_reason": stop,
            "stop_sequence": None,
            "usage": {
                "input_tokens": input_tokens,
                "output_tokens": output_tokens,
                "cache_creation_input_tokens": 0,
                "cache_read_input_tokens": 0,
            },
        }
    )


VENDOR = Vendor(
    name=NAME,
    key_header="x-api-key",
    key_prefix="",
    error=error,
    routes=(Route("POST", r"v1/messages", "sync", messages),),
)
