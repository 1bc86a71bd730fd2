"""Google Gemini on Vertex AI `generateContent` (sync): text models held on the input ceiling plus the output
limit and charged on `usageMetadata`; Nano Banana image models charged per delivered image by resolution."""

from __future__ import annotations

import math
from typing import Any

from nodes.engine.types import Call, LineItem, Outcome, Route, Vendor
from nodes.vendors.common import JSON_CAP, SYNC_TTL, Check, choice, dig, each, integer, obj
from nodes.vendors.tokens import token_items, token_prices

BADGE = "ComfyUI 0.30.0 price badge, nodes_gemini.py (2026-12-08)"
# Micro-dollars per 1K input / output tokens, per model id the text nodes send (GeminiNode, GeminiNodeV2).
TEXT_MODELS = {
    "gemini-2.5-pro": (1_250, 10_000),
    "gemini-2.5-flash": (300, 2_500),
    "gemini-3.1-pro-preview": (2_000, 12_000),
    "gemini-3.5-flash": (1_500, 9_000),
    "gemini-3.1-flash-lite-preview": (250, 1_500),
}
# Micro-dollars per output image, per model id and `imageConfig.imageSize` (the image nodes' badges).
IMAGE_MODELS: dict[str, dict[str, int]] = {
    "gemini-2.5-flash-image": {"1K": 39_000},
    "gemini-3-pro-image": {"1K": 160_800, "2K": 160_800, "4K": 288_000},
    "gemini-3.1-flash-image": {"1K": 83_500, "2K": 121_700, "4K": 184_800},
    "gemini-3.1-flash-image-preview": {"1K": 83_500, "2K": 121_700, "4K": 184_800},
    "gemini-3.1-flash-lite-image": {"1K": 40_800},
}
NAMES = {
    "gemini-2.5-pro": "Gemini 2.5 Pro",
    "gemini-2.5-flash": "Gemini 2.5 Flash",
    "gemini-3.1-pro-preview": "Gemini 3.1 Pro",
    "gemini-3.5-flash": "Gemini 3.5 Flash",
    "gemini-3.1-flash-lite-preview": "Gemini 3.1 Flash-Lite",
    "gemini-2.5-flash-image": "Nano Banana (Gemini 2.5 Flash Image)",
    "gemini-3-pro-image": "Nano Banana Pro (Gemini 3 Pro Image)",
    "gemini-3.1-flash-image": "Nano Banana 2 (Gemini 3.1 Flash Image)",
    "gemini-3.1-flash-image-preview": "Nano Banana 2 preview (Gemini 3.1 Flash Image)",
    "gemini-3.1-flash-lite-image": "Nano Banana 2 Lite",
}
# Vertex's limits for these models: 1,048,576 input tokens, 65,536 output tokens (thinking included).
MAX_INPUT = 1_048_576
MAX_OUTPUT = 65_536
# A 4096 x 4096 image costs Gemini 2.5 at most 36 tiles of 768 px at 258 tokens (Gemini 3: 1,120 at most).
IMAGE_TOKENS = 9_288
# Video, audio and PDF parts may run to the whole context window; their size says nothing until decoded.
MEDIA_TOKENS = MAX_INPUT
# Candidates refused by Google's safety filters: the request is moderated, not failed.
BLOCKED = frozenset(
    {
        "SAFETY",
        "PROHIBITED_CONTENT",
        "BLOCKLIST",
        "SPII",
        "IMAGE_SAFETY",
        "IMAGE_PROHIBITED_CONTENT",
        "RECITATION",
    }
)


def _part_tokens(part: Any) -> int:
    """At most how many input tokens one `contents[].parts[]` entry costs."""
    if not isinstance(part, dict):
        return len(str(part))
    if isinstance(part.get("text"), str):
        return len(part["text"])
    media = part.get("inlineData") or part.get("fileData")
    if not isinstance(media, dict):
        return len(str(part))
    mime = str(media.get("mimeType") or "")
    if mime.startswith("image/"):
        return IMAGE_TOKENS
    data = media.get("data")
    if mime.startswith("text/") and isinstance(data, str):
        return math.ceil(len(data) * 3 / 4)  # a token is never shorter than one byte of text
    return MEDIA_TOKENS


def _parts(content: Any) -> list[Any]:
    parts = content.get("parts") if isinstance(content, dict) else None
    return parts if isinstance(parts, list) else []


def input_ceiling(call: Call) -> int:
    """The request's input tokens at most: its text, an allowance per image, the window for other media."""
    contents = call.body.value("contents")
    parts = [part for content in contents for part in _parts(content)] if isinstance(contents, list) else []
    parts += _parts(call.body.value("systemInstruction"))
    return min(MAX_INPUT, sum(_part_tokens(part) for part in parts))


def _model(call: Call) -> str:
    return call.params["model"]


def _config(call: Call) -> dict[str, Any]:
    return obj(call, "generationConfig")


