"""OpenAI images: `data[{b64_json} | {url}]`, plus `usage` tokens for GPT-Image (§6.11)."""

from __future__ import annotations

import time
from typing import Any

from nodes.sandbox.jobs import Outcome
from nodes.sandbox.vendors.base import Call, Reply, Route, Vendor

NAME = "openai"
# Output tokens per image by quality and size, as OpenAI bills GPT-Image (square / portrait-landscape).
OUTPUT_TOKENS = {"low": (272, 408), "medium": (1056, 1584), "high": (4160, 6240)}
IMAGE_INPUT_TOKENS = 323  # per input image on /edits


def error(status: int, code: str, message: str) -> dict[str, Any]:
    error_type = "server_error" if status >= 500 else "invalid_request_error"
    return {"error": {"message": message, "type": error_type, "param": None, "code": code}}


def _usage(call: Call, count: int) -> dict[str, Any]:
    quality = call.request.text("quality") or "medium"
    size = call.request.text("size") or "1024x1024"
    square = size in {"1024x1024", "auto"}
    per_image = OUTPUT_TOKENS.get(quality, OUTPUT_TOKENS["medium"])[0 if square else 1]
    text_tokens = max(1, len(call.request.prompt.split()) * 4 // 3)
    image_tokens = IMAGE_INPUT_TOKENS * len(call.request.file_fields)
    output_tokens = per_image * count
    return {
        "input_tokens": text_tokens + image_tokens,
        "output_tokens": output_tokens,
        "total_tokens": text_tokens + image_tokens + output_tokens,
        "input_tokens_details": {"text_tokens": text_tokens, "image_tokens": image_tokens},
    }


def images(call: Call) -> Reply:
    model = call.request.model or "dall-e-2"
    gpt_image = model.startswith("gpt-image")
    if (
        call.args.get("edit")
        and "image" not in call.request.file_fields
        and "image[]" not in call.request.file_fields
    ):
        return Reply(status=400, body=error(400, "missing_required_parameter", "An image is required."))
    if call.markers.outcome is Outcome.MODERATED:
        code = "moderation_blocked" if gpt_image else "content_policy_violation"
        return Reply(status=400, body=error(400, code, "Your request was rejected by the safety system."))
    job = call.new_job()
    as_base64 = gpt_image or call.request.text("response_format") == "b64_json"
    data = []
    for file in job.outputs():
        item: dict[str, Any] = {"b64_json": file.b64()} if as_base64 else {"url": file.url()}
        if model == "dall-e-3":
            item["revised_prompt"] = call.request.prompt
        data.append(item)
    body: dict[str, Any] = {"created": int(time.time()), "data": data}
    if gpt_image:
        body |= {
            "background": call.request.text("background") or "opaque",
            "output_format": call.request.text("output_format") or "png",
            "quality": call.request.text("quality") or "medium",
            "size": call.request.text("size") or "1024x1024",
            "usage": _usage(call, len(data)),
        }
    return Reply(body=body)


VENDOR = Vendor(
    name=NAME,
    key_header="Authorization",
    key_prefix="Bearer ",
    error=error,
    routes=(
        Route("POST", r"v1/images/generations", "sync", images),
        Route("POST", r"v1/images/(?P<edit>edits)", "sync", images),
    ),
)
