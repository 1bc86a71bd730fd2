# ruff: noqa: ARG005 - every builder takes (widgets, inputs); most use only one of them
"""OpenAI's ChatGPT (nodes_openai.py OpenAIChatNode) and Sora 2 (nodes_sora.py OpenAIVideoSora2): what the
nodes send. The modules `openai` and `sora` are declared in tests/nodes/badge_requests.py (SERVED_MODULES)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from tests.nodes.badge_requests import Node, NodeRefuses, Req, one


def _chat(model: str) -> dict[str, Any]:
    return {
        "truncation": "disabled",
        "input": [{"content": [{"text": "p", "type": "input_text"}], "role": "user"}],
        "parallel_tool_calls": True,
        "store": True,
        "stream": False,
        "model": model,
    }


def _sora(w: Mapping[str, Any], inputs: Mapping[str, Any]) -> list[Req]:
    if w["model"] == "sora-2" and w["size"] not in ("720x1280", "1280x720"):
        raise NodeRefuses(w["size"])  # the node's own ValueError
    body = {"model": w["model"], "prompt": "p", "seconds": str(w["duration"]), "size": w["size"]}
    return one(Req("/proxy/openai/v1/videos", body))


NODES = {
    "OpenAIChatNode": Node(lambda w, i: one(Req("/proxy/openai/v1/responses", _chat(w["model"])))),
    "OpenAIVideoSora2": Node(_sora),
}
DIFFERENCES = {
    "OpenAIChatNode": (
        "the per-1K-token rates agree for every model but o3, which the platform prices at OpenAI's list "
        "($2 / $8 per 1M tokens since 2025-06-10) rather than the badge's former $0.01 / $0.04 per 1K; the "
        "call settles on the `usage` tokens OpenAI reports"
    ),
}
