"""Beeble SwitchX (nodes_beeble.py): what each node sends for given widget values."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from tests.nodes.badge_requests import URL, Node, Req, one

MODULES = {"beeble": "beeble"}
PATH = "/proxy/beeble/v1/switchx/generations"


def _switchx(kind: str) -> Callable[[Mapping[str, Any], Mapping[str, Any]], list[Req]]:
    def build(w: Mapping[str, Any], inputs: Mapping[str, Any]) -> list[Req]:
        body = {
            "generation_type": kind,
            "source_uri": URL,
            "alpha_mode": w.get("alpha_mode", "auto"),
            "prompt": "p",
            "max_resolution": 1080 if w["max_resolution"] == "1080p" else 720,
        }
        return one(Req(PATH, body))

    return build


NODES = {
    "BeebleSwitchXImageEdit": Node(_switchx("image")),
    "BeebleSwitchXVideoEdit": Node(_switchx("video")),
}
DIFFERENCES = {
    "BeebleSwitchXVideoEdit": (
        "the badge is a rate per 30 source frames; Beeble reports neither the frames it rendered nor a cost, "
        "and the request carries only the source's URL, so the platform holds and charges the longest source "
        "Beeble accepts (240 frames = 8 x the rate)"
    ),
}
