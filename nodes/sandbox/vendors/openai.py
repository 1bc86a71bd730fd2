"""OpenAI images: `data[{b64_json} | {url}]`, plus `usage` tokens for GPT-Image (§6.11). Responses: a
deterministic reply with `usage`, answered finished at once (the node's calls are not background ones; a
`[slow]` prompt answers `in_progress` first), and read back by its id (a signed job). Sora 2 videos: a
multipart submit → `queued` → `in_progress` → `completed` | `failed`, then the MP4's bytes at `…/content`."""

from __future__ import annotations

import hashlib
import time
from typing import Any

from nodes.sandbox.jobs import Job, Outcome, Phase, job_duration_ms, job_from_token, markers_in, prompt_seed
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


# --- Responses ----------------------------------------------------------------------------------------------
RESPONSE_IMAGE_TOKENS = 765  # a 1024 x 1024 image at `detail: auto` on a tile-based model
RESPONSE_FILE_TOKENS = 1_500  # a one-page PDF: its text and an image of the page
WORDS = [
    "the",
    "light",
    "over",
    "the",
    "harbour",
    "turns",
    "amber",
    "as",
    "the",
    "tide",
    "comes",
    "in",
    "and",
    "gulls",
    "circle",
    "the",
    "old",
    "stone",
    "pier",
    "while",
    "a",
    "ferry",
    "sounds",
    "its",
    "horn",
    "and",
    "the",
    "town",
    "settles",
    "into",
    "evening",
]


def response_prompt(body: dict[str, Any]) -> tuple[str, int, int]:
    """The input's and instructions' text joined, and how many images and files it carries."""
    texts = [body["instructions"]] if isinstance(body.get("instructions"), str) else []
    images = files = 0
    items = body.get("input")
    if isinstance(items, str):
        texts.append(items)
        items = []
    for item in items if isinstance(items, list) else ():
        content = item.get("content") if isinstance(item, dict) else None
        if isinstance(content, str):
            texts.append(content)
            continue
        for part in content if isinstance(content, list) else ():
            kind = part.get("type") if isinstance(part, dict) else None
            if kind == "input_text":
                texts.append(str(part.get("text") or ""))
            images += kind == "input_image"
            files += kind == "input_file"
    return "\n".join(texts), images, files


def _response_body(job: Job) -> dict[str, Any]:
    """The Response object a job stands for: its status now, and when finished its output and `usage`."""
    extra = job.extra
    body: dict[str, Any] = {
        "id": job.token(),
        "object": "response",
        "created_at": job.created_ms // 1000,
        "model": extra["model"],
        "status": "in_progress",
        "error": None,
        "incomplete_details": None,
        "output": [],
        "usage": None,
        "store": True,
        "max_output_tokens": extra["limit"],
    }
    phase = job.phase()
    if phase in (Phase.QUEUED, Phase.PROCESSING):
        body["status"] = "queued" if phase is Phase.QUEUED else "in_progress"
        return body
    if phase is Phase.FAILED:
        body["status"] = "failed"
        body["error"] = {"code": "server_error", "message": "The model failed (sandbox [fail] marker)."}
        return body
    words = [WORDS[(job.seed + index) % len(WORDS)] for index in range(extra["words"])]
    text = f"Sandbox reply {extra['digest']}: " + " ".join(words) + "."
    output_tokens = extra["words"] * 4 // 3 + 4
    if phase is Phase.MODERATED:
        text, output_tokens = "", 0
        body["incomplete_details"] = {"reason": "content_filter"}
    elif output_tokens > extra["limit"]:
        output_tokens = extra["limit"]
        body["incomplete_details"] = {"reason": "max_output_tokens"}
    body["status"] = "completed" if body["incomplete_details"] is None else "incomplete"
    message = {
        "id": f"msg_{extra['digest']}",
        "type": "message",
        "status": body["status"],
        "role": "assistant",
        "content": [{"type": "output_text", "text": text, "annotations": []}] if text else [],
    }
    body["output"] = [{"id": f"rs_{extra['digest']}", "type": "reasoning", "summary": []}, message]
    body["usage"] = {
        "input_tokens": extra["input"],
        "input_tokens_details": {"cached_tokens": 0},
        "output_tokens": output_tokens,
        "output_tokens_details": {"reasoning_tokens": min(output_tokens, 4)},
        "total_tokens": extra["input"] + output_tokens,
    }
    return body


