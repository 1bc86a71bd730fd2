"""BFL FLUX 3 video (nodes_bfl.py Flux3*VideoNode): what each node sends for given widget values.

The module (bfl) is declared in tests/nodes/badge_requests.py. The badge is a rate per second when the
duration is "auto": compared over the node's longest clip, 20 s, which is what the platform holds.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from tests.nodes.badge_requests import URL, Node, Req, one

PATH = "/proxy/bfl/v1/flux-3-video"
RESOLUTIONS = {"720p": "hd", "1080p": "fhd"}
LONGEST = 20


def _flux3(
    mode: str, extra: Mapping[str, Any]
) -> Callable[[Mapping[str, Any], Mapping[str, Any]], list[Req]]:
    def build(w: Mapping[str, Any], inputs: Mapping[str, Any]) -> list[Req]:
        duration = w["duration"]
        body = {
            "prompt": "p",
            "aspect_ratio": "auto",
            "duration": duration if duration == "auto" else int(duration),
            "resolution": RESOLUTIONS[w["resolution"]],
            "generate_audio": True,
            "safety_tolerance": 2,
            "mode": mode,
            **extra,
        }
        return one(Req(PATH, body))

    return build


NODES = {
    "Flux3TextToVideoNode": Node(_flux3("t2v", {}), seconds=LONGEST),
    "Flux3ImageToVideoNode": Node(_flux3("i2v", {"keyframes": [URL]}), seconds=LONGEST),
    "Flux3VideoContinuationNode": Node(_flux3("v2v", {"start_video": URL}), seconds=LONGEST),
}
