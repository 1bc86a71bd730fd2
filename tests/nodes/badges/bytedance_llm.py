# ruff: noqa: ARG005 - every builder takes (widgets, inputs); most use only one of them
"""ByteDance Seed LLM (nodes_bytedance_llm.py): what the node sends to BytePlus's Responses API."""

from __future__ import annotations

from tests.nodes.badge_requests import Node, Req, one

MODULES = {"bytedance_llm": "byteplus"}
SEED_MODELS = {
    "Seed 2.0 Pro": "seed-2-0-pro-260328",
    "Seed 2.0 Lite": "seed-2-0-lite-260228",
    "Seed 2.0 Mini": "seed-2-0-mini-260215",
}


def _body(model: str) -> dict[str, object]:
    content = [{"type": "input_text", "text": "p"}]
    return {
        "model": model,
        "input": [{"type": "message", "role": "user", "content": content}],
        "temperature": 1.0,
        "store": False,
        "stream": False,
    }


# The badge is the model's (input, output) rate per 1K tokens; test_price_badges compares those rates.
NODES = {
    "ByteDanceSeedNode": Node(
        lambda w, i: one(Req("/proxy/byteplus/api/v3/responses", _body(SEED_MODELS[w["model"]])))
    ),
}
