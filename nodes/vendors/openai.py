"""OpenAI images (DALL·E 2, DALL·E 3, GPT-Image): sync; GPT-Image settles on its `usage` tokens."""

from __future__ import annotations

from typing import Any

from comfyweb.errors import ApiError
from nodes.engine.types import Call, LineItem, Outcome, Route, Vendor
from nodes.vendors.common import (
    JSON_CAP,
    MULTIPART_CAP,
    SYNC_TTL,
    Check,
    choice,
    dig,
    each,
    integer,
    text,
)

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
    },
)

# Validated before reserving (nodes/validation.py): OpenAI's own prompt limit.
CHECKS: dict[str, tuple[Check, ...]] = {
    "POST images/generations": (text("prompt", max_length=32_000),),
    "POST images/edits": (text("prompt", max_length=32_000),),
}