def _resolution(call: Call, model: str) -> str:
    image = _config(call).get("imageConfig")
    sizes = IMAGE_MODELS[model]
    source = image if isinstance(image, dict) else {}
    return choice(call, "imageSize", default="1K", allowed=sizes, source=source)


def _image_key(model: str, resolution: str) -> str:
    return f"{model}/{resolution}/image"


def price(call: Call) -> list[LineItem]:
    model = _model(call)
    if model in IMAGE_MODELS:
        return each(_image_key(model, _resolution(call, model)))
    limit = integer(call, "maxOutputTokens", default=MAX_OUTPUT, low=1, high=MAX_OUTPUT, source=_config(call))
    return token_items(model, input_ceiling(call), limit)


def _count(usage: dict[str, Any], key: str) -> int | None:
    value = usage.get(key, 0)
    if value is None:
        return 0
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        return None
    return value


def _images(data: Any) -> int:
    """The answer images a reply delivers (a thinking model's draft images, `thought: true`, are free)."""
    found = 0
    for candidate in dig(data, "candidates") or ():
        for part in _parts(dig(candidate, "content")):
            media = part.get("inlineData") or part.get("fileData") if isinstance(part, dict) else None
            if isinstance(media, dict) and str(media.get("mimeType") or "").startswith("image/"):
                found += part.get("thought") is not True
    return found


def cost(data: Any, call: Call) -> list[LineItem] | None:
    """Text: `usageMetadata` tokens (thinking is billed as output); images: the images delivered."""
    model = _model(call)
    if model in IMAGE_MODELS:
        # No image (the model only wrote why): nothing the node can use, so nothing is charged.
        return each(_image_key(model, _resolution(call, model)), _images(data))
    usage = dig(data, "usageMetadata")
    if not isinstance(usage, dict):
        return None
    prompt, tools = _count(usage, "promptTokenCount"), _count(usage, "toolUsePromptTokenCount")
    answer, thoughts = _count(usage, "candidatesTokenCount"), _count(usage, "thoughtsTokenCount")
    if prompt is None or tools is None or answer is None or thoughts is None:
        return None
    return token_items(model, prompt + tools, answer + thoughts)


def answered(data: Any, status: int) -> Outcome:
    """A candidate with content is an answer; a blocked prompt or a safety-stopped candidate is moderated."""
    if status >= 400 or not isinstance(data, dict):
        return "failure"
    if dig(data, "promptFeedback", "blockReason"):
        return "moderated"
    candidates = data.get("candidates")
    if not isinstance(candidates, list) or not candidates:
        return "failure"
    if any(_parts(dig(c, "content")) for c in candidates):
        return "success"
    reasons = {str(dig(c, "finishReason") or "").upper() for c in candidates}
    if reasons & BLOCKED:
        return "moderated"
    # An output cap spent on thinking leaves no answer, which Google bills: charged its `usageMetadata`.
    return "success" if "MAX_TOKENS" in reasons else "failure"


MODELS = sorted(TEXT_MODELS) + sorted(IMAGE_MODELS)
MODEL_PARAM = "{model=" + "|".join(MODELS) + "}"
PRICES = token_prices(TEXT_MODELS, BADGE) | {
    _image_key(model, size): ("image", micros, f"{BADGE}: ${micros / 1_000_000:.4f}/image at {size}")
    for model, sizes in IMAGE_MODELS.items()
    for size, micros in sizes.items()
}

VENDOR = Vendor(
    name="vertexai",
    title="Google Gemini (Vertex AI)",
    # VENDOR_GEMINI_API_KEY is an OAuth access token (like Veo's); Gemini 3 models are served only at
    # VENDOR_GEMINI_LOCATION=global, which the global host also serves for regional locations.
    live_base="https://aiplatform.googleapis.com/v1/projects/{project}/locations/{location}/publishers/google/models",
    sandbox_base="/gemini/v1/projects/{project}/locations/{location}/publishers/google/models",
    sandbox_name="gemini",
    key_header="Authorization",
    key_prefix="Bearer ",
    routes=(
        Route(
            "POST",
            f"gemini/{MODEL_PARAM}",
            "/{model}:generateContent",
            "sync",
            price=price,
            model=_model,
            status=answered,
            cost=cost,
            max_bytes=JSON_CAP,
            ttl=SYNC_TTL,
            timeout_seconds=600,
            drop_fields=("uploadImagesToStorage",),
        ),
    ),
    prices=PRICES,
    model_names=NAMES,
)

# Validated before reserving (nodes/validation.py): one or more contents, each with its parts.
CHECKS: dict[str, tuple[Check, ...]] = {
    "POST gemini/{model}": (
        Check("contents", "list", required=True, max_length=100),
        Check("contents.0", "object", required=True),
        Check("contents.0.parts", "list", required=True, max_length=3_000),
        Check("generationConfig", "object"),
        Check("systemInstruction", "object"),
    ),
}
