# ruff: noqa: ARG005 - every builder takes (widgets, inputs); most use only one of them
"""xAI Grok (nodes_grok.py): what each node sends for given widget values."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from tests.nodes.badge_requests import URL, Node, NodeRefuses, Req, one

MODULES = {"grok": "xai"}
BASE = "/proxy/xai/v1"
DATA_URL = "data:image/png;base64,aGVsbG8="


def _inputs_for(model: str) -> list[dict[str, str]]:
    """The most images an edit may send: the pro model takes 1, the others 3 (the badge's top)."""
    return [{"url": DATA_URL}] * (1 if model == "grok-imagine-image-pro" else 3)


def _image(w: Mapping[str, Any], inputs: Mapping[str, Any]) -> list[Req]:
    body = {
        "model": w["model"],
        "prompt": "p",
        "aspect_ratio": "1:1",
        "n": w["number_of_images"],
        "seed": 0,
        "response_format": "url",
        "resolution": str(w.get("resolution") or "1K").lower(),
    }
    return one(Req(f"{BASE}/images/generations", body))


def _edit(model: str, resolution: str, count: int) -> list[Req]:
    body = {
        "model": model,
        "images": _inputs_for(model),
        "prompt": "p",
        "resolution": resolution.lower(),
        "n": count,
        "seed": 0,
        "response_format": "url",
        "aspect_ratio": None,
    }
    return one(Req(f"{BASE}/images/edits", body))


def _video(w: Mapping[str, Any], inputs: Mapping[str, Any]) -> list[Req]:
    if w["resolution"] == "1080p" and w["model"] != "grok-imagine-video-1.5":
        raise NodeRefuses
    body: dict[str, Any] = {
        "model": w["model"],
        "prompt": "p",
        "resolution": w["resolution"],
        "duration": w["duration"],
        "aspect_ratio": None,
        "seed": 0,
    }
    if inputs.get("image"):
        body["image"] = {"url": DATA_URL}
    return one(Req(f"{BASE}/videos/generations", body))


def _reference(w: Mapping[str, Any], inputs: Mapping[str, Any]) -> list[Req]:
    count = inputs.get("model.reference_images", 0)
    if not count:
        raise NodeRefuses  # at least one reference image
    body = {
        "model": w["model"],
        "reference_images": [{"url": URL}] * count,
        "prompt": "p",
        "resolution": w["model.resolution"],
        "duration": w["model.duration"],
        "aspect_ratio": "16:9",
        "seed": 0,
    }
    return one(Req(f"{BASE}/videos/generations", body))


NODES = {
    "GrokImageNode": Node(_image),
    "GrokImageEditNode": Node(lambda w, i: _edit(w["model"], w["resolution"], w["number_of_images"])),
    "GrokImageEditNodeV2": Node(
        lambda w, i: _edit(w["model"], w["model.resolution"], w["model.number_of_images"])
    ),
    "GrokVideoNode": Node(_video),
    "GrokVideoReferenceNode": Node(_reference),
    "GrokVideoEditNode": Node(
        lambda w, i: one(
            Req(
                f"{BASE}/videos/edits",
                {"model": "grok-imagine-video", "prompt": "p", "video": {"url": URL}, "seed": 0},
            )
        )
    ),
    "GrokVideoExtendNode": Node(
        lambda w, i: one(
            Req(
                f"{BASE}/videos/extensions",
                {"prompt": "p", "video": {"url": URL}, "duration": w["model.duration"]},
            )
        )
    ),
}
DIFFERENCES = {
    "GrokVideoEditNode": "The badge is an approximate $0.06 per second with no length; the output is as long "
    "as the source (up to 8.7 s), so the hold is 9 s at $0.06 and the charge is the cost xAI reports.",
}
