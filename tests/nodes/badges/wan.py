"""Alibaba Cloud Model Studio, Wan and HappyHorse (nodes_wan.py): what each node sends for given widget
values. Sizes are sent as DashScope spells them ("1280*720"), taken from the node's size label."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from tests.nodes.badge_requests import URL, Node, NodeRefuses, Req, one

MODULES = {"wan": "wan"}
BASE = "/proxy/wan/api/v1/services/aigc"
VIDEO = f"{BASE}/video-generation/video-synthesis"
DATA_PNG = "data:image/png;base64,aGVsbG8="
Builder = Callable[[Mapping[str, Any], Mapping[str, Any]], list[Req]]


def _size(label: str) -> str:
    found = re.search(r"\((\d+)\s*x\s*(\d+)\)", label)
    assert found, label
    return f"{found.group(1)}*{found.group(2)}"


def _media(*kinds: str) -> list[dict[str, str]]:
    return [{"type": kind, "url": URL} for kind in kinds]


def _text_to_image(w: Mapping[str, Any], inputs: Mapping[str, Any]) -> list[Req]:
    body = {
        "model": w["model"],
        "input": {"prompt": "p", "negative_prompt": ""},
        "parameters": {
            "size": f"{w['width']}*{w['height']}",
            "n": 1,
            "seed": 0,
            "prompt_extend": True,
            "watermark": False,
        },
    }
    return one(Req(f"{BASE}/text2image/image-synthesis", body))


def _image_to_image(w: Mapping[str, Any], inputs: Mapping[str, Any]) -> list[Req]:
    body = {
        "model": w["model"],
        "input": {"prompt": "p", "negative_prompt": "", "images": [DATA_PNG]},
        "parameters": {"n": 1, "seed": 0, "watermark": False},
    }
    return one(Req(f"{BASE}/image2image/image-synthesis", body))


def _legacy(image: bool) -> Builder:
    """Wan 2.5 / 2.6 text or image to video: 2.6 makes no 480p, 2.5 no 15 s (the node refuses both)."""

    def build(w: Mapping[str, Any], inputs: Mapping[str, Any]) -> list[Req]:
        model, duration = w["model"], w["duration"]
        tier = w["resolution"] if image else w["size"]
        if ("480p" in tier.lower() and model.startswith("wan2.6")) or (duration == 15 and "wan2.5" in model):
            raise NodeRefuses(model)
        shape = {"resolution": tier} if image else {"size": _size(tier)}
        source = {"img_url": DATA_PNG} if image else {}
        body = {
            "model": model,
            "input": {"prompt": "p", "negative_prompt": "", **source},
            "parameters": {
                **shape,
                "seed": 0,
                "duration": duration,
                "prompt_extend": True,
                "watermark": False,
                "audio": False,
                "shot_type": "single",
            },
        }
        return one(Req(VIDEO, body))

    return build


def _reference_wan26(w: Mapping[str, Any], inputs: Mapping[str, Any]) -> list[Req]:
    body = {
        "model": w["model"],
        "input": {"prompt": "p", "negative_prompt": "", "reference_video_urls": [URL]},
        "parameters": {
            "size": _size(w["size"]),
            "duration": w["duration"],
            "shot_type": "single",
            "seed": 0,
            "watermark": False,
        },
    }
    return one(Req(VIDEO, body))


def _task(media: tuple[str, ...] = (), *, ratio: bool = False, prompt_extend: bool = True) -> Builder:
    """The Wan 2.7 / HappyHorse nodes: a dynamic `model` with its resolution (and ratio, duration)."""

    def build(w: Mapping[str, Any], inputs: Mapping[str, Any]) -> list[Req]:
        parameters: dict[str, Any] = {"resolution": w["model.resolution"], "watermark": False, "seed": 0}
        if ratio:
            parameters["ratio"] = w["model.ratio"]
        duration = w.get("model.duration")
        if duration is not None:
            parameters["duration"] = 0 if duration == "auto" else int(duration)
        if prompt_extend:
            parameters["prompt_extend"] = True
        source = {"media": _media(*media)} if media else {}
        body = {"model": w["model"], "input": {"prompt": "p", **source}, "parameters": parameters}
        return one(Req(VIDEO, body))

    return build


NODES = {
    "WanTextToImageApi": Node(_text_to_image),
    "WanImageToImageApi": Node(_image_to_image),
    "WanTextToVideoApi": Node(
        _legacy(image=False), extra_widgets={"model": ("wan2.5-t2v-preview", "wan2.6-t2v")}
    ),
    "WanImageToVideoApi": Node(
        _legacy(image=True), extra_widgets={"model": ("wan2.5-i2v-preview", "wan2.6-i2v")}
    ),
    "WanReferenceVideoApi": Node(_reference_wan26),
    "Wan2TextToVideoApi": Node(_task(ratio=True)),
    "Wan2ImageToVideoApi": Node(_task(("first_frame",))),
    "Wan2VideoContinuationApi": Node(_task(("first_clip",))),
    # Priced per second of input + output: the input is 2-10 s and the output at most as long.
    "Wan2VideoEditApi": Node(_task(("video",), ratio=True, prompt_extend=False), seconds=20),
    "Wan2ReferenceVideoApi": Node(
        _task(("reference_video", "reference_image"), ratio=True, prompt_extend=False)
    ),
    "HappyHorseTextToVideoApi": Node(_task(ratio=True)),
    "HappyHorseImageToVideoApi": Node(_task(("first_frame",))),
    # The output is as long as the input video, truncated at 15 s.
    "HappyHorseVideoEditApi": Node(_task(("video",), ratio=True, prompt_extend=False), seconds=15),
    "HappyHorseReferenceVideoApi": Node(_task(("reference_image",), ratio=True, prompt_extend=False)),
}
DIFFERENCES: dict[str, str] = {}
