# ruff: noqa: ARG005 - every builder takes (widgets, inputs); most use only one of them
"""ByteDance (nodes_bytedance.py): what each node sends to BytePlus for given widget values."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from tests.nodes.badge_requests import URL, Node, NodeRefuses, Req, one

MODULES = {"bytedance": "byteplus"}
IMAGES = "/proxy/byteplus/api/v3/images/generations"
TASKS = "/proxy/byteplus/api/v3/contents/generations/tasks"
SEEDREAM_MODELS = {
    "seedream 5.0 pro": "seedream-5-0-pro-260628",
    "seedream 5.0 lite": "seedream-5-0-260128",
    "seedream-4-5-251128": "seedream-4-5-251128",
    "seedream-4-0-250828": "seedream-4-0-250828",
}
SEEDANCE_MODELS = {
    "Seedance 2.5": "dreamina-seedance-2-5-260628",
    "Seedance 2.0": "dreamina-seedance-2-0-260128",
    "Seedance 2.0 Fast": "dreamina-seedance-2-0-fast-260128",
    "Seedance 2.0 Mini": "dreamina-seedance-2-0-mini",
}
SPEECH = {
    "model": "seed-audio-1.0-multilingual",
    "text_prompt": "hello",
    "audio_config": {"format": "mp3", "sample_rate": 24000},
    "watermark": {},
}


def _dims(label: str, width: int, height: int) -> tuple[int, int]:
    """A size preset's pixels ("(2K) 2048x2048 (1:1)"); Custom: the width and height widgets."""
    found = re.search(r"(\d+)x(\d+)", label)
    return (int(found.group(1)), int(found.group(2))) if found else (width, height)


def _seedream_limits(model: str, pixels: int, *, v1: bool = False) -> None:
    """The node's own resolution checks: it raises before sending anything."""
    if "5-0-pro" in model and not v1:
        low, high = 921_600, 4_194_304
    else:
        low = 921_600 if "4-0" in model else 3_686_400
        high = 10_404_496 if v1 and "seedream-5-0" in model else 16_777_216
    if not low <= pixels <= high:
        raise NodeRefuses(model)


def _seedream_v1(w: Mapping[str, Any], inputs: Mapping[str, Any]) -> list[Req]:
    model = SEEDREAM_MODELS[w["model"]]
    width, height = _dims(w["size_preset"], w["width"], w["height"])
    _seedream_limits(model, width * height, v1=True)
    body = {
        "model": model,
        "prompt": "p",
        "response_format": "url",
        "image": [],
        "size": f"{width}x{height}",
        "seed": 0,
        "sequential_image_generation": w["sequential_image_generation"],
        "sequential_image_generation_options": {"max_images": w["max_images"]},
        "watermark": False,
    }
    return one(Req(IMAGES, body))


def _seedream_v2(w: Mapping[str, Any], inputs: Mapping[str, Any]) -> list[Req]:
    model = SEEDREAM_MODELS[w["model"]]
    width, height = _dims(w["model.size_preset"], w["model.width"], w["model.height"])
    _seedream_limits(model, width * height)
    body: dict[str, Any] = {
        "model": model,
        "prompt": "p",
        "response_format": "url",
        "image": [],
        "size": f"{width}x{height}",
        "seed": 0,
        "watermark": False,
        "optimize_prompt_options": {"thinking": "enabled"},
    }
    if "5-0-pro" not in model:
        count = w.get("model.max_images", 1)
        body["sequential_image_generation"] = "disabled" if count == 1 else "auto"
        body["sequential_image_generation_options"] = {"max_images": count}
    return one(Req(IMAGES, body))


def _layers(w: Mapping[str, Any], inputs: Mapping[str, Any]) -> list[Req]:
    body = {
        "model": "seedream-5-0-pro-260628",
        "image": URL,
        "size": w["size"],
        "seed": 0,
        "response_format": "url",
        "output_format": "png",
        "layer_decomposition": True,
        "watermark": False,
        "optimize_prompt_options": {"mode": "standard"},
    }
    return one(Req(IMAGES, body))


def _seedance1(frames: tuple[str | None, ...]) -> Any:
    """Seedance 1.x: the parameters ride in the prompt (`--resolution 720p --duration 5`)."""

    def build(w: Mapping[str, Any], inputs: Mapping[str, Any]) -> list[Req]:
        model = w["model"]
        if model == "seedance-1-5-pro-251215" and w["duration"] < 4:
            raise NodeRefuses(model)
        text = f"p --resolution {w['resolution']} --ratio 16:9 --duration {w['duration']} --seed 0"
        content: list[dict[str, Any]] = [{"type": "text", "text": text + " --watermark false"}]
        for role in frames:
            item: dict[str, Any] = {"type": "image_url", "image_url": {"url": URL}}
            if role:
                item["role"] = role
            content.append(item)
        body: dict[str, Any] = {"model": model, "content": content}
        if model == "seedance-1-5-pro-251215":
            body["generate_audio"] = w.get("generate_audio", False)
        return one(Req(TASKS, body))

    return build


