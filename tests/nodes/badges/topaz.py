"""Topaz Labs (nodes_topaz.py): what each priced node sends for given widget values."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from tests.nodes.badge_requests import URL, Node, Req, one

MODULES = {"topaz": "topaz"}
UPSCALERS = {
    "Astra 2": "ast-2",
    "Starlight (Astra) Fast": "slf-1",
    "Starlight (Astra) Creative": "slc-1",
    "Starlight Precise 2.5": "slp-2.5",
}
# A 10 s, 30 fps 720p source: what the node describes in `source`.
SOURCE = {
    "container": "mp4",
    "size": 1_000_000,
    "duration": 10,
    "frameCount": 300,
    "frameRate": 30,
    "resolution": {"width": 1280, "height": 720},
}


def _image(w: Mapping[str, Any], inputs: Mapping[str, Any]) -> list[Req]:
    body = {"model": w["model"], "source_url": URL, "output_format": "png"}
    return one(Req("/proxy/topaz/image/v1/enhance-gen/async", body))


def _video(w: Mapping[str, Any], inputs: Mapping[str, Any]) -> list[Req]:
    filters: list[dict[str, Any]] = []
    uhd = "4K" in str(w.get("upscaler_model.upscaler_resolution", ""))
    if w["upscaler_model"] in UPSCALERS:
        filters.append({"model": UPSCALERS[w["upscaler_model"]]})
    if w["interpolation_model"] != "Disabled":
        filters.append(
            {"model": "apo-8", "slowmo": 1, "fps": 60, "duplicate": False, "duplicate_threshold": 0.01}
        )
    output = {
        "resolution": {"width": 3840 if uhd else 1920, "height": 2160 if uhd else 1080},
        "frameRate": 30,
        "audioCodec": "AAC",
        "audioTransfer": "Copy",
        "dynamicCompressionLevel": "Low",
    }
    return one(Req("/proxy/topaz/video/", {"source": SOURCE, "filters": filters, "output": output}))


NODES = {
    "TopazImageEnhanceV2": Node(_image),
    "TopazVideoEnhanceV2": Node(_video),
}
DIFFERENCES = {
    "TopazImageEnhanceV2": (
        "the badge is an approximate rate per 8 MP of output; the platform holds the blocks of 8 MP the "
        "output can reach (the requested size, else the 16.8 MP largest source ComfyUI uploads: 3 blocks) "
        "and "
        "settles on the `credits` Topaz reports, at the node's own price per credit"
    ),
    "TopazVideoEnhanceV2": (
        "the badge is text (credits per source frame); the platform holds the source's frames times the "
        "badge's credits per frame at $0.08 a credit, and settles on Topaz's own estimate "
        "(`estimates.cost[0]`)"
    ),
}
