"""Token pricing shared by the text models (Anthropic, OpenAI Responses, OpenRouter, BytePlus): the hold is
the request's input ceiling plus its output-token limit, the charge the `usage` the reply reports. Prices
are per 1K tokens (the badges' unit) so they stay whole micro-dollars; token counts round up to 1K."""

from __future__ import annotations

import math
from typing import Any

from nodes.engine.types import LineItem

# An image costs a vision model at most this many input tokens (Anthropic: 1568 x 1568 px / 750).
IMAGE_TOKENS = 3_300
IMAGE_KEYS = frozenset({"image", "image_url", "source", "input_image", "file_data"})


def input_token_ceiling(value: Any) -> int:
    """Every character of the request's text counts as one token (a token is never shorter than one
    character), and every image counts as IMAGE_TOKENS whatever its encoded size."""
    if isinstance(value, str):
        return len(value)
    if isinstance(value, dict):
        if value.get("type") in ("image", "image_url", "input_image"):
            return IMAGE_TOKENS
        return sum(len(str(key)) + input_token_ceiling(item) for key, item in value.items())
    if isinstance(value, list):
        return sum(input_token_ceiling(item) for item in value)
    return len(str(value))


def thousands(tokens: int) -> int:
    return max(0, math.ceil(tokens / 1000))


def token_items(model: str, tokens_in: int, tokens_out: int) -> list[LineItem]:
    return [
        LineItem(f"{model}/input_1k_tokens", thousands(tokens_in)),
        LineItem(f"{model}/output_1k_tokens", thousands(tokens_out)),
    ]


def usage_tokens(usage: Any, *input_keys: str, output_key: str = "output_tokens") -> tuple[int, int] | None:
    """(input, output) tokens from a `usage` block, summing the input keys present; None when malformed."""
    if not isinstance(usage, dict):
        return None
    values = [usage.get(key) for key in input_keys]
    out = usage.get(output_key)
    if not isinstance(out, int) or isinstance(out, bool) or out < 0:
        return None
    total = 0
    for value in values:
        if value is None:
            continue
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            return None
        total += value
    return total, out


def token_prices(models: dict[str, tuple[int, int]], source: str) -> dict[str, tuple[str, int, str]]:
    """Price rows "<model>/input_1k_tokens" and "…/output_1k_tokens" in micro-dollars per 1K tokens."""
    rows: dict[str, tuple[str, int, str]] = {}
    for model, (per_in, per_out) in models.items():
        rows[f"{model}/input_1k_tokens"] = ("1K tokens", per_in, source)
        rows[f"{model}/output_1k_tokens"] = ("1K tokens", per_out, source)
    return rows
