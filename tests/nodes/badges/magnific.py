# ruff: noqa: ARG005 - every builder takes (widgets, inputs); most use only one of them
"""Magnific (nodes_magnific.py, /proxy/freepik): what each node sends for given widget values."""

from __future__ import annotations

from tests.nodes.badge_requests import URL, Node, Req, one

MODULES = {"magnific": "freepik"}
BASE = "/proxy/freepik/v1/ai"
SLIDERS = {"creativity": 0, "hdr": 0, "resemblance": 0, "fractality": 0}

NODES = {
    "MagnificImageUpscalerCreativeNode": Node(
        lambda w, i: one(
            Req(
                f"{BASE}/image-upscaler",
                {
                    "image": URL,
                    "scale_factor": w["scale_factor"],
                    "optimized_for": "standard",
                    "engine": "automatic",
                    **SLIDERS,
                },
            )
        )
    ),
    "MagnificImageUpscalerPreciseV2Node": Node(
        lambda w, i: one(
            Req(
                f"{BASE}/image-upscaler-precision-v2",
                {
                    "image": URL,
                    "scale_factor": int(w["scale_factor"].rstrip("x")),
                    "flavor": "sublime",
                    "sharpen": 7,
                    "smart_grain": 7,
                    "ultra_detail": 30,
                },
            )
        )
    ),
    "MagnificImageStyleTransferNode": Node(
        lambda w, i: one(
            Req(
                f"{BASE}/image-style-transfer",
                {
                    "image": URL,
                    "reference_image": URL,
                    "style_strength": 100,
                    "structure_strength": 50,
                    "is_portrait": False,
                    "portrait_style": None,
                    "portrait_beautifier": None,
                    "flavor": "faithful",
                    "engine": "balanced",
                    "fixed_generation": True,
                },
            )
        )
    ),
    "MagnificImageRelightNode": Node(
        lambda w, i: one(
            Req(
                f"{BASE}/image-relight",
                {
                    "image": URL,
                    "light_transfer_strength": 100,
                    "interpolate_from_original": False,
                    "change_background": True,
                    "style": "standard",
                    "preserve_details": True,
                    "advanced_settings": None,
                },
            )
        )
    ),
    "MagnificImageSkinEnhancerNode": Node(
        lambda w, i: one(
            Req(f"{BASE}/skin-enhancer/{w['mode']}", {"image": URL, "sharpen": 0, "smart_grain": 2})
        )
    ),
}
DIFFERENCES: dict[str, str] = {}
