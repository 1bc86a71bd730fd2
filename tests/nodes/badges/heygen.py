# ruff: noqa: ARG005 - every builder takes (widgets, inputs); most use only one of them
"""HeyGen (nodes_heygen.py): what each node sends for given widget values."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from tests.nodes.badge_requests import URL, Node, Req, one

MODULES = {"heygen": "heygen"}
LONGEST = 600  # seconds: the nodes take audio up to 10 minutes (scripts up to 5,000 characters)
# engine widget → the engine the node sends for the first avatar it lists (auto: "Annie Lounge Standing
# Side" supports avatar_v, avatar_iv and avatar_iii; the node prefers avatar_iv).
ENGINE_SENT = {
    "auto": "avatar_iv",
    "avatar_iv": "avatar_iv",
    "avatar_iii": "avatar_iii",
    "avatar_v": "avatar_v",
}
SPEECH = {"script": "hello", "voice_id": "v1"}


def _talking_photo(w: Mapping[str, Any], inputs: Mapping[str, Any]) -> list[Req]:
    body = {"type": "image", "image": {"type": "url", "url": URL}, "resolution": "1080p", **SPEECH}
    return one(Req("/proxy/heygen/v3/videos", body))


def _avatar_video(w: Mapping[str, Any], inputs: Mapping[str, Any]) -> list[Req]:
    body = {"type": "avatar", "avatar_id": "a1", "engine": {"type": ENGINE_SENT[w["engine"]]}, **SPEECH}
    return one(Req("/proxy/heygen/v3/videos", body))


def _translate(w: Mapping[str, Any], inputs: Mapping[str, Any]) -> list[Req]:
    body = {"video": {"type": "url", "url": URL}, "output_languages": ["Spanish"], "mode": w["mode"]}
    return one(Req("/proxy/heygen/v3/video-translations", body))


NODES = {
    "HeyGenTalkingPhotoNode": Node(_talking_photo, seconds=LONGEST),
    "HeyGenAvatarVideoNode": Node(_avatar_video, seconds=LONGEST),
    "HeyGenCreateAvatarNode": Node(
        lambda w, i: one(Req("/proxy/heygen/v3/avatars", {"name": "A", "type": "prompt", "prompt": "p"}))
    ),
    "HeyGenVideoTranslateNode": Node(_translate, seconds=LONGEST),
    "HeyGenTextToSpeechNode": Node(
        lambda w, i: one(
            Req("/proxy/heygen/v3/voices/speech", {"text": "hi", "voice_id": "v1", "speed": 1.0})
        ),
        seconds=LONGEST,
    ),
}
DIFFERENCES: dict[str, str] = {}
