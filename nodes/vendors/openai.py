"""OpenAI images (DALL·E 2, DALL·E 3, GPT-Image): sync; GPT-Image settles on its `usage` tokens.
Responses (ChatGPT, nodes_openai.py OpenAIChatNode): submit → poll `responses/{id}`, held on the input ceiling
plus the output limit, settled on `usage`. Sora 2 (nodes_sora.py): submit → poll `videos/{id}` → binary
download `videos/{id}/content`, priced per second by model and size."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from comfyweb.errors import ApiError
from nodes.engine.types import Call, LineItem, Outcome, Poll, Route, Vendor
from nodes.vendors.common import (
    JSON_CAP,
    MULTIPART_CAP,
    SYNC_TTL,
    VIDEO_TTL,
    Check,
    choice,
    delivered_seconds,
    dig,
    each,
    integer,
    param,
    seconds,
    status_of,
    text,
    text_id,
)
from nodes.vendors.tokens import IMAGE_TOKENS as SHARED_IMAGE_TOKENS
from nodes.vendors.tokens import input_token_ceiling, token_items, token_prices, usage_tokens

BADGE = "ComfyUI price badge (ComfyUI_frontend useNodePricing.ts)"
DALLE2_SOURCE = f"{BADGE}, OpenAIDalle2: $0.016 / $0.018 / $0.02 x n for 256 / 512 / 1024"
DALLE3_SOURCE = f"{BADGE}, OpenAIDalle3: $0.04 / $0.08 standard, $0.08 / $0.12 hd (square / wide)"
GPT_SOURCE = (
    f"{BADGE}, OpenAIGPTImage1 ($0.011-0.02 low, $0.046-0.07 medium, $0.167-0.30 high incl. input): "
    "OpenAI's gpt-image-1 per-image output price; a ceiling for the hold, the call settles on `usage`"
)
PER_UNIT_SOURCE = "OpenAI per-token price (comfy-contract §6.11: $/1M tokens in/out)"
ALLOWANCE = "platform allowance for GPT-Image input tokens (prompt, input images); settled on `usage`"
DALLE2 = {"256x256": 16_000, "512x512": 18_000, "1024x1024": 20_000}
DALLE3 = {
    ("standard", "1024x1024"): 40_000,
    ("standard", "1024x1792"): 80_000,
    ("standard", "1792x1024"): 80_000,
    ("hd", "1024x1024"): 80_000,
    ("hd", "1024x1792"): 120_000,
    ("hd", "1792x1024"): 120_000,
}
# Output price per image by quality and size (the largest size for "auto").
GPT_IMAGE = {
    ("low", "square"): 11_000,
    ("low", "wide"): 16_000,
    ("medium", "square"): 42_000,
    ("medium", "wide"): 63_000,
    ("high", "square"): 167_000,
    ("high", "wide"): 250_000,
}
GPT_MODELS = {"gpt-image-1": (10, 40), "gpt-image-1.5": (8, 32), "gpt-image-2": (8, 30)}  # µ$ per token
SIZES = ("1024x1024", "1024x1536", "1536x1024", "auto")
# gpt-image-2 also makes 2K and 4K images and custom sizes (ComfyUI 0.30.0 nodes_openai.py: multiples of 16,
# longest edge <= 3840, aspect <= 3:1, 655,360-8,294,400 pixels). Its badge gives one range per quality
# whatever the size; the hold is the top of that range (the largest image), settled on `usage` tokens.
GPT2_SIZES = (*SIZES, "2048x2048", "2048x1152", "1152x2048", "3840x2160", "2160x3840")
GPT2_SOURCE = (
    "ComfyUI 0.30.0 price badge (nodes_openai.py, OpenAIGPTImageNodeV2): gpt-image-2 $0.0058-0.0228 low, "
    "$0.0492-0.2016 medium, $0.198-0.804 high per image; the top of the range is held, settled on `usage`"
)
GPT2_IMAGE = {"low": 22_800, "medium": 201_600, "high": 804_000}
CUSTOM_PIXELS = (655_360, 8_294_400)


def custom_size(value: Any) -> bool:
    """A gpt-image-2 custom size as the node builds it ("WxH"): the limits OpenAI states for the model."""
    if not isinstance(value, str) or value.count("x") != 1:
        return False
    width_text, height_text = value.split("x")
    if not (
        width_text.isdigit() and height_text.isdigit() and len(width_text) <= 5 and len(height_text) <= 5
    ):
        return False
    width, height = int(width_text), int(height_text)
    if not width or not height or width % 16 or height % 16 or max(width, height) > 3840:
        return False
    return (
        max(width, height) <= 3 * min(width, height)
        and CUSTOM_PIXELS[0] <= width * height <= CUSTOM_PIXELS[1]
    )


def _gpt_items(call: Call, model: str, input_images: int) -> list[LineItem]:
    quality = choice(call, "quality", default="auto", allowed=("low", "medium", "high", "auto"))
    count = integer(call, "n", default=1, low=1, high=10)
    tier = "high" if quality == "auto" else quality
    if model == "gpt-image-2":
        size = call.body.value("size")
        if not custom_size(size):
            choice(call, "size", default="auto", allowed=GPT2_SIZES)
        output = LineItem(f"gpt-image-2/{tier}", count)
    else:
        size = choice(call, "size", default="auto", allowed=SIZES)
        output = LineItem(f"gpt-image/{tier}/{'square' if size == '1024x1024' else 'wide'}", count)
    items = [output, LineItem("gpt-image/input_allowance", 1)]
    if input_images:
        items.append(LineItem("gpt-image/input_image", input_images))
    return items


def _items(call: Call, input_images: int) -> list[LineItem]:
    model = choice(call, "model", default="dall-e-2", allowed=("dall-e-2", "dall-e-3", *GPT_MODELS))
    if model in GPT_MODELS:
        return _gpt_items(call, model, input_images)
    if model == "dall-e-3":
        if integer(call, "n", default=1, low=1, high=1) != 1:
            raise ApiError(400, "invalid_request", "DALL·E 3 makes one image per request.")
        quality = choice(call, "quality", default="standard", allowed=("standard", "hd"))
        size = choice(call, "size", default="1024x1024", allowed=("1024x1024", "1024x1792", "1792x1024"))
        return each(f"dall-e-3/{quality}/{size}")
    size = choice(call, "size", default="1024x1024", allowed=DALLE2)
    return each(f"dall-e-2/{size}", integer(call, "n", default=1, low=1, high=10))


def generations_price(call: Call) -> list[LineItem]:
    return _items(call, 0)


def edits_price(call: Call) -> list[LineItem]:
    images = sum(1 for name in call.body.files if name in ("image", "image[]"))
    if not images:
        raise ApiError(400, "invalid_request", "An image file is required.")
    return _items(call, images)


def usage_cost(data: Any, call: Call) -> list[LineItem] | None:
    model = call.body.value("model")
    usage = dig(data, "usage")
    if model not in GPT_MODELS or not isinstance(usage, dict):
        return None
    tokens_in, tokens_out = usage.get("input_tokens"), usage.get("output_tokens")
    if not isinstance(tokens_in, int) or not isinstance(tokens_out, int) or min(tokens_in, tokens_out) < 0:
        return None
    return [LineItem(f"{model}/input_token", tokens_in), LineItem(f"{model}/output_token", tokens_out)]


def delivered(data: Any, status: int) -> Outcome:
    first = dig(data, "data", 0)
    return "success" if isinstance(first, dict) and (first.get("b64_json") or first.get("url")) else "failure"


# --- Responses (ChatGPT) ------------------------------------------------------------------------------------
RESPONSES_BADGE = (
    "ComfyUI 0.30.0 price badge, nodes_openai.py OpenAIChatNode (2026-12-08): $ per 1K tokens in / out"
)
O3_SOURCE = (
    "OpenAI's list price for o3 since 2025-06-10 ($2 / $8 per 1M tokens, platform.openai.com/docs/pricing); "
    "the ComfyUI 0.30.0 badge still shows the former $0.01 / $0.04 per 1K"
)
LONG_SOURCE = (
    "OpenAI's long-context rate for its 1M-context models: a request of more than 272K input tokens is "
    "billed 2x input and 1.5x output (platform.openai.com/docs/pricing)"
)


@dataclass(frozen=True)
class TextModel:
    name: str  # the human name on the pricing page
    per_1k: tuple[int, int]  # micro-USD per 1K input / output tokens
    max_output: int  # OpenAI's output-token limit for the model (reasoning included)
    max_input: int  # the context window less the output reserve: no request carries more input
    long_context: bool = False  # priced 2x input / 1.5x output above LONG_INPUT input tokens


LONG_INPUT = 272_000
TEXT_MODELS = {
    "gpt-5.6-sol": TextModel("GPT-5.6 Sol", (5_000, 30_000), 128_000, 1_050_000, long_context=True),
    "gpt-5.6-terra": TextModel("GPT-5.6 Terra", (2_500, 15_000), 128_000, 1_050_000, long_context=True),
    "gpt-5.6-luna": TextModel("GPT-5.6 Luna", (1_000, 6_000), 128_000, 1_050_000, long_context=True),
    "gpt-5.5-pro": TextModel("GPT-5.5 Pro", (30_000, 180_000), 128_000, 1_050_000, long_context=True),
    "gpt-5.5": TextModel("GPT-5.5", (5_000, 30_000), 128_000, 1_050_000, long_context=True),
    "gpt-5": TextModel("GPT-5", (1_250, 10_000), 128_000, 272_000),
    "gpt-5-mini": TextModel("GPT-5 mini", (250, 2_000), 128_000, 272_000),
    "gpt-5-nano": TextModel("GPT-5 nano", (50, 400), 128_000, 272_000),
    "gpt-4.1": TextModel("GPT-4.1", (2_000, 8_000), 32_768, 1_047_576),
    "gpt-4.1-mini": TextModel("GPT-4.1 mini", (400, 1_600), 32_768, 1_047_576),
    "gpt-4.1-nano": TextModel("GPT-4.1 nano", (100, 400), 32_768, 1_047_576),
    "o4-mini": TextModel("o4-mini", (1_100, 4_400), 100_000, 200_000),
    "o3": TextModel("o3", (2_000, 8_000), 100_000, 200_000),
    "o1-pro": TextModel("o1-pro", (150_000, 600_000), 100_000, 200_000),
    "o1": TextModel("o1", (15_000, 60_000), 100_000, 200_000),
}
# An input image costs at most this many tokens: OpenAI's patch-based models read up to 1536 patches at up to
# 2.46 tokens each (gpt-4.1-nano), above the shared ceiling's IMAGE_TOKENS; tile-based ones far less.
IMAGE_TOKENS = 3_800
# A PDF is read as its text plus an image of each page, and OpenAI takes at most 100 pages per request.
FILE_TOKENS = 100 * IMAGE_TOKENS
# Request fields the node never sends that would add cost the hold cannot see (hosted tools, the input of
# other stored responses, conversations or prompt templates), read another caller's stored responses through
# the platform's key (`previous_response_id`, `conversation`), or run past the hold (`background`).
UNPRICED_FIELDS = ("tools", "previous_response_id", "conversation", "prompt", "background")
# Not a background call: OpenAI answers when the reply is done, which a large reasoning model may take long.
RESPONSE_SECONDS = 1800
RESPONSE_TTL = timedelta(seconds=RESPONSE_SECONDS, minutes=40)
SERVICE_TIERS = ("auto", "default", "flex")


def _text_model(call: Call) -> tuple[str, TextModel]:
    model = choice(call, "model", default="", allowed=TEXT_MODELS)
    return model, TEXT_MODELS[model]


def _count_of(value: Any, kind: str) -> int:
    """How many content parts of `kind` (`input_image`, `input_file`) a request's input carries."""
    if isinstance(value, dict):
        own = 1 if value.get("type") == kind else 0
        return own + sum(_count_of(item, kind) for item in value.values())
    if isinstance(value, list):
        return sum(_count_of(item, kind) for item in value)
    return 0


