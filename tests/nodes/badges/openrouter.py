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
        "the badge is a per-1K-token rate (input-output), not a maximum; the platform holds the request's "
        "input (a token per character, 3,300 per image, 1M per video) and 128,000 output tokens at those "
        "rates (a rate with a fraction of a micro-dollar per 1K tokens rounded up), and settles on the "
        "`usage.cost` OpenRouter reports (else its `usage` tokens)"
    ),
}
