"""Krea (nodes_krea.py): what Krea 2 Image sends for given widget values."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from tests.nodes.badge_requests import URL, Node, Req, one

MODULES = {"krea": "krea"}
PATHS = {"Krea 2 Medium": "medium", "Krea 2 Medium Turbo": "medium-turbo", "Krea 2 Large": "large"}
MOODBOARD = "0b7e3c1a-2f4d-4e5a-9b6c-7d8e9f0a1b2c"


def _image(w: Mapping[str, Any], inputs: Mapping[str, Any]) -> list[Req]:
    body: dict[str, Any] = {
        "prompt": "p",
        "aspect_ratio": "1:1",
        "resolution": "1K",
        "seed": 0,
        "creativity": "medium",
    }
    if w.get("model.moodboard_id"):
        body["moodboards"] = [{"id": MOODBOARD, "strength": 0.35}]
    if inputs.get("model.style_reference"):
        body["image_style_references"] = [{"url": URL, "strength": 1.0}]
    return one(Req(f"/proxy/krea/generate/image/krea/krea-2/{PATHS[w['model']]}", body))


NODES = {
    "Krea2ImageNode": Node(_image, extra_widgets={"model.moodboard_id": ("", MOODBOARD)}),
}
DIFFERENCES: dict[str, str] = {}
