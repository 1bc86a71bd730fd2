"""OpenRouter chat completions (sync): held on the input ceiling plus the model's output cap, per 1K tokens;
charged the `usage.cost` OpenRouter reports (its authoritative USD cost), else the `usage` tokens."""

from __future__ import annotations

import math
from decimal import Decimal
from typing import Any

from nodes.engine.types import Call, LineItem, Outcome, Route, Vendor
from nodes.vendors.common import JSON_CAP, SYNC_TTL, Check, choice, dig, text
from nodes.vendors.tokens import IMAGE_TOKENS, token_items, token_prices, usage_tokens

BADGE = (
    "ComfyUI 0.30.0 price badge, nodes_openrouter.py OpenRouterLLMNode (2026-12-08): $ per 1K tokens in / out"
)
# USD per token (prompt, completion) per OpenRouter model id, as the node lists them (MODELS).
RATES: dict[str, tuple[str, str]] = {
    "anthropic/claude-opus-5": ("0.00000715", "0.00003575"),
    "anthropic/claude-opus-4.8": ("0.00000715", "0.00003575"),
    "anthropic/claude-opus-4.7": ("0.00000715", "0.00003575"),
    "anthropic/claude-fable-5": ("0.0000143", "0.0000715"),
    "anthropic/claude-sonnet-5": ("0.00000286", "0.0000143"),
    "anthropic/claude-haiku-4.5": ("0.00000143", "0.00000715"),
    "openai/gpt-5.6-sol-pro": ("0.00000715", "0.0000429"),
    "openai/gpt-5.6-sol": ("0.00000715", "0.0000429"),
    "openai/gpt-5.6-terra-pro": ("0.000003575", "0.00002145"),
    "openai/gpt-5.6-terra": ("0.000003575", "0.00002145"),
    "openai/gpt-5.6-luna-pro": ("0.00000143", "0.00000858"),
    "openai/gpt-5.6-luna": ("0.00000143", "0.00000858"),
    "openai/gpt-5.5-pro": ("0.0000429", "0.0002574"),
    "openai/gpt-5.5": ("0.00000715", "0.0000429"),
    "google/gemini-3.5-flash": ("0.000002145", "0.00001287"),
    "x-ai/grok-4.5": ("0.00000286", "0.00000858"),
    "x-ai/grok-4.20": ("0.0000017875", "0.000003575"),
    "x-ai/grok-4.3": ("0.0000017875", "0.000003575"),
    "deepseek/deepseek-v4-pro": ("0.00000062205", "0.0000012441"),
    "deepseek/deepseek-v4-flash": ("0.00000016016", "0.00000032032"),
    "deepseek/deepseek-v3.2": ("0.00000036036", "0.00000054054"),
    "qwen/qwen3.6-max-preview": ("0.0000014872", "0.0000089232"),
    "qwen/qwen3.6-plus": ("0.00000046475", "0.0000027885"),
    "qwen/qwen3.6-flash": ("0.000000268125", "0.00000160875"),
    "mistralai/mistral-large-2512": ("0.000000715", "0.000002145"),
    "mistralai/mistral-medium-3-5": ("0.000002145", "0.000010725"),
    "z-ai/glm-4.6": ("0.0000006149", "0.0000024882"),
    "z-ai/glm-5": ("0.000000858", "0.0000027456"),
    "moonshotai/kimi-k3": ("0.00000429", "0.00002145"),
    "moonshotai/kimi-k2.6": ("0.0000010439", "0.0000049907"),
    "moonshotai/kimi-k2-thinking": ("0.000000858", "0.000003575"),
    "perplexity/sonar-pro": ("0.00000429", "0.00002145"),
    "perplexity/sonar-reasoning-pro": ("0.00000286", "0.00001144"),
    "perplexity/sonar-deep-research": ("0.00000286", "0.00001144"),
}


def _per_1k(usd_per_token: str) -> int:
    """Micro-dollars per 1K tokens, rounded up where the rate has a fraction of a micro-dollar."""
    return math.ceil(Decimal(usd_per_token) * 1_000_000_000)


