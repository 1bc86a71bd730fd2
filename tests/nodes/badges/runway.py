# ruff: noqa: ARG005 - every builder takes (widgets, inputs); most use only one of them
"""Runway (nodes_runway.py): what each node sends for given widget values. The Aleph 2 keyframe and prompt
image nodes only build inputs for the video-to-video node and send nothing."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from tests.nodes.badge_requests import URL, Node, Req, one

MODULES = {"runway": "runway"}


def _image_to_video(model: str) -> Node:
    def build(w: Mapping[str, Any], inputs: Mapping[str, Any]) -> list[Req]:
        body = {
            "promptText": "p",
            "seed": 0,
            "model": model,
            "duration": int(w["duration"]),
            "ratio": w["ratio"],
            "promptImage": [{"uri": URL, "position": "first"}],
        }
        return one(Req("/proxy/runway/image_to_video", body))

    return Node(build)


NODES = {
    "RunwayImageToVideoNodeGen3a": _image_to_video("gen3a_turbo"),
    "RunwayImageToVideoNodeGen4": _image_to_video("gen4_turbo"),
    "RunwayFirstLastFrameNode": _image_to_video("gen3a_turbo"),
    "RunwayTextToImageNode": Node(
        lambda w, i: one(
            Req(
                "/proxy/runway/text_to_image", {"promptText": "p", "model": "gen4_image", "ratio": w["ratio"]}
            )
        )
    ),
    "RunwayAleph2VideoToVideoNode": Node(
        lambda w, i: one(
            Req(
                "/proxy/runway/video_to_video",
                {
                    "model": "aleph2",
                    "promptText": "p",
                    "videoUri": URL,
                    "seed": 0,
                    "contentModeration": {"publicFigureThreshold": "auto"},
                },
            )
        ),
        seconds=30,
    ),
}
DIFFERENCES: dict[str, str] = {}
