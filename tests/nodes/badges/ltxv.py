"""Lightricks LTX-2 (nodes_ltxv.py): what each node sends to the LTX API."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from tests.nodes.badge_requests import URL, Node, NodeRefuses, Req

MODULES = {"ltxv": "ltx"}
MODELS = {"LTX-2 (Pro)": "ltx-2-pro", "LTX-2 (Fast)": "ltx-2-fast"}


def _video(kind: str) -> Any:
    def build(w: Mapping[str, Any], inputs: Mapping[str, Any]) -> list[Req]:
        model, duration, resolution = w["model"], int(w["duration"]), w["resolution"]
        if duration > 10 and (model != "LTX-2 (Fast)" or resolution != "1920x1080"):
            raise NodeRefuses(duration)  # over 10 s: Fast at 1920x1080 and 25 fps only
        body: dict[str, Any] = {
            "prompt": "p",
            "model": MODELS[model],
            "duration": duration,
            "resolution": resolution,
            "fps": 25,
            "generate_audio": False,
        }
        if kind == "image-to-video":
            body["image_uri"] = URL
        return [Req(f"/proxy/ltx/v1/{kind}", body)]

    return build


NODES = {
    "LtxvApiTextToVideo": Node(_video("text-to-video")),
    "LtxvApiImageToVideo": Node(_video("image-to-video")),
}