def responses(call: Call) -> Reply:
    body = call.request.body
    prompt, images, files = response_prompt(body)
    markers = markers_in(prompt)
    if markers.http500:
        return Reply(
            status=500, body=error(500, "server_error", "The server had an error (sandbox [http500]).")
        )
    model = call.request.model
    if not model:
        return Reply(
            status=400, body=error(400, "missing_required_parameter", "Missing required parameter: 'model'.")
        )
    if not isinstance(body.get("input"), list | str) or not (prompt or images or files):
        return Reply(
            status=400, body=error(400, "missing_required_parameter", "Missing required parameter: 'input'.")
        )
    asked = body.get("max_output_tokens")
    digest = hashlib.sha256(f"{model}\n{prompt}".encode()).hexdigest()[:16]
    extra = {
        "model": model,
        "digest": digest,
        "words": 8 + int(digest[:2], 16) % 24,
        "limit": asked if isinstance(asked, int) and not isinstance(asked, bool) else 4096,
        "input": max(1, len(prompt) // 4) + RESPONSE_IMAGE_TOKENS * images + RESPONSE_FILE_TOKENS * files,
    }
    # Not a background call: OpenAI answers when the reply is done. `[slow]` shows the in-progress path.
    duration = job_duration_ms(markers) if markers.slow else 0
    job = call.new_job(
        media="image", outcome=markers.outcome, duration_ms=duration, seed=prompt_seed(prompt), extra=extra
    )
    return Reply(body=_response_body(job))


def response(call: Call) -> Reply:
    job = job_from_token(call.args["id"], vendor=NAME)
    if job is None or "digest" not in job.extra:
        message = f"Response with id '{call.args['id'][:64]}' not found."
        return Reply(status=404, body=error(404, "not_found", message))
    return Reply(body=_response_body(job))


# --- Sora 2 -------------------------------------------------------------------------------------------------
VIDEO_STATUS = {
    Phase.QUEUED: "queued",
    Phase.PROCESSING: "in_progress",
    Phase.SUCCEEDED: "completed",
    Phase.FAILED: "failed",
    Phase.MODERATED: "failed",
}
VIDEO_ERRORS = {
    Phase.FAILED: ("video_generation_failed", "Video generation failed (sandbox [fail] marker)."),
    Phase.MODERATED: ("moderation_blocked", "Your request was blocked by our moderation system."),
}


def _video_body(job: Job) -> dict[str, Any]:
    phase = job.phase()
    code_message = VIDEO_ERRORS.get(phase)
    return {
        "id": job.token(),
        "object": "video",
        "model": job.extra["model"],
        "status": VIDEO_STATUS[phase],
        "progress": int(job.progress() * 100),
        "created_at": job.created_ms // 1000,
        "completed_at": (job.created_ms + job.duration_ms) // 1000 if phase is Phase.SUCCEEDED else None,
        "size": job.extra["size"],
        "seconds": job.extra["seconds"],
        "quality": "standard",
        "remixed_from_video_id": None,
        "error": {"code": code_message[0], "message": code_message[1]} if code_message else None,
    }


def videos(call: Call) -> Reply:
    request = call.request
    model = request.model or "sora-2"
    size = request.text("size") or "720x1280"
    length = request.text("seconds") or "4"
    if model not in ("sora-2", "sora-2-pro") or length not in ("4", "8", "12"):
        return Reply(status=400, body=error(400, "invalid_value", "Invalid model or seconds."))
    if size not in ("720x1280", "1280x720") and (
        model != "sora-2-pro" or size not in ("1024x1792", "1792x1024")
    ):
        return Reply(status=400, body=error(400, "invalid_value", f"Invalid size {size[:20]!r} for {model}."))
    if not request.prompt:
        return Reply(
            status=400, body=error(400, "missing_required_parameter", "Missing required parameter: 'prompt'.")
        )
    width, height = (int(side) for side in size.split("x"))
    job = call.new_job(
        media="video",
        width=width // 4,
        height=height // 4,
        seconds=min(int(length), 5),
        extra={"model": model, "size": size, "seconds": length},
    )
    return Reply(body=_video_body(job))


def _video_job(call: Call) -> Job | None:
    job = job_from_token(call.args["id"], vendor=NAME)
    return job if job is not None and job.media == "video" else None


def video(call: Call) -> Reply:
    job = _video_job(call)
    if job is None:
        return Reply(status=404, body=error(404, "not_found", "Video not found."))
    return Reply(body=_video_body(job))


def video_content(call: Call) -> Reply:
    job = _video_job(call)
    if job is None:
        return Reply(status=404, body=error(404, "not_found", "Video not found."))
    if job.phase() is not Phase.SUCCEEDED:
        return Reply(status=400, body=error(400, "invalid_request", "Video is not ready yet (or it failed)."))
    output = job.outputs()[0]
    return Reply(content=output.content(), content_type=output.content_type)


VENDOR = Vendor(
    name=NAME,
    key_header="Authorization",
    key_prefix="Bearer ",
    error=error,
    routes=(
        Route("POST", r"v1/images/generations", "sync", images),
        Route("POST", r"v1/images/(?P<edit>edits)", "sync", images),
        Route("POST", r"v1/responses", "submit", responses),
        Route("GET", r"v1/responses/(?P<id>[^/]+)", "poll", response),
        Route("POST", r"v1/videos", "submit", videos, media="video"),
        Route("GET", r"v1/videos/(?P<id>[^/]+)", "poll", video),
        Route("GET", r"v1/videos/(?P<id>[^/]+)/content", "poll", video_content),
    ),
)
