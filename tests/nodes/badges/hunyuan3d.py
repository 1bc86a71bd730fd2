# ruff: noqa: ARG005 - every builder takes (widgets, inputs); most use only one of them
"""Tencent Hunyuan 3D (nodes_hunyuan3d.py): what each node sends for given widget values and connected
inputs. Only the Pro nodes' badges vary (generate type, PBR, face count, extra views)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from tests.nodes.badge_requests import URL, Node, NodeRefuses, Req, one

MODULES = {"hunyuan3d": "tencent"}
BASE = "/proxy/tencent/hunyuan"
GENERATE_TYPES = {"normal": "Normal", "lowpoly": "LowPoly", "geometry": "Geometry"}
VIEWS = ("image_left", "image_right", "image_back")


def _pro(source: Mapping[str, Any], w: Mapping[str, Any], views: list[dict[str, str]]) -> list[Req]:
    kind = GENERATE_TYPES[str(w["generate_type"]).lower()]
    if w["model"] == "3.1" and kind == "LowPoly":
        raise NodeRefuses("LowPoly is unavailable for the 3.1 model")
    body: dict[str, Any] = {
        "Model": w["model"],
        **source,
        "EnablePBR": w.get("generate_type.pbr"),
        "FaceCount": w["face_count"],
        "GenerateType": kind,
        "PolygonType": w.get("generate_type.polygon_type"),
    }
    if views:
        body["MultiViewImages"] = views
    return one(Req(f"{BASE}/3d-pro", body))


def _image(w: Mapping[str, Any], inputs: Mapping[str, Any]) -> list[Req]:
    views = [{"ViewType": v.removeprefix("image_"), "ViewImageUrl": URL} for v in VIEWS if inputs.get(v)]
    return _pro({"ImageUrl": URL}, w, views)


def _file(kind: str, field: str, file_type: str, **extra: Any) -> Node:
    return Node(lambda w, i: one(Req(f"{BASE}/{kind}", {field: {"Type": file_type, "Url": URL}, **extra})))


NODES = {
    "TencentTextToModelNode": Node(lambda w, i: _pro({"Prompt": "p"}, w, [])),
    "TencentImageToModelNode": Node(_image),
    "TencentModelTo3DUVNode": _file("3d-uv", "File", "GLB"),
    "Tencent3DTextureEditNode": _file("3d-texture-edit", "File3D", "FBX", Prompt="p", EnablePBR=True),
    "Tencent3DPartNode": _file("3d-part", "File", "FBX", EnableStagedGeneration=True),
    "TencentSmartTopologyNode": _file(
        "3d-smart-topology", "File3D", "GLB", PolygonType="triangle", FaceLevel="medium"
    ),
}
DIFFERENCES: dict[str, str] = {}
