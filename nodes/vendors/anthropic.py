"""Anthropic Claude messages (sync): held on the input ceiling plus `max_tokens`, charged on `usage`."""

from __future__ import annotations

from typing import Any

from nodes.engine.types import Call, LineItem, Outcome, Route, Vendor
from nodes.vendors.common import JSON_CAP, SYNC_TTL, Check, choice, dig, integer
from nodes.vendors.tokens import input_token_ceiling, token_items, token_prices, usage_tokens

BADGE = "ComfyUI 0.30.0 price badge, nodes_anthropic.py ClaudeNode (2026-12-07): $ per 1K tokens in / out"
# Micro-dollars per 1K input / output tokens, per model id the node sends (CLAUDE_MODELS).
MODELS = {
    "claude-opus-5": (7_150, 35_750),
    "claude-opus-4-8": (7_150, 35_750),
    "claude-fable-5": (14_300, 71_500),
    "claude-sonnet-5": (2_860, 14_300),
    "claude-opus-4-7": (5_000, 25_000),
    "claude-opus-4-6": (5_000, 25_000),
    "claude-sonnet-4-6": (3_000, 15_000),
    "claude-sonnet-4-5-20250929": (3_000, 15_000),
    "claude-haiku-4-5-20251001": (1_000, 5_000),
}
NAMES = {
    "claude-opus-5": "Claude Opus 5",
    "claude-opus-4-8": "Claude Opus 4.8",
    "claude-fable-5": "Claude Fable 5",
    "claude-sonnet-5": "Claude Sonnet 5",
    "claude-opus-4-7": "Claude Opus 4.7",
    "claude-opus-4-6": "Claude Opus 4.6",
    "claude-sonnet-4-6": "Claude Sonnet 4.6",
    "claude-sonnet-4-5-20250929": "Claude Sonnet 4.5",
    "claude-haiku-4-5-20251001": "Claude Haiku 4.5",
}
MAX_OUTPUT = 128_000
# Input Anthropic bills beyond `input_tokens`: prompt-cache writes and reads.
INPUT_KEYS = ("input_tokens", "cache_creation_input_tokens", "cache_read_input_tokens")


def messages_price(call: Call) -> list[LineItem]:
    model = choice(call, "model", default="claude-sonnet-4-6", allowed=MODELS)
    limit = integer(call, "max_tokens", default=MAX_OUTPUT, low=1, high=MAX_OUTPUT)
    prompt = [call.body.value("system"), call.body.value("messages")]
    return token_items(model, input_token_ceiling(prompt), limit)


def usage_cost(data: Any, call: Call) -> list[LineItem] | None:
    model = call.body.value("model")
    found = usage_tokens(dig(data, "usage"), *INPUT_KEYS)
    if model not in MODELS or found is None:
        return None
    return token_items(str(model), *found)


def answered(data: Any, status: int) -> Outcome:
    """A message is an answer; Claude's safety refusal (`stop_reason: refusal`) is moderated."""
    if status >= 400 or dig(data, "type") != "message":
        return "failure"
    return "moderated" if dig(data, "stop_reason") == "refusal" else "success"


def _model(call: Call) -> str:
    return str(call.body.value("model") or "")


VENDOR = Vendor(
    name="anthropic",
    title="Anthropic",
    live_base="https://api.anthropic.com",
    sandbox_base="/anthropic",
    key_header="x-api-key",
    extra_headers={"anthropic-version": "2023-06-01"},
    routes=(
        Route(
            "POST",
            "v1/messages",
            "/v1/messages",
            "sync",
            price=messages_price,
            model=_model,
            status=answered,
            cost=usage_cost,
            max_bytes=JSON_CAP,
            ttl=SYNC_TTL,
            timeout_seconds=600,
        ),
    ),
    prices=token_prices(MODELS, BADGE),
    model_names=NAMES,
)

CHECKS: dict[str, tuple[Check, ...]] = {}
