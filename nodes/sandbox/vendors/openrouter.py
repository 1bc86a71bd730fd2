"""OpenRouter chat completions: a deterministic reply with a `usage` block that carries OpenRouter's own USD
`cost`; markers come from the messages' text (the node sends no top-level `prompt`)."""

from __future__ import annotations

import hashlib
from typing import Any

from nodes.sandbox.jobs import Outcome, markers_in
from nodes.sandbox.vendors.base import Call, Reply, Route, Vendor

NAME = "openrouter"
IMAGE_TOKENS = 1_600
# What the sandbox says a call cost: a flat $1 / $4 per million prompt / completion tokens (OpenRouter
# reports each model's own rate; the platform only reads the figure).
USD_PER_PROMPT_TOKEN = 0.000001
USD_PER_COMPLETION_TOKEN = 0.000004
# A prompt with this marker is answered without `usage.cost` (older OpenRouter replies), so the platform
# falls back to the tokens.
NO_COST = "[nocost]"


def error(status: int, code: str, message: str) -> dict[str, Any]:
    return {"error": {"code": status, "message": message, "metadata": {"reason": code}}}


def _prompt(body: dict[str, Any]) -> tuple[str, int]:
    texts: list[str] = []
    media = 0
    for message in body.get("messages") or ():
        content = message.get("content") if isinstance(message, dict) else None
        if isinstance(content, str):
            texts.append(content)
            continue
        for block in content or ():
            if isinstance(block, dict) and block.get("type") == "text":
                texts.append(str(block.get("text") or ""))
            elif isinstance(block, dict):
                media += 1
    return "\n".join(texts), media


def chat(call: Call) -> Reply:
    body = call.request.body
    prompt, media = _prompt(body)
    markers = markers_in(prompt)
    if markers.http500:
        return Reply(
            status=500, body=error(500, "internal", "Internal server error (sandbox [http500] marker).")
        )
    if markers.outcome is Outcome.FAILED:
        return Reply(
            status=400, body=error(400, "invalid_request", "Provider returned error (sandbox [fail]).")
        )
    digest = hashlib.sha256(prompt.encode()).hexdigest()
    model = str(body.get("model") or "")
    message: dict[str, Any] = {"role": "assistant", "content": None, "refusal": None}
    if markers.outcome is Outcome.MODERATED:
        message["refusal"] = "I can't help with that (sandbox [moderated] marker)."
        finish = "content_filter"
    else:
        message["content"] = f"Sandbox OpenRouter reply {digest[:12]} from {model}: {prompt[:200]}"
        finish = "stop"
    prompt_tokens = max(1, len(prompt) // 4) + IMAGE_TOKENS * media
    completion_tokens = max(1, len(str(message["content"] or message["refusal"]).split()) * 4 // 3)
    usage: dict[str, Any] = {
        "prompt_tokens": prompt_tokens,
        "completion_tokens": completion_tokens,
        "total_tokens": prompt_tokens + completion_tokens,
    }
    if NO_COST not in prompt:
        cost = prompt_tokens * USD_PER_PROMPT_TOKEN + completion_tokens * USD_PER_COMPLETION_TOKEN
        usage["cost"] = round(cost, 9)
    return Reply(
        body={
            "id": f"gen-sandbox-{digest[:20]}",
            "provider": "Sandbox",
            "model": model,
            "object": "chat.completion",
            "created": 1_796_688_000,
            "choices": [{"index": 0, "message": message, "finish_reason": finish}],
            "usage": usage,
        }
    )


VENDOR = Vendor(
    name=NAME,
    key_header="Authorization",
    key_prefix="Bearer ",
    error=error,
    routes=(Route("POST", r"api/v1/chat/completions", "sync", chat),),
)
