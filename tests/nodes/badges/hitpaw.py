"""HitPaw (nodes_hitpaw.py): what the image and video enhancers send for given widget values."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from nodes.vendors.hitpaw import VIDEO_MAX_SECONDS
from tests.nodes.badge_requests import Node, Req, one

MODULES = {"hitpaw": "hitpaw"}
BASE = "/proxy/hitpaw/api"
VIDEO_MODELS = {
    "Portrait Restore Model (1x)": "portrait_restore_1x",
    "Portrait Restore Model (2x)": "portrait_restore_2x",
    "General Restore Model (1x)": "general_restore_1x",
    "General Restore Model (2x)": "general_restore_2x",
    "General Restore Model (4x)": "general_restore_4x",
    "Ultra HD Model (2x)": "ultrahd_restore_2x",
    "Generative Model (1x)": "generative_1x",
}
# The node scales a 16:9 source's shorter side to the target (a square's side to DCI sizes).
TARGETS = {"720p": 720, "1080p": 1080, "2K/QHD": 1440, "4K/UHD": 2160, "8K": 4320}
SOURCE = [640, 360]


def _image(w: Mapping[str, Any], inputs: Mapping[str, Any]) -> list[Req]:
    body = {
        "model_name": f"{w['model']}_{w['upscale_factor']}x",
        "img_url": "https://example.com/upload.png",
        "extension": ".png",
        "exif": False,
    }
    return one(Req(f"{BASE}/photo-enhancer", body))


def _video(w: Mapping[str, Any], inputs: Mapping[str, Any]) -> list[Req]:
    resolution = w["model.resolution"]
    if resolution == "original":
        target = list(SOURCE)
    else:
        side = TARGETS[resolution]
        target = [int(side * SOURCE[0] / SOURCE[1]), side]
    body = {
        "video_url": "https://example.com/upload.mp4",
        "resolution": target,
        "original_resolution": SOURCE,
        "model_name": VIDEO_MODELS[w["model"]],
    }
    return one(Req(f"{BASE}/video-enhancer", body))


NODES = {
    "HitPawGeneralImageEnhance": Node(_image),
    # The badge is per second of output; the node takes sources up to an hour, which the hold covers.
    "HitPawVideoEnhance": Node(_video, seconds=VIDEO_MAX_SECONDS),
}
