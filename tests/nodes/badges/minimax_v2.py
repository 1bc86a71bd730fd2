# ruff: noqa: ARG005 - every builder takes (widgets, inputs); most use only the widgets
"""MiniMax H3 (nodes_minimax.py MinimaxHailuo03*Node, API v2): what each node sends for given widget values.

The module (minimax) is declared in tests/nodes/badge_requests.py.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from tests.nodes.badge_requests import URL, Node, NodeRefuses, Req, one

PATH = "/proxy/minimax/v2/video_generation"
TEXT = {"type": "text", "text": "p"}


def _image(role: str) -> dict[str, Any]:
    return {"type": "image_url", "image_url": {"url": URL}, "role": role}


def _body(w: Mapping[str, Any], content: list[dict[str, Any]], ratio: str | None) -> dict[str, Any]:
    """_hailuo03_run_task's Hailuo03TaskCreationRequest (None fields are dropped when sent)."""
    body = {
        "model": "MiniMax-H3",
        "content": content,
        "resolution": w["model.resolution"],
        "duration": w["model.duration"],
        "seed": 42,
        "aigc_watermark": False,
    }
    return body if ratio is None else {**body, "ratio": ratio}


def _reference(w: Mapping[str, Any], inputs: Mapping[str, Any]) -> list[Req]:
    images = inputs.get("model.reference_images", 0)
    videos = inputs.get("model.reference_videos", 0)
    if not images and not videos:
        raise NodeRefuses  # at least one reference image or video
    content = [
        TEXT,
        *[_image("reference_image")] * images,
        *[{"type": "video_url", "video_url": {"url": URL}, "role": "reference_video"}] * videos,
    ]
    return one(Req(PATH, _body(w, content, "adaptive")))


NODES = {
    "MinimaxHailuo03TextToVideoNode": Node(lambda w, i: one(Req(PATH, _body(w, [TEXT], "16:9")))),
    "MinimaxHailuo03FirstLastFrameNode": Node(
        lambda w, i: one(Req(PATH, _body(w, [TEXT, _image("first_frame"), _image("last_frame")], None)))
    ),
    "MinimaxHailuo03ReferenceNode": Node(_reference),
}
