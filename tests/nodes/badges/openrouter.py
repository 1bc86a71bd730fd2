# ruff: noqa: ARG005 - every builder takes (widgets, inputs); most use only one of them
"""OpenRouter (nodes_openrouter.py): what the node sends to OpenRouter's chat completions."""

from __future__ import annotations

from tests.nodes.badge_requests import Node, Req, one

MODULES = {"openrouter": "openrouter"}


def _body(model: str) -> dict[str, object]:
    return {"model": model, "messages": [{"role": "user", "content": "p"}], "stream": False}


NODES = {
    "OpenRouterLLMNode": Node(
        lambda w, i: one(Req("/proxy/openrouter/api/v1/chat/completions", _body(w["model"])))
    ),
}
DIFFERENCES = {
    "OpenRouterLLMNode": (
        "the per-1K-token rates agree but for 7 of 34 models whose rate has a fraction of a micro-dollar "
        "per 1K tokens (e.g. deepseek/deepseek-v4-pro): the badge rounds it to the nearest micro-dollar, the "
        "platform rounds it up, so the hold is never short; the call settles on the `usage.cost` OpenRouter "
        "reports"
    ),
}
