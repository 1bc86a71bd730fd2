"""sync.so (nodes_sync_so.py): what each node sends for given widget values."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from tests.nodes.badge_requests import URL, Node, Req, one

MODULES = {"sync_so": "synclabs"}
PATH = "/proxy/synclabs/v2/generate"
LONGEST = 600  # seconds: ComfyUI refuses audio (and video) over 600 s; the output is at most that long


def _lipsync(w: Mapping[str, Any], inputs: Mapping[str, Any]) -> list[Req]:
    body = {
        "model": "sync-3",
        "input": [{"type": "video", "url": URL}, {"type": "audio", "url": URL}],
        "options": {"sync_mode": w.get("model.sync_mode", "bounce")},
    }
    return one(Req(PATH, body))


def _talking_image(w: Mapping[str, Any], inputs: Mapping[str, Any]) -> list[Req]:
    body = {
        "model": "sync-3",
        "input": [{"type": "image", "url": URL}, {"type": "audio", "url": URL}],
        "options": {"i2v_prompt": "p"},
    }
    return one(Req(PATH, body))


NODES = {
    "SyncLipSyncNode": Node(_lipsync, seconds=LONGEST),
    "SyncTalkingImageNode": Node(_talking_image, seconds=LONGEST),
}
DIFFERENCES: dict[str, str] = {}
