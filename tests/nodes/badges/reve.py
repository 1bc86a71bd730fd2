"""Reve (nodes_reve.py): what each node sends for given widget values."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from tests.nodes.badge_requests import B64, Node, Req, one

MODULES = {"reve": "reve"}


def _postprocessing(w: Mapping[str, Any]) -> list[dict[str, Any]] | None:
    if w["upscale"] != "enabled":
        return None
    return [{"process": "upscale", "upscale_factor": w["upscale.upscale_factor"]}]


def _node(
    action: str, fields: Mapping[str, Any]
) -> Callable[[Mapping[str, Any], Mapping[str, Any]], list[Req]]:
    def build(w: Mapping[str, Any], inputs: Mapping[str, Any]) -> list[Req]:
        tts = w.get("model.test_time_scaling", 1)
        body = {
            **fields,
            "aspect_ratio": None,
            "version": w["model"],
            "test_time_scaling": tts if action == "create" or tts > 1 else None,
            "postprocessing": _postprocessing(w),
        }
        return one(Req(f"/proxy/reve/v1/image/{action}", body))

    return build


NODES = {
    "ReveImageCreateNode": Node(_node("create", {"prompt": "p"})),
    "ReveImageEditNode": Node(_node("edit", {"edit_instruction": "p", "reference_image": B64})),
    "ReveImageRemixNode": Node(_node("remix", {"prompt": "p", "reference_images": [B64]})),
}
DIFFERENCES: dict[str, str] = {}
