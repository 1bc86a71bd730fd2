"""QuiverAI (nodes_quiver.py): what each node sends for given widget values."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from tests.nodes.badge_requests import URL, Node, Req, one

MODULES = {"quiver": "quiver"}
SAMPLING = {"temperature": 1.0, "top_p": 1.0, "presence_penalty": 0.0}


def _text(w: Mapping[str, Any], inputs: Mapping[str, Any]) -> list[Req]:
    body = {"model": w["model"], "prompt": "p", "instructions": None, "references": None, **SAMPLING}
    return one(Req("/proxy/quiver/v1/svgs/generations", body))


def _image(w: Mapping[str, Any], inputs: Mapping[str, Any]) -> list[Req]:
    body = {"model": w["model"], "image": {"url": URL}, "auto_crop": None, "target_size": 1024, **SAMPLING}
    return one(Req("/proxy/quiver/v1/svgs/vectorizations", body))


NODES = {"QuiverTextToSVGNode": Node(_text), "QuiverImageToSVGNode": Node(_image)}
DIFFERENCES: dict[str, str] = {}
