"""Anthropic Claude (nodes_anthropic.py): what ClaudeNode sends to the messages API."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from tests.nodes.badge_requests import Node, Req, one

MODULES = {"anthropic": "anthropic"}
CLAUDE_MODELS = {
    "Opus 5": "claude-opus-5",
    "Opus 4.8": "claude-opus-4-8",
    "Fable 5": "claude-fable-5",
    "Sonnet 5": "claude-sonnet-5",
    "Opus 4.7": "claude-opus-4-7",
    "Opus 4.6": "claude-opus-4-6",
    "Sonnet 4.6": "claude-sonnet-4-6",
    "Sonnet 4.5": "claude-sonnet-4-5-20250929",
    "Haiku 4.5": "claude-haiku-4-5-20251001",
}


def _message(w: Mapping[str, Any], inputs: Mapping[str, Any]) -> list[Req]:
    body = {
        "model": CLAUDE_MODELS[w["model"]],
        "max_tokens": w.get("model.max_tokens", 32768),
        "messages": [{"role": "user", "content": [{"type": "text", "text": "p"}]}],
    }
    return one(Req("/proxy/anthropic/v1/messages", body))


# The badge is the model's (input, output) rate per 1K tokens; test_price_badges compares those rates.
NODES = {"ClaudeNode": Node(_message)}