def _seedance2(kind: str) -> Any:
    """Seedance 2.x: `text`, `frames` (first-last-frame, local images) or `reference` (images / videos)."""

    def build(w: Mapping[str, Any], inputs: Mapping[str, Any]) -> list[Req]:
        model = SEEDANCE_MODELS[w["model"]]
        content: list[dict[str, Any]] = [{"type": "text", "text": "p"}]
        image = {"type": "image_url", "image_url": {"url": "asset://a1"}, "role": "reference_image"}
        video = {"type": "video_url", "video_url": {"url": "asset://v1"}, "role": "reference_video"}
        videos = int(inputs.get("model.reference_videos", 0)) if kind == "reference" else 0
        if kind == "frames":
            content.append({**image, "role": "first_frame"})
        elif kind == "reference":
            content.extend([video] * videos if videos else [image])
        editing = bool(w.get("model.video_editing")) and kind == "reference"
        ratio = "adaptive" if kind == "frames" or editing else w.get("model.ratio", "16:9")
        body = {
            "model": model,
            "content": content,
            "generate_audio": True,
            "resolution": w["model.resolution"],
            "ratio": ratio,
            "duration": -1 if editing else w["model.duration"],
            "seed": 0,
            "watermark": False,
        }
        return one(Req(TASKS, body))

    return build


NODES = {
    "ByteDanceImageNode": Node(
        lambda w, i: one(
            Req(
                IMAGES,
                {
                    "model": "seedream-3-0-t2i-250415",
                    "prompt": "p",
                    "response_format": "url",
                    "size": "1024x1024",
                    "seed": 0,
                    "guidance_scale": 2.5,
                    "watermark": False,
                },
            )
        )
    ),
    "ByteDanceSeedreamNode": Node(_seedream_v1),
    "ByteDanceSeedreamNodeV2": Node(_seedream_v2),
    "ByteDanceSeedreamLayerSeparationNode": Node(_layers),
    "ByteDanceTextToVideoNode": Node(_seedance1(())),
    "ByteDanceImageToVideoNode": Node(_seedance1((None,))),
    "ByteDanceFirstLastFrameNode": Node(_seedance1(("first_frame", "last_frame"))),
    "ByteDanceImageReferenceNode": Node(_seedance1(("reference_image",))),
    "ByteDance2TextToVideoNode": Node(_seedance2("text")),
    "ByteDance2FirstLastFrameNode": Node(_seedance2("frames")),
    "ByteDance2ReferenceNode": Node(_seedance2("reference")),
    "ByteDanceSeedAudio": Node(lambda w, i: one(Req("/proxy/byteplus/api/v3/tts/create", SPEECH))),
}

SEEDANCE2 = (
    "the badge is Comfy.org's rate, 1.43 times BytePlus's list price per 1K tokens (ComfyUI's own "
    "SEEDANCE2_PRICE_PER_1K_TOKENS); the platform holds the most tokens the request can bill (the longest "
    "output, plus the longest reference video; Seedance 2.5 'adaptive' at the widest ratio's frames) at the "
    "list price in started 1K tokens, and the poll settles on the `usage.total_tokens` BytePlus reports"
)
DIFFERENCES: dict[str, str] = {
    "ByteDanceSeedreamNode": (
        "the deprecated node's badge prices Seedream 5.0 Pro at $0.03, the older models' price; the platform "
        "charges 5.0 Pro its own $0.045 (up to 2.36 MP) / $0.09 per image, as ByteDanceSeedreamNodeV2's "
        "badge does"
    ),
    "ByteDanceSeedreamLayerSeparationNode": (
        "the badge is per image ('x images/Run'); a separation returns a base plate plus up to 16 layers, so "
        "the hold is 17 images at the size's price, settled on the images BytePlus returns"
    ),
    "ByteDance2TextToVideoNode": SEEDANCE2,
    "ByteDance2FirstLastFrameNode": SEEDANCE2,
    "ByteDance2ReferenceNode": SEEDANCE2,
    "ByteDanceSeedAudio": (
        "the badge is a rate per minute and Comfy.org's, 1.43 times BytePlus's $0.15/minute; the platform "
        "holds the 2 minutes a run can make at $0.15/minute and settles on the `duration` reported"
    ),
}