def responses_input_ceiling(call: Call, spec: TextModel) -> int:
    """Every character a token, every image IMAGE_TOKENS, every file FILE_TOKENS more; at most the model's
    input window."""
    prompt = [call.body.value("instructions"), call.body.value("input")]
    images = _count_of(prompt, "input_image")
    files = _count_of(prompt, "input_file")
    extra = images * (IMAGE_TOKENS - SHARED_IMAGE_TOKENS) + files * FILE_TOKENS
    ceiling = input_token_ceiling(prompt) + extra
    return min(spec.max_input, ceiling)


def _priced_as(model: str, spec: TextModel, tokens_in: int) -> str:
    return f"{model}/long" if spec.long_context and tokens_in > LONG_INPUT else model


def responses_price(call: Call) -> list[LineItem]:
    model, spec = _text_model(call)
    for name in UNPRICED_FIELDS:
        if call.body.value(name) not in (None, [], ""):
            raise ApiError(400, "invalid_request", f"The field {name!r} is not supported here.")
    if call.body.value("stream") not in (None, False):
        raise ApiError(400, "invalid_request", "Streaming responses are not supported.")
    choice(call, "service_tier", default="auto", allowed=SERVICE_TIERS)
    limit = integer(call, "max_output_tokens", default=spec.max_output, low=16, high=spec.max_output)
    tokens_in = responses_input_ceiling(call, spec)
    return token_items(_priced_as(model, spec, tokens_in), tokens_in, limit)


