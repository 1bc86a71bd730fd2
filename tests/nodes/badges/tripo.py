# ruff: noqa: ARG005 - every builder takes (widgets, inputs); most use only one of them
"""Tripo3D (nodes_tripo.py): what each node sends for given widget values."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from tests.nodes.badge_requests import URL, Node, Req, one

MODULES = {"tripo": "tripo"}
TASK = "/proxy/tripo/v2/openapi/task"
FILE = {"url": URL, "type": "jpeg"}
TASK_ID = "00000000-0000-0000-0000-000000000000"


def _task(body: Mapping[str, Any]) -> list[Req]:
    """The nodes' request models leave unset (None) fields out of the JSON."""
    return one(Req(TASK, {key: value for key, value in body.items() if value is not None}))


def _generation(kind: str, extra: Mapping[str, Any]) -> Any:
    def build(w: Mapping[str, Any], inputs: Mapping[str, Any]) -> list[Req]:
        body = {
            "type": kind,
            "model_version": w["model_version"],
            "texture": w["texture"],
            "pbr": w["pbr"],
            "model_seed": 42,
            "texture_seed": 42,
            "texture_quality": w["texture_quality"],
            "geometry_quality": w["geometry_quality"],
            "quad": w.get("quad"),
            **extra,
        }
        return _task(body)

    return build


def _p1(kind: str, extra: Mapping[str, Any]) -> Any:
    def build(w: Mapping[str, Any], inputs: Mapping[str, Any]) -> list[Req]:
        body: dict[str, Any] = {
            "type": kind,
            "model_version": "P1-20260311",
            "model_seed": 42,
            "export_uv": True,
        }
        if w["output_mode"] == "Geometry only":
            body |= {"texture": False, "pbr": False}
        else:
            quality = w.get("output_mode.texture_quality") or "standard"
            body |= {"texture": True, "pbr": True, "texture_quality": quality, "texture_seed": 42}
        return _task({**body, **extra})

    return build


def _convert(w: Mapping[str, Any], inputs: Mapping[str, Any]) -> list[Req]:
    body = {
        "type": "convert_model",
        "original_model_task_id": TASK_ID,
        "format": "GLTF",
        "quad": w["quad"] or None,
        "face_limit": w["face_limit"] if w["face_limit"] != -1 else None,
        "flatten_bottom": w["flatten_bottom"] or None,
        "flatten_bottom_threshold": w["flatten_bottom_threshold"] or None,
        "texture_size": w["texture_size"] if w["texture_size"] != 4096 else None,
        "texture_format": w["texture_format"] if w["texture_format"] != "JPEG" else None,
        "pivot_to_center_bottom": w["pivot_to_center_bottom"] or None,
        "scale_factor": w["scale_factor"] if w["scale_factor"] != 1.0 else None,
    }
    return _task(body)


NODES = {
    "TripoTextToModelNode": Node(
        _generation("text_to_model", {"prompt": "p", "image_seed": 42, "auto_size": True})
    ),
    "TripoImageToModelNode": Node(
        _generation(
            "image_to_model",
            {
                "file": FILE,
                "orientation": "default",
                "texture_alignment": "original_image",
                "auto_size": True,
            },
        )
    ),
    "TripoMultiviewToModelNode": Node(
        _generation(
            "multiview_to_model",
            {"files": [FILE, FILE, {}, {}], "orientation": "default", "texture_alignment": "original_image"},
        )
    ),
    "TripoP1TextToModelNode": Node(
        _p1("text_to_model", {"prompt": "p", "image_seed": 42, "auto_size": False})
    ),
    "TripoP1ImageToModelNode": Node(_p1("image_to_model", {"file": FILE, "enable_image_autofix": False})),
    "TripoP1MultiviewToModelNode": Node(_p1("multiview_to_model", {"files": [FILE, FILE, {}, {}]})),
    "TripoImportModelNode": Node(
        lambda w, i: one(Req("/proxy/tripo/v2/openapi/import", {"url": URL, "format": "glb"}))
    ),
    "TripoTextureNode": Node(
        lambda w, i: _task(
            {
                "type": "texture_model",
                "original_model_task_id": TASK_ID,
                "texture": True,
                "pbr": True,
                "texture_seed": 42,
                "texture_quality": w["texture_quality"],
                "texture_alignment": "original_image",
            }
        )
    ),
    "TripoRefineNode": Node(lambda w, i: _task({"type": "refine_model", "draft_model_task_id": TASK_ID})),
    "TripoRigNode": Node(
        lambda w, i: _task(
            {"type": "animate_rig", "original_model_task_id": TASK_ID, "out_format": "glb", "spec": "tripo"}
        )
    ),
    "TripoRetargetNode": Node(
        lambda w, i: _task(
            {
                "type": "animate_retarget",
                "original_model_task_id": TASK_ID,
                "animation": "preset:idle",
                "out_format": "glb",
                "bake_animation": True,
            }
        )
    ),
    "TripoConversionNode": Node(_convert),
}
DIFFERENCES = {
    "TripoImportModelNode": "The badge is the text 'Free' with no amount; the platform forwards the import "
    "as a free call (and polls its task as a free lookup), so there is no figure to compare.",
}
