"""Ideogram P-Image (nodes_ideogram.py `IdeogramPImage`): what the node sends for given widget values.

The module's other nodes and its MODULES entry are in the seed tables (tests/nodes/badge_requests.py).
"""

from __future__ import annotations

from tests.nodes.badge_requests import Node, Req, one

NODES = {
    "IdeogramPImage": Node(
        lambda w, i: one(  # noqa: ARG005 - the node's inputs do not change its request
            Req(
                "/proxy/ideogram/text-to-image/p-image-ideogram",
                {
                    "prompt": "p",
                    "quality": w["quality"],
                    "resolution": w["resolution"],
                    "aspect_ratio": "1x1",
                    "prompt_upsampling": w.get("prompt_upsampling", "AUTO"),
                    "seed": 42,
                },
            )
        )
    ),
}