def _usage_items(model: str, usage: Any) -> list[LineItem] | None:
    spec = TEXT_MODELS.get(model)
    found = usage_tokens(usage, "input_tokens")
    if spec is None or found is None:
        return None
    return token_items(_priced_as(model, spec, found[0]), *found)


def responses_cost(data: Any, call: Call) -> list[LineItem] | None:
    """A finished reply's `usage` (the node's call is not a background one: it answers finished)."""
    if dig(data, "status") not in ("completed", "incomplete"):
        return None
    return _usage_items(str(call.body.value("model")), dig(data, "usage"))


SNAPSHOT = re.compile(r"(.+)-\d{4}-\d{2}-\d{2}")


def reported_model(value: Any) -> str | None:
    """The model a reply names: the alias asked for, or its dated snapshot (`gpt-4.1-2025-04-14`)."""
    if not isinstance(value, str):
        return None
    if value in TEXT_MODELS:
        return value
    alias = SNAPSHOT.fullmatch(value)
    return alias.group(1) if alias and alias.group(1) in TEXT_MODELS else None


def response_settled(data: Any, context: Mapping[str, str]) -> list[LineItem] | None:
    model = reported_model(dig(data, "model"))
    return _usage_items(model, dig(data, "usage")) if model else None


def response_status(data: Any, http_status: int) -> Outcome:
    """`queued` / `in_progress` → pending; `completed` and `incomplete` are the node's results (OpenAI bills
    the tokens either way), but an answer the content filter stopped is moderated; `failed` / `cancelled`."""
    status = dig(data, "status")
    if status == "incomplete" and dig(data, "incomplete_details", "reason") == "content_filter":
        return "moderated"
    if status in ("completed", "incomplete"):
        return "success"
    if status in ("failed", "cancelled"):
        return "failure"
    return "pending"


