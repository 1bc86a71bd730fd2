"""Vidu (nodes_vidu.py): what each node sends for given widget values (uploaded images are URLs)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from tests.nodes.badge_requests import URL, Node, Req, one

MODULES = {"vidu": "vidu"}
BASE = "/proxy/vidu"
IMAGES = {
    "text2video": [],
    "img2video": [URL],
    "reference2video": [URL] * 3,
    "start-end2video": [URL, URL],
}


def _q1(path: str) -> Node:
    """The viduq1 nodes: one 5 s 1080p video."""

    def build(w: Mapping[str, Any], inputs: Mapping[str, Any]) -> list[Req]:
        body: dict[str, Any] = {
            "model": "viduq1",
            "prompt": "p",
            "duration": 5,
            "seed": 0,
            "resolution": "1080p",
            "movement_amplitude": "auto",
        }
        if path in ("text2video", "reference2video"):
            body["aspect_ratio"] = "16:9"
        if IMAGES[path]:
            body["images"] = IMAGES[path]
        return one(Req(f"{BASE}/{path}", body))

    return Node(build)


def _q2(path: str) -> Node:
    """The Vidu2 nodes: model, duration and resolution are plain widgets."""

    def build(w: Mapping[str, Any], inputs: Mapping[str, Any]) -> list[Req]:
        body: dict[str, Any] = {
            "model": w["model"],
            "prompt": "p",
            "duration": w["duration"],
            "seed": 1,
            "resolution": w["resolution"],
        }
        if path == "text2video":
            body |= {"aspect_ratio": w["aspect_ratio"], "bgm": w["background_music"]}
        elif path == "reference2video":
            body |= {
                "audio": w["audio"],
                "aspect_ratio": w["aspect_ratio"],
                "movement_amplitude": "auto",
                "subjects": [{"id": "subject1", "images": [URL]}],
            }
        else:
            body |= {"movement_amplitude": "auto", "images": IMAGES[path]}
        return one(Req(f"{BASE}/{path}", body))

    return Node(build)


def _q3(path: str) -> Node:
    """The Vidu Q3 nodes: duration and resolution under the model's dynamic combo."""

    def build(w: Mapping[str, Any], inputs: Mapping[str, Any]) -> list[Req]:
        body: dict[str, Any] = {
            "model": w["model"],
            "prompt": "p",
            "duration": w["model.duration"],
            "seed": 1,
            "resolution": w["model.resolution"],
            "audio": w["model.audio"],
        }
        if path == "text2video":
            body["aspect_ratio"] = w["model.aspect_ratio"]
        else:
            body["images"] = IMAGES[path]
        return one(Req(f"{BASE}/{path}", body))

    return Node(build)


def _extend(w: Mapping[str, Any], inputs: Mapping[str, Any]) -> list[Req]:
    body = {
        "model": w["model"],
        "prompt": "",
        "duration": w["model.duration"],
        "seed": 1,
        "resolution": w["model.resolution"],
        "video_url": "https://example.com/upload.mp4",
    }
    return one(Req(f"{BASE}/extend", body))


def _multiframe(w: Mapping[str, Any], inputs: Mapping[str, Any]) -> list[Req]:
    count = int(w["frames"])
    body = {
        "model": w["model"],
        "seed": 1,
        "resolution": w["resolution"],
        "start_image": URL,
        "image_settings": [
            {"prompt": "", "key_image": URL, "duration": w[f"frames.duration{i}"]}
            for i in range(1, count + 1)
        ],
    }
    return one(Req(f"{BASE}/multiframe", body))


NODES = {
    "ViduTextToVideoNode": _q1("text2video"),
    "ViduImageToVideoNode": _q1("img2video"),
    "ViduReferenceVideoNode": _q1("reference2video"),
    "ViduStartEndToVideoNode": _q1("start-end2video"),
    "Vidu2TextToVideoNode": _q2("text2video"),
    "Vidu2ImageToVideoNode": _q2("img2video"),
    "Vidu2ReferenceVideoNode": _q2("reference2video"),
    "Vidu2StartEndToVideoNode": _q2("start-end2video"),
    "ViduExtendVideoNode": Node(_extend),
    "ViduMultiFrameVideoNode": Node(_multiframe),
    "Vidu3TextToVideoNode": _q3("text2video"),
    "Vidu3ImageToVideoNode": _q3("img2video"),
    "Vidu3StartEndToVideoNode": _q3("start-end2video"),
}
DIFFERENCES: dict[str, str] = {}
