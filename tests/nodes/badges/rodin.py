"""Hyper3D Rodin (nodes_rodin.py): what each node sends for given widget values (multipart forms)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from tests.nodes.badge_requests import Node, Req, one

MODULES = {"rodin": "rodin"}
PATH = "/proxy/rodin/api/v2/rodin"
# The tier each Gen-2.5 mode sends at its defaults (Regular: Gen-2.5-High, Fast: Gen-2.5-Low).
MODE_TIERS = {"Regular": "Gen-2.5-High", "Fast": "Gen-2.5-Low", "Extreme-High": "Gen-2.5-Extreme-High"}


def _legacy(tier: str) -> Any:
    def build(w: Mapping[str, Any], inputs: Mapping[str, Any]) -> list[Req]:
        body = {
            "seed": "0",
            "tier": tier,
            "material": "PBR",
            "quality_override": "18000",
            "mesh_mode": "Quad",
            "TAPose": "False",
        }
        return one(Req(PATH, body, files=("images",)))

    return build


def _gen25(*, image: bool) -> Any:
    def build(w: Mapping[str, Any], inputs: Mapping[str, Any]) -> list[Req]:
        mode = w["mode"]
        body: dict[str, Any] = {
            "tier": w.get("mode.tier") or MODE_TIERS[mode],
            "seed": "0",
            "material": "Shaded",
            "geometry_file_format": "glb",
        }
        if not image:
            body["prompt"] = "p"
        if mode != "Regular":
            body |= {"mesh_mode": "Raw", "quality_override": "20000"}
        if w["addon_highpack"]:
            body["addons"] = ["HighPack"]
        return one(Req(PATH, body, files=("images",) if image else ()))

    return build


NODES = {
    "Rodin3D_Regular": Node(_legacy("Regular")),
    "Rodin3D_Detail": Node(_legacy("Detail")),
    "Rodin3D_Smooth": Node(_legacy("Smooth")),
    "Rodin3D_Sketch": Node(_legacy("Sketch")),
    "Rodin3D_Gen2": Node(_legacy("Gen-2")),
    "Rodin3D_Gen25_Image": Node(_gen25(image=True)),
    "Rodin3D_Gen25_Text": Node(_gen25(image=False)),
}
DIFFERENCES: dict[str, str] = {}