def response_id(data: Any) -> str | None:
    return text_id(dig(data, "id"))


def _text_model_name(call: Call) -> str:
    return str(call.body.value("model") or "")


RESPONSES_PRICES = {
    **token_prices(
        {model: spec.per_1k for model, spec in TEXT_MODELS.items() if model != "o3"}, RESPONSES_BADGE
    ),
    **token_prices({"o3": TEXT_MODELS["o3"].per_1k}, O3_SOURCE),
    **token_prices(
        {
            f"{model}/long": (spec.per_1k[0] * 2, spec.per_1k[1] * 3 // 2)
            for model, spec in TEXT_MODELS.items()
            if spec.long_context
        },
        LONG_SOURCE,
    ),
}


# --- Sora 2 video -------------------------------------------------------------------------------------------
SORA_SOURCE = (
    "ComfyUI 0.30.0 price badge, nodes_sora.py OpenAIVideoSora2 (2026-12-08): sora-2 $0.10/s; sora-2-pro "
    "$0.30/s at 720x1280 / 1280x720, $0.50/s at 1024x1792 / 1792x1024 (OpenAI's list, the same)"
)
# Micro-USD per second by model and size (either orientation); sora-2 makes only the 720p sizes.
SORA = {
    ("sora-2", "720p"): 100_000,
    ("sora-2-pro", "720p"): 300_000,
    ("sora-2-pro", "1792p"): 500_000,
}
SORA_SIZES = {"720x1280": "720p", "1280x720": "720p", "1024x1792": "1792p", "1792x1024": "1792p"}
SORA_SECONDS = (4, 8, 12)


def video_price(call: Call) -> list[LineItem]:
    """OpenAI's defaults when a field is absent: sora-2, 4 s, 720x1280."""
    model = choice(call, "model", default="sora-2", allowed=("sora-2", "sora-2-pro"))
    size = SORA_SIZES[choice(call, "size", default="720x1280", allowed=SORA_SIZES)]
    length = seconds(call, "seconds", default=4, low=4, high=12)
    if (model, size) not in SORA:
        raise ApiError(400, "invalid_request", "sora-2 makes only 720x1280 and 1280x720 videos.")
    if length not in SORA_SECONDS:
        raise ApiError(400, "invalid_request", "seconds must be 4, 8 or 12.")
    return each(f"{model}/{size}", length)


def video_id(data: Any) -> str | None:
    return text_id(dig(data, "id"))


def _video_model(call: Call) -> str:
    return str(call.body.value("model") or "sora-2")


# `queued` → `in_progress` → `completed` | `failed` (OpenAI's video job statuses).
VIDEO_STATUS = status_of("status", success=("completed",), failure=("failed", "cancelled"))


def _model(call: Call) -> str:
    return str(call.body.value("model") or "dall-e-2")


VENDOR = Vendor(
    name="openai",
    title="OpenAI",
    live_base="https://api.openai.com/v1",
    sandbox_base="/openai/v1",
    key_header="Authorization",
    key_prefix="Bearer ",
    routes=(
        Route(
            "POST",
            "images/generations",
            "/images/generations",
            "sync",
            price=generations_price,
            model=_model,
            status=delivered,
            cost=usage_cost,
            max_bytes=JSON_CAP,
            ttl=SYNC_TTL,
            timeout_seconds=600,
        ),
        Route(
            "POST",
            "images/edits",
            "/images/edits",
            "sync",
            body="multipart",
            price=edits_price,
            model=_model,
            status=delivered,
            cost=usage_cost,
            max_bytes=MULTIPART_CAP,
            ttl=SYNC_TTL,
            timeout_seconds=600,
        ),
        Route(
            "POST",
            "v1/responses",
            "/responses",
            "submit",
            price=responses_price,
            model=_text_model_name,
            job_id=response_id,
            cost=responses_cost,
            poll_route="response",
            max_bytes=JSON_CAP,
            ttl=RESPONSE_TTL,
            timeout_seconds=RESPONSE_SECONDS,
        ),
        Route(
            "GET",
            "v1/responses/{id:id}",
            "/responses/{job}",
            "poll",
            name="response",
            body="none",
            status=response_status,
            poll=Poll(job_ref=param("id"), settled_cost=response_settled),
            timeout_seconds=60,
        ),
        Route(
            "POST",
            "v1/videos",
            "/videos",
            "submit",
            body="multipart",
            price=video_price,
            model=_video_model,
            job_id=video_id,
            poll_route="video",
            max_bytes=MULTIPART_CAP,
            ttl=VIDEO_TTL,
        ),
        Route(
            "GET",
            "v1/videos/{id:id}",
            "/videos/{job}",
            "poll",
            name="video",
            body="none",
            status=VIDEO_STATUS,
            poll=Poll(
                job_ref=param("id"),
                result_ref=lambda data: video_id(data) or "",
                settled_cost=delivered_seconds("seconds"),
            ),
            timeout_seconds=60,
        ),
        # The finished video's bytes (an MP4), only for a video one of the caller's own jobs made.
        Route(
            "GET",
            "v1/videos/{id:id}/content",
            "/videos/{id}/content",
            "download",
            body="none",
            poll=Poll(job_ref=param("id")),
            timeout_seconds=300,
        ),
    ),
    prices={
        **{f"dall-e-2/{size}": ("image", micros, DALLE2_SOURCE) for size, micros in DALLE2.items()},
        **{f"dall-e-3/{q}/{size}": ("image", micros, DALLE3_SOURCE) for (q, size), micros in DALLE3.items()},
        **{
            f"gpt-image/{q}/{shape}": ("image", micros, GPT_SOURCE)
            for (q, shape), micros in GPT_IMAGE.items()
        },
        **{f"gpt-image-2/{q}": ("image", micros, GPT2_SOURCE) for q, micros in GPT2_IMAGE.items()},
        "gpt-image/input_allowance": ("call", 20_000, ALLOWANCE),
        "gpt-image/input_image": ("image", 30_000, ALLOWANCE),
        **{f"{m}/input_token": ("token", prices[0], PER_UNIT_SOURCE) for m, prices in GPT_MODELS.items()},
        **{f"{m}/output_token": ("token", prices[1], PER_UNIT_SOURCE) for m, prices in GPT_MODELS.items()},
        **RESPONSES_PRICES,
        **{f"{model}/{size}": ("second", micros, SORA_SOURCE) for (model, size), micros in SORA.items()},
    },
    model_names={
        **{model: spec.name for model, spec in TEXT_MODELS.items()},
        "sora-2": "Sora 2",
        "sora-2-pro": "Sora 2 Pro",
    },
)

# Validated before reserving (nodes/validation.py): OpenAI's own prompt limit.
CHECKS: dict[str, tuple[Check, ...]] = {
    "POST images/generations": (text("prompt", max_length=32_000),),
    "POST images/edits": (text("prompt", max_length=32_000),),
    "POST v1/responses": (
        Check("input", "list", required=True, max_length=64),
        text("instructions", required=False, max_length=1_000_000),
    ),
    "POST v1/videos": (text("prompt", required=False, max_length=32_000),),
}
