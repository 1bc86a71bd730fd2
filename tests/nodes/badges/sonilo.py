# ruff: noqa: ARG005 - every builder takes (widgets, inputs); most use only one of them
"""Sonilo (nodes_sonilo.py): what each node sends for given widget values (urlencoded forms)."""

from __future__ import annotations

from tests.nodes.badge_requests import URL, Node, Req, one

MODULES = {"sonilo": "sonilo"}
LONGEST = 360  # seconds: SoniloVideoToMusic uploads videos up to 6 minutes (max_duration=360)

NODES = {
    "SoniloTextToMusic": Node(
        lambda w, i: one(Req("/proxy/sonilo/t2m/generate", {"prompt": "p", "duration": str(w["duration"])}))
    ),
    "SoniloVideoToMusic": Node(
        lambda w, i: one(Req("/proxy/sonilo/v2m/generate", {"video_url": URL})), seconds=LONGEST
    ),
}
DIFFERENCES: dict[str, str] = {}
