"""BytePlus ModelArk (ByteDance): Seedream images and Seed Audio speech (sync), Seedance content-generation
tasks (`queued` → `running` → `succeeded` with `usage` tokens), Seed LLM responses, and the Seedance asset
library (`Processing` → `Active`) and face-verification sessions that ComfyUI reaches at /proxy/seedance."""

from __future__ import annotations

import re
import time
from typing import Any

from nodes.sandbox.files import OutputFile
from nodes.sandbox.jobs import Job, Markers, Outcome, Phase, job_duration_ms, job_from_token, markers_in
from nodes.sandbox.vendors.base import Call, Reply, Route, Vendor

NAME = "byteplus"
STATUS = {
    Phase.QUEUED: "queued",
    Phase.PROCESSING: "running",
    Phase.SUCCEEDED: "succeeded",
    Phase.FAILED: "failed",
    Phase.MODERATED: "failed",
}
FAILURES = {
    Phase.FAILED: ("InternalServiceError", "The task failed (sandbox [fail] marker)."),
    Phase.MODERATED: (
        "OutputVideoSensitiveContentDetected",
        "The output video may contain sensitive content (sandbox [moderated] marker).",
    ),
}
# Output pixels by resolution (16:9); a task's `usage.total_tokens` is width x height x 24 fps x seconds
# / 1024.
PIXELS = {"480p": (848, 480), "720p": (1280, 720), "1080p": (1920, 1080), "4k": (3840, 2160)}
DEFAULT_SECONDS = 5  # BytePlus's default length, and what `duration: -1` makes here
GROUP_IMAGES = 3  # a sequential ("auto") Seedream call returns this many images at most
SPEECH_SECONDS = 2.5
ASSET_STATUS = {
    Phase.QUEUED: "Processing",
    Phase.PROCESSING: "Processing",
    Phase.SUCCEEDED: "Active",
    Phase.FAILED: "Failed",
    Phase.MODERATED: "Failed",
}
_FLAG = r"--{}\s+(\S+)"


def error(status: int, code: str, message: str) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "param": "", "type": "BadRequest"}}


def _refusal(markers: Markers) -> Reply | None:
    """[http500] → 500; [fail] / [moderated] → the 400 BytePlus answers a sync call it refuses."""
    if markers.http500:
        return Reply(
            status=500, body=error(500, "InternalServiceError", "Internal error (sandbox [http500]).")
        )
    if markers.outcome is Outcome.MODERATED:
        message = "The request may contain sensitive content (sandbox [moderated] marker)."
        return Reply(status=400, body=error(400, "InputTextSensitiveContentDetected", message))
    if markers.outcome is Outcome.FAILED:
        return Reply(status=400, body=error(400, "InvalidParameter", "The request failed (sandbox [fail])."))
    return None


# --- Seedream -----------------------------------------------------------------------------------------------
def _image_count(call: Call) -> int:
    if call.request.text("sequential_image_generation") != "auto":
        return 1
    return max(
        1, min(GROUP_IMAGES, call.request.number("sequential_image_generation_options.max_images") or 1)
    )


def images(call: Call) -> Reply:
    refused = _refusal(call.markers)
    if refused:
        return refused
    width, height = call.request.size()
    if call.request.body.get("layer_decomposition") is True:
        return Reply(body=_layers(call, width, height))
    job = call.new_job(count=_image_count(call), width=width, height=height)
    data = [{"url": file.url(), "size": f"{width}x{height}"} for file in job.outputs()]
    return Reply(body=_image_reply(call, data))


def _image_reply(call: Call, data: list[dict[str, Any]]) -> dict[str, Any]:
    usage = {
        "generated_images": len(data),
        "output_tokens": 4096 * len(data),
        "total_tokens": 4096 * len(data),
    }
    return {"model": call.request.model, "created": int(time.time()), "data": data, "usage": usage}


