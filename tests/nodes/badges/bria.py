# ruff: noqa: ARG005 - every builder takes (widgets, inputs); these use neither
"""Bria (nodes_bria.py): what each node sends (no badge depends on a widget)."""

from __future__ import annotations

from tests.nodes.badge_requests import URL, Node, Req, one

MODULES = {"bria": "bria"}
LONGEST = 60  # seconds: the video nodes take sources up to 60 s
VIDEO = {"video": URL, "output_container_and_codec": "mp4_h264", "preserve_audio": True, "seed": 1}
EDIT = {
    "instruction": "p",
    "images": [URL],
    "guidance_scale": 3,
    "model_version": "FIBO",
    "steps_num": 50,
    "seed": 1,
}


def _video(path: str, **extra: str) -> Node:
    return Node(
        lambda w, i: one(Req(f"/proxy/bria/v2/video/edit/{path}", {**VIDEO, **extra})), seconds=LONGEST
    )


NODES = {
    "BriaImageEditNode": Node(lambda w, i: one(Req("/proxy/bria/v2/image/edit", EDIT))),
    "BriaRemoveImageBackground": Node(
        lambda w, i: one(Req("/proxy/bria/v2/image/edit/remove_background", {"image": URL, "seed": 1}))
    ),
    "BriaRemoveVideoBackground": _video("remove_background", background_color="Black"),
    "BriaTransparentVideoBackground": _video("remove_background", background_color="Transparent"),
    "BriaVideoGreenScreen": _video("green_screen", green_shade="broadcast_green"),
    "BriaVideoReplaceBackground": _video("replace_background", background_url=URL),
}
DIFFERENCES: dict[str, str] = {}
