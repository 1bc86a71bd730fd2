"""Google Gemini on Vertex AI: `:generateContent` answers at once, a deterministic text for the text models
and inline base64 PNG `inlineData` parts for the image models, with a realistic `usageMetadata` block.
Markers come from the contents' text parts (the nodes send no top-level `prompt`)."""

from __future__ import annotations

import base64
import hashlib
from typing import Any

from nodes.sandbox.jobs import Outcome, markers_in, prompt_seed
from nodes.sandbox.media import png_bytes
from nodes.sandbox.vendors.base import Call, Reply, Route, Vendor

NAME = "gemini"
MODEL_PATH = (
    r"v1/projects/(?P<project>[^/]+)/locations/(?P<location>[^/]+)/publishers/google/models/(?P<model>[^/:]+)"
)
GOOGLE_STATUS = {400: "INVALID_ARGUMENT", 401: "UNAUTHENTICATED", 404: "NOT_FOUND", 500: "INTERNAL"}
# Vertex bills an output image as image tokens: 1,290 at 1K (Gemini 2.5 Flash Image), 1,120 / 2,000 at 4K.
IMAGE_OUTPUT_TOKENS = {"1K": 1_290, "2K": 1_290, "4K": 2_000}
# The PNG's sides by `imageSize` (Vertex's squares; other aspect ratios keep the long side).
SIDES = {"1K": 1024, "2K": 2048, "4K": 4096}
IMAGE_INPUT_TOKENS = 258


def error(status: int, code: str, message: str) -> dict[str, Any]:
    return {"error": {"code": status, "message": message, "status": GOOGLE_STATUS.get(status, "UNKNOWN")}}


def _texts_and_media(body: dict[str, Any]) -> tuple[str, int]:
    """The contents' and system instruction's text joined, and how many media parts they carry."""
    texts: list[str] = []
    media = 0
    blocks = [*(body.get("contents") or ()), body.get("systemInstruction")]
    for block in blocks:
        parts = block.get("parts") if isinstance(block, dict) else None
        for part in parts if isinstance(parts, list) else ():
            if not isinstance(part, dict):
                continue
            if isinstance(part.get("text"), str):
                texts.append(part["text"])
            elif part.get("inlineData") or part.get("fileData"):
                media += 1
    return "\n".join(texts), media


def _user_text(body: dict[str, Any]) -> str:
    """The user's own text (the image nodes' long default system prompt is not where markers go)."""
    texts, _ = _texts_and_media({"contents": body.get("contents") or []})
    return texts


def generate(call: Call) -> Reply:
    body = call.request.body
    model = call.args["model"]
    prompt, media = _texts_and_media(body)
    user = _user_text(body)
    markers = markers_in(user)
    if markers.http500:
        return Reply(status=500, body=error(500, "internal", "Internal error (sandbox [http500] marker)."))
    if markers.outcome is Outcome.FAILED:
        return Reply(
            status=400, body=error(400, "invalid", "Request contains an invalid argument (sandbox [fail]).")
        )
    prompt_tokens = max(1, len(prompt) // 4) + IMAGE_INPUT_TOKENS * media
    usage: dict[str, Any] = {"promptTokenCount": prompt_tokens}
    reply: dict[str, Any] = {"modelVersion": model, "createTime": "2026-12-08T00:00:00Z"}
    digest = hashlib.sha256(user.encode()).hexdigest()
    reply["responseId"] = digest[:24]
    if markers.outcome is Outcome.MODERATED:
        if "image" in model:
            reply["candidates"] = [{"finishReason": "IMAGE_PROHIBITED_CONTENT", "index": 0}]
        else:
            reply["promptFeedback"] = {"blockReason": "PROHIBITED_CONTENT", "blockReasonMessage": "sandbox"}
        usage["totalTokenCount"] = prompt_tokens
        return Reply(body=reply | {"usageMetadata": usage})
    parts = _image_parts(body, user) if "image" in model else _text_parts(body, user, digest)
    size = str(((body.get("generationConfig") or {}).get("imageConfig") or {}).get("imageSize") or "1K")
    per_image = IMAGE_OUTPUT_TOKENS.get(size, IMAGE_OUTPUT_TOKENS["1K"])
    answer = sum(per_image if "inlineData" in p else max(1, len(p["text"]) // 4) for p in parts)
    limit = (body.get("generationConfig") or {}).get("maxOutputTokens")
    room = limit - answer if isinstance(limit, int) else 512
    thoughts = 0 if "image" in model else max(0, min(answer * 2, 512, room))  # thinking fits the output cap
    usage |= {"candidatesTokenCount": answer, "thoughtsTokenCount": thoughts}
    usage["totalTokenCount"] = prompt_tokens + answer + thoughts
    content = {"role": "model", "parts": parts}
    reply["candidates"] = [{"content": content, "finishReason": "STOP", "index": 0}]
    return Reply(body=reply | {"usageMetadata": usage})


def _text_parts(body: dict[str, Any], user: str, digest: str) -> list[dict[str, Any]]:
    limit = (body.get("generationConfig") or {}).get("maxOutputTokens")
    text = f"Sandbox Gemini reply {digest[:12]} to: {user[:200]}"
    if isinstance(limit, int) and limit > 0:
        text = text[: limit * 4]
    return [{"text": text}]


def _image_parts(body: dict[str, Any], user: str) -> list[dict[str, Any]]:
    config = body.get("generationConfig") or {}
    size = str((config.get("imageConfig") or {}).get("imageSize") or "1K")
    side = SIDES.get(size, 1024)
    png = png_bytes(seed=prompt_seed(user), width=side, height=side)
    parts: list[dict[str, Any]] = []
    if "TEXT" in (config.get("responseModalities") or ["TEXT", "IMAGE"]):
        parts.append({"text": f"Here is the image you asked for: {user[:120]}"})
    parts.append({"inlineData": {"mimeType": "image/png", "data": base64.b64encode(png).decode()}})
    return parts


VENDOR = Vendor(
    name=NAME,
    key_header="Authorization",
    key_prefix="Bearer ",
    error=error,
    routes=(Route("POST", rf"{MODEL_PATH}:generateContent", "sync", generate),),
)