def _layers(call: Call, width: int, height: int) -> dict[str, Any]:
    """A base plate (`z_index` 0, no box) and two layers, each with its box in pixels."""
    width, height = (1024, 1024) if call.request.text("size") in ("", "auto") else (width, height)
    seed = call.new_job().seed
    data: list[dict[str, Any]] = [{"url": OutputFile(ext="png", seed=seed, width=width, height=height).url()}]
    data[0]["z_index"] = 0
    for index in (1, 2):
        box = [width // 8 * index, height // 8 * index, width // 2 + width // 8 * index, height // 2]
        layer = OutputFile(ext="png", seed=seed + index, width=box[2] - box[0], height=box[3] - box[1])
        data.append(
            {
                "url": layer.url(),
                "z_index": index,
                "name": f"layer {index}",
                "description": "A sandbox layer.",
                "bounding_box": {"absolute": box},
            }
        )
    return _image_reply(call, data)


# --- Seedance tasks -----------------------------------------------------------------------------------------
def _task_text(call: Call) -> str:
    content = call.request.body.get("content")
    items = content if isinstance(content, list) else []
    return " ".join(str(item.get("text", "")) for item in items if isinstance(item, dict))


def _task_params(call: Call, prompt: str) -> tuple[str, int]:
    """(resolution, seconds) from the body, or from the `--resolution` / `--duration` flags (Seedance 1.x)."""
    resolution = call.request.text("resolution") or _flag(prompt, "resolution") or "720p"
    duration = call.request.body.get("duration", _flag(prompt, "duration"))
    seconds = (
        int(duration) if isinstance(duration, int | str) and str(duration).isdigit() else DEFAULT_SECONDS
    )
    return (resolution if resolution in PIXELS else "720p"), seconds


def _flag(prompt: str, name: str) -> str:
    found = re.search(_FLAG.format(name), prompt)
    return found.group(1) if found else ""


def create_task(call: Call) -> Reply:
    prompt = _task_text(call)
    markers = markers_in(prompt)
    if markers.http500:
        return Reply(
            status=500, body=error(500, "InternalServiceError", "Internal error (sandbox [http500]).")
        )
    resolution, seconds = _task_params(call, prompt)
    width, height = PIXELS[resolution]
    job = call.new_job(
        media="video",
        outcome=markers.outcome,
        duration_ms=job_duration_ms(markers),
        width=min(width, 4096),
        height=height,
        seconds=min(seconds, 5),
        extra={"kind": "task", "model": call.request.model, "tokens": width * height * 24 * seconds // 1024},
    )
    return Reply(body={"id": job.token()})


def _known(token: str, kind: str) -> tuple[Job, Phase] | None:
    job = job_from_token(token, vendor=NAME)
    if job is None or job.extra.get("kind") != kind:
        return None
    return job, job.phase()


def get_task(call: Call) -> Reply:
    found = _known(call.args["id"], "task")
    if found is None:
        return Reply(status=404, body=error(404, "ResourceNotFound", "The task does not exist."))
    job, phase = found
    body: dict[str, Any] = {
        "id": call.args["id"],
        "model": job.extra["model"],
        "status": STATUS[phase],
        "error": None,
        "created_at": job.created_ms // 1000,
        "updated_at": int(time.time()),
    }
    if phase is Phase.SUCCEEDED:
        body["content"] = {"video_url": job.outputs()[0].url()}
        tokens = job.extra["tokens"]
        body["usage"] = {"completion_tokens": tokens, "total_tokens": tokens}
    elif phase in FAILURES:
        code, message = FAILURES[phase]
        body["error"] = {"code": code, "message": message}
    return Reply(body=body)


# --- Seed Audio and Seed LLM --------------------------------------------------------------------------------
def speech(call: Call) -> Reply:
    text = call.request.text("text_prompt")
    refused = _refusal(markers_in(text))
    if refused:
        return refused
    audio = OutputFile(ext="wav", seed=call.new_job().seed, seconds=3)
    body = {"audio": audio.b64(), "duration": SPEECH_SECONDS, "original_duration": SPEECH_SECONDS}
    return Reply(body={**body, "code": 0, "message": "success"})


def _input_text(call: Call) -> str:
    parts = [call.request.text("instructions")]
    for message in call.request.body.get("input") or []:
        blocks = (message.get("content") or []) if isinstance(message, dict) else []
        parts.extend(
            str(block.get("text", ""))
            for block in blocks
            if isinstance(block, dict) and block.get("type") == "input_text"
        )
    return " ".join(parts)


def responses(call: Call) -> Reply:
    prompt = _input_text(call)
    refused = _refusal(markers_in(prompt))
    if refused:
        return refused
    answer = f"Sandbox answer to: {prompt.strip()[:200]}"
    tokens_in, tokens_out = len(prompt) // 4 + 12, len(answer) // 4 + 1
    message = {
        "type": "message",
        "id": "msg_sandbox",
        "role": "assistant",
        "status": "completed",
        "content": [{"type": "output_text", "text": answer}],
    }
    usage = {
        "input_tokens": tokens_in,
        "output_tokens": tokens_out,
        "total_tokens": tokens_in + tokens_out,
        "input_tokens_details": {"cached_tokens": 0},
        "output_tokens_details": {"reasoning_tokens": 0},
    }
    body = {
        "id": f"resp_{call.new_job().seed}",
        "object": "response",
        "created_at": int(time.time()),
        "model": call.request.model,
        "status": "completed",
        "output": [message],
        "usage": usage,
    }
    return Reply(body=body)


# --- Seedance assets and verification sessions --------------------------------------------------------------
def create_asset(call: Call) -> Reply:
    url = call.request.text("url")
    markers = markers_in(url)
    group = call.request.text("group_id") or "virtual-library"
    kind = call.request.text("asset_type") or "Image"
    extra = {"kind": "asset", "type": kind, "group": group, "url": url, "name": call.request.text("name")}
    job = call.new_job(
        media="image", outcome=markers.outcome, duration_ms=job_duration_ms(markers), extra=extra
    )
    return Reply(body={"asset_id": job.token()})


def get_asset(call: Call) -> Reply:
    found = _known(call.args["asset_id"], "asset")
    if found is None:
        return Reply(status=404, body=error(404, "ResourceNotFound", "The asset does not exist."))
    job, phase = found
    body: dict[str, Any] = {
        "id": call.args["asset_id"],
        "name": job.extra["name"] or None,
        "url": job.extra["url"],
        "asset_type": job.extra["type"],
        "group_id": job.extra["group"],
        "status": ASSET_STATUS[phase],
        "error": None,
    }
    if phase in FAILURES:
        body["error"] = {
            "code": "AssetPreprocessFailed",
            "message": "Pre-processing failed (sandbox marker).",
        }
    return Reply(body=body)


def create_session(call: Call) -> Reply:
    job = call.new_job(media="image", extra={"kind": "session"})
    token = job.token()
    return Reply(body={"session_id": token, "h5_link": f"{call.base_url}/h5/verify?session={token[:32]}"})


def get_session(call: Call) -> Reply:
    found = _known(call.args["session_id"], "session")
    if found is None:
        return Reply(status=404, body=error(404, "ResourceNotFound", "The session does not exist."))
    job, phase = found
    done = phase is Phase.SUCCEEDED
    body = {
        "session_id": call.args["session_id"],
        "status": "completed" if done else "pending",
        "group_id": f"group-sandbox-{job.seed}" if done else None,
    }
    return Reply(body=body)


VENDOR = Vendor(
    name=NAME,
    key_header="Authorization",
    key_prefix="Bearer ",
    error=error,
    routes=(
        Route("POST", r"api/v3/images/generations", "sync", images),
        Route("POST", r"api/v3/contents/generations/tasks", "submit", create_task, media="video"),
        Route("GET", r"api/v3/contents/generations/tasks/(?P<id>[^/]+)", "poll", get_task),
        Route("POST", r"api/v3/tts/create", "sync", speech),
        Route("POST", r"api/v3/responses", "sync", responses),
        Route("POST", r"seedance/assets", "sync", create_asset),
        Route("GET", r"seedance/assets/(?P<asset_id>[^/]+)", "poll", get_asset),
        Route("POST", r"seedance/virtual-library/assets", "sync", create_asset),
        Route("POST", r"seedance/visual-validate/sessions", "sync", create_session),
        Route("GET", r"seedance/visual-validate/sessions/(?P<session_id>[^/]+)", "poll", get_session),
    ),
)
