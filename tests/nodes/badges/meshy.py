# ruff: noqa: ARG005 - every builder takes (widgets, inputs); most use only one of them
"""Meshy (nodes_meshy.py): what each node sends for given widget values. Only the image nodes' badges
depend on a widget (`should_texture`); the others are flat."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from tests.nodes.badge_requests import URL, Node, Req, one

MODULES = {"meshy": "meshy"}
BASE = "/proxy/meshy/openapi"
TASK = "018a210d-8ba4-705c-b111-1f1776f7f578"


def _image_task(path: str, images: dict[str, Any]) -> Node:
    def build(w: Mapping[str, Any], inputs: Mapping[str, Any]) -> list[Req]:
        textured = w["should_texture"] == "true"
        body = {
            **images,
            "ai_model": w["model"],
            "symmetry_mode": w["symmetry_mode"],
            "should_remesh": w["should_remesh"] == "true",
            "should_texture": textured,
            "enable_pbr": w.get("should_texture.enable_pbr") if textured else None,
            "pose_mode": str(w["pose_mode"]).lower(),
            "seed": 0,
            "moderation": False,
        }
        return one(Req(f"{BASE}/{path}", body))

    return Node(build)


NODES = {
    "MeshyTextToModelNode": Node(
        lambda w, i: one(
            Req(
                f"{BASE}/v2/text-to-3d",
                {"mode": "preview", "prompt": "p", "art_style": "realistic", "ai_model": "latest", "seed": 0},
            )
        )
    ),
    "MeshyRefineNode": Node(
        lambda w, i: one(
            Req(f"{BASE}/v2/text-to-3d", {"mode": "refine", "preview_task_id": TASK, "ai_model": "latest"})
        )
    ),
    "MeshyImageToModelNode": _image_task("v1/image-to-3d", {"image_url": URL}),
    "MeshyMultiImageToModelNode": _image_task("v1/multi-image-to-3d", {"image_urls": [URL, URL]}),
    "MeshyRigModelNode": Node(
        lambda w, i: one(Req(f"{BASE}/v1/rigging", {"input_task_id": TASK, "height_meters": 1.7}))
    ),
    "MeshyAnimateModelNode": Node(
        lambda w, i: one(Req(f"{BASE}/v1/animations", {"rig_task_id": TASK, "action_id": 0}))
    ),
    "MeshyTextureNode": Node(
        lambda w, i: one(
            Req(
                f"{BASE}/v1/retexture",
                {
                    "input_task_id": TASK,
                    "ai_model": "latest",
                    "enable_original_uv": True,
                    "enable_pbr": False,
                    "text_style_prompt": "p",
                },
            )
        )
    ),
}
DIFFERENCES: dict[str, str] = {}
