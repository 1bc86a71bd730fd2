"""WaveSpeed AI (nodes_wavespeed.py): what each node sends for given widget values."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from tests.nodes.badge_requests import URL, Node, Req, one

MODULES = {"wavespeed": "wavespeed"}
LONGEST = 600  # seconds: FlashVSR takes sources of 5 s to 10 minutes and sends their `duration`
UPSCALERS = {"SeedVR2": "seedvr2/image", "Ultimate": "ultimate-image-upscaler"}


def _flashvsr(w: Mapping[str, Any], inputs: Mapping[str, Any]) -> list[Req]:
    body = {"target_resolution": w["target_resolution"].lower(), "video": URL, "duration": float(LONGEST)}
    return one(Req("/proxy/wavespeed/api/v3/wavespeed-ai/flashvsr", body))


def _image(w: Mapping[str, Any], inputs: Mapping[str, Any]) -> list[Req]:
    body = {
        "target_resolution": w["target_resolution"].lower(),
        "image": URL,
        "output_format": "png",
        "enable_sync_mode": False,
    }
    return one(Req(f"/proxy/wavespeed/api/v3/wavespeed-ai/{UPSCALERS[w['model']]}", body))


NODES = {
    "WavespeedFlashVSRNode": Node(_flashvsr, seconds=LONGEST),
    "WavespeedImageUpscaleNode": Node(_image, extra_widgets={"target_resolution": ("2K", "4K", "8K")}),
}
DIFFERENCES: dict[str, str] = {}