MODELS = {model: (_per_1k(rate_in), _per_1k(rate_out)) for model, (rate_in, rate_out) in RATES.items()}
NAMES = {
    "anthropic/claude-opus-5": "Claude Opus 5 (OpenRouter)",
    "anthropic/claude-opus-4.8": "Claude Opus 4.8 (OpenRouter)",
    "anthropic/claude-opus-4.7": "Claude Opus 4.7 (OpenRouter)",
    "anthropic/claude-fable-5": "Claude Fable 5 (OpenRouter)",
    "anthropic/claude-sonnet-5": "Claude Sonnet 5 (OpenRouter)",
    "anthropic/claude-haiku-4.5": "Claude Haiku 4.5 (OpenRouter)",
    "openai/gpt-5.6-sol-pro": "GPT-5.6 Sol Pro (OpenRouter)",
    "openai/gpt-5.6-sol": "GPT-5.6 Sol (OpenRouter)",
    "openai/gpt-5.6-terra-pro": "GPT-5.6 Terra Pro (OpenRouter)",
    "openai/gpt-5.6-terra": "GPT-5.6 Terra (OpenRouter)",
    "openai/gpt-5.6-luna-pro": "GPT-5.6 Luna Pro (OpenRouter)",
    "openai/gpt-5.6-luna": "GPT-5.6 Luna (OpenRouter)",
    "openai/gpt-5.5-pro": "GPT-5.5 Pro (OpenRouter)",
    "openai/gpt-5.5": "GPT-5.5 (OpenRouter)",
    "google/gemini-3.5-flash": "Gemini 3.5 Flash (OpenRouter)",
    "x-ai/grok-4.5": "Grok 4.5 (OpenRouter)",
    "x-ai/grok-4.20": "Grok 4.20 (OpenRouter)",
    "x-ai/grok-4.3": "Grok 4.3 (OpenRouter)",
    "deepseek/deepseek-v4-pro": "DeepSeek V4 Pro (OpenRouter)",
    "deepseek/deepseek-v4-flash": "DeepSeek V4 Flash (OpenRouter)",
    "deepseek/deepseek-v3.2": "DeepSeek V3.2 (OpenRouter)",
    "qwen/qwen3.6-max-preview": "Qwen3.6 Max (preview) (OpenRouter)",
    "qwen/qwen3.6-plus": "Qwen3.6 Plus (OpenRouter)",
    "qwen/qwen3.6-flash": "Qwen3.6 Flash (OpenRouter)",
    "mistralai/mistral-large-2512": "Mistral Large (2512) (OpenRouter)",
    "mistralai/mistral-medium-3-5": "Mistral Medium 3.5 (OpenRouter)",
    "z-ai/glm-4.6": "GLM-4.6 (OpenRouter)",
    "z-ai/glm-5": "GLM-5 (OpenRouter)",
    "moonshotai/kimi-k3": "Kimi K3 (OpenRouter)",
    "moonshotai/kimi-k2.6": "Kimi K2.6 (OpenRouter)",
    "moonshotai/kimi-k2-thinking": "Kimi K2 Thinking (OpenRouter)",
    "perplexity/sonar-pro": "Perplexity Sonar Pro (OpenRouter)",
    "perplexity/sonar-reasoning-pro": "Perplexity Sonar Reasoning Pro (OpenRouter)",
    "perplexity/sonar-deep-research": "Perplexity Sonar Deep Research (OpenRouter)",
}
# The node sends no `max_tokens`: the hold is the longest completion these models write (128K, Claude/GPT).
MAX_OUTPUT = 128_000
# A video block may fill a model's whole context window (Gemini 3.5 Flash, Qwen 3.6: 1M tokens).
VIDEO_TOKENS = 1_048_576


def input_ceiling(messages: Any) -> int:
    """Every character one token, every image IMAGE_TOKENS, every video the context window."""
    total = 0
    for message in messages if isinstance(messages, list) else [messages]:
        content = dig(message, "content")
        blocks = content if isinstance(content, list) else [content]
        for block in blocks:
            kind = dig(block, "type")
            if kind == "video_url":
                total += VIDEO_TOKENS
            elif kind == "image_url":
                total += IMAGE_TOKENS
            else:
                total += len(str(dig(block, "text") if kind == "text" else block))
    return total


def chat_price(call: Call) -> list[LineItem]:
    model = choice(call, "model", default="", allowed=MODELS)
    return token_items(model, input_ceiling(call.body.value("messages")), MAX_OUTPUT)


def usage_cost(data: Any, call: Call) -> int | list[LineItem] | None:
    """`usage.cost` (USD, OpenRouter's own figure, web search included) in micro-dollars, else the tokens."""
    reported = dig(data, "usage", "cost")
    number = isinstance(reported, int | float) and not isinstance(reported, bool)
    if number and math.isfinite(reported) and reported >= 0:
        return math.ceil(Decimal(str(reported)) * 1_000_000)
    found = usage_tokens(dig(data, "usage"), "prompt_tokens", output_key="completion_tokens")
    model = call.body.value("model")
    if model not in MODELS or found is None:
        return None
    return token_items(str(model), *found)


def answered(data: Any, status: int) -> Outcome:
    """A choice with a message is an answer; an `error` body (sent with 200 mid-stream) fails, a refusal is
    moderated."""
    if status >= 400 or dig(data, "error") or not dig(data, "choices", 0, "message"):
        return "failure"
    if (
        dig(data, "choices", 0, "message", "refusal")
        or dig(data, "choices", 0, "finish_reason") == "content_filter"
    ):
        return "moderated"
    return "success"


def _model(call: Call) -> str:
    return str(call.body.value("model") or "")


VENDOR = Vendor(
    name="openrouter",
    title="OpenRouter",
    live_base="https://openrouter.ai",
    sandbox_base="/openrouter",
    key_header="Authorization",
    key_prefix="Bearer ",
    routes=(
        Route(
            "POST",
            "api/v1/chat/completions",
            "/api/v1/chat/completions",
            "sync",
            price=chat_price,
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

CHECKS: dict[str, tuple[Check, ...]] = {
    "POST api/v1/chat/completions": (
        text("model", max_length=100),
        Check("messages", "list", required=True, max_length=100),
        Check("stream", "bool"),
    ),
}
