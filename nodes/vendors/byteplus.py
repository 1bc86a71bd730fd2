"""ByteDance on BytePlus ModelArk: Seedream images (sync), Seedance videos (content-generation tasks, settled
on the tokens BytePlus reports), Seed Audio speech (sync, settled on its `duration`), Seed LLM responses
(settled on `usage` tokens), and the free Seedance asset routes.

One company, three /proxy names, one key (`VENDOR_BYTEPLUS_API_KEY`): ComfyUI submits every video task at
`byteplus` but polls Seedance 2 tasks at `byteplus-seedance2`, and reaches the asset library at `seedance`.
"""

from __future__ import annotations

import math
import re
from typing import Any

from comfyweb.errors import ApiError
from nodes.engine.types import Call, LineItem, Outcome, Poll, Route, Vendor
from nodes.vendors.common import (
    JSON_CAP,
    SYNC_TTL,
    VIDEO_TTL,
    Check,
    choice,
    dig,
    each,
    flag,
    integer,
    obj,
    param,
    text,
    text_id,
)

BADGE = "ComfyUI 0.30.0 price badge, nodes_bytedance.py (2026-12-07)"
SEEDANCE2_SOURCE = (
    "BytePlus list price per 1K tokens (ComfyUI 0.30.0 apis/bytedance.py SEEDANCE2_PRICE_PER_1K_TOKENS; "
    "its badge adds Comfy.org's 1.43)"
)
SEEDANCE1_SOURCE = f"{BADGE}: the top of its range per 10 s, per second"
AUDIO_SOURCE = f"{BADGE}: $0.2145/minute, which is Comfy.org's 1.43 over BytePlus's $0.15/minute"
LLM_SOURCE = "ComfyUI 0.30.0 price badge, nodes_bytedance_llm.py: per 1K tokens, input / output"

# --- Seedream images ----------------------------------------------------------------------------------------
# Model id → price family; each family has one per-image row (Seedream 5.0 Pro one per output size).
SEEDREAM = {
    "seedream-3-0-t2i-250415": "seedream-3-0",
    "seedream-4-0-250828": "seedream-4-0",
    "seedream-4-5-251128": "seedream-4-5",
    "seedream-5-0-260128": "seedream-5-0-lite",
    "seedream-5-0-pro-260628": "seedream-5-0-pro",
}
PER_IMAGE = {
    "seedream-3-0/image": 30_000,
    "seedream-4-0/image": 30_000,
    "seedream-4-5/image": 40_000,
    "seedream-5-0-lite/image": 35_000,
    "seedream-5-0-pro/1k/image": 45_000,
    "seedream-5-0-pro/2k/image": 90_000,
    "seedream-5-0-pro/layers/1k/image": 32_000,
    "seedream-5-0-pro/layers/2k/image": 64_000,
}
PRO_1K_PIXELS = 2_360_000  # the badge's line between the 1K and 2K price of Seedream 5.0 Pro
MAX_GROUP = 15  # images a sequential ("auto") generation may return; BytePlus's default max_images
# A layer separation returns a base plate plus up to 16 layers, each an image.
LAYERS_MAX = 17
_SIZE = re.compile(r"([0-9]{1,5})[xX]([0-9]{1,5})")


def _seedream_family(call: Call) -> str:
    return SEEDREAM[choice(call, "model", default="", allowed=SEEDREAM)]


def _pro_size(call: Call) -> str:
    """ "1k" for an output of at most 2.36 MP ("1K" or "WxH"), else "2k" (the badge's two prices)."""
    size = call.body.value("size")
    if isinstance(size, str) and size.upper() in ("1K", "1.5K"):
        return "1k"
    found = _SIZE.fullmatch(size) if isinstance(size, str) else None
    if found and int(found.group(1)) * int(found.group(2)) <= PRO_1K_PIXELS:
        return "1k"
    return "2k"


def _image_count(call: Call) -> int:
    if call.body.value("sequential_image_generation") != "auto":
        return 1
    options = obj(call, "sequential_image_generation_options")
    return integer(call, "max_images", default=MAX_GROUP, low=1, high=MAX_GROUP, source=options)


def image_key(call: Call) -> str:
    family = _seedream_family(call)
    if family != "seedream-5-0-pro":
        return f"{family}/image"
    if flag(call, "layer_decomposition", default=False):
        return f"seedream-5-0-pro/layers/{_pro_size(call)}/image"
    return f"seedream-5-0-pro/{_pro_size(call)}/image"


def image_price(call: Call) -> list[LineItem]:
    key = image_key(call)
    if "/layers/" in key:
        return each(key, LAYERS_MAX)
    return each(key, _image_count(call))


def _delivered_images(data: Any) -> int:
    items = dig(data, "data")
    return (
        sum(1 for item in items if isinstance(item, dict) and item.get("url"))
        if isinstance(items, list)
        else 0
    )


def image_cost(data: Any, call: Call) -> list[LineItem] | None:
    """The images BytePlus returned (a group or a separation may return fewer than asked)."""
    delivered = _delivered_images(data)
    return each(image_key(call), delivered) if delivered else None


def images_status(data: Any, http_status: int) -> Outcome:
    return "success" if _delivered_images(data) else "failure"


# --- Seedance videos ----------------------------------------------------------------------------------------
# Seedance 1.x: the badge's top price per 10 s by resolution, per second; 1.5 Pro doubles with audio.
SEEDANCE1 = {
    "seedance-1-5-pro-251215": "seedance-1-5-pro",
    "seedance-1-0-pro-250528": "seedance-1-0-pro",
    "seedance-1-0-pro-fast-251015": "seedance-1-0-pro-fast",
    "seedance-1-0-lite-t2v-250428": "seedance-1-0-lite",
    "seedance-1-0-lite-i2v-250428": "seedance-1-0-lite",
}
SEEDANCE1_PER_SECOND = {
    ("seedance-1-5-pro", "480p"): 12_000,
    ("seedance-1-5-pro", "720p"): 26_000,
    ("seedance-1-5-pro", "1080p"): 59_000,
    ("seedance-1-0-pro", "480p"): 24_000,
    ("seedance-1-0-pro", "720p"): 56_000,
    ("seedance-1-0-pro", "1080p"): 122_000,
    ("seedance-1-0-pro-fast", "480p"): 10_000,
    ("seedance-1-0-pro-fast", "720p"): 23_000,
    ("seedance-1-0-pro-fast", "1080p"): 49_000,
    ("seedance-1-0-lite", "480p"): 18_000,
    ("seedance-1-0-lite", "720p"): 41_000,
    ("seedance-1-0-lite", "1080p"): 88_000,
}
# What BytePlus bills Seedance 1.x per 1K tokens (the tokens it reports when the task ends): the badge's
# 1080p 10 s maximum over that video's 486,000 tokens (1920 x 1080 at 24 fps, 1,024 pixels a token).
SEEDANCE1_PER_1K_TOKENS = {
    "seedance-1-5-pro": 1_200,
    "seedance-1-5-pro/audio": 2_400,
    "seedance-1-0-pro": 2_500,
    "seedance-1-0-pro-fast": 1_000,
    "seedance-1-0-lite": 1_800,
}
SEEDANCE1_SECONDS = (3, 12)
# Seedance 2: model id → (resolutions, longest output, longest reference video in total), seconds.
SEEDANCE2 = {
    "dreamina-seedance-2-5-260628": (("480p", "720p"), 30, 30),
    "dreamina-seedance-2-0-260128": (("480p", "720p", "1080p", "4k"), 15, 15),
    "dreamina-seedance-2-0-fast-260128": (("480p", "720p"), 15, 15),
    "dreamina-seedance-2-0-mini": (("480p", "720p"), 15, 15),
}
SEEDANCE2_FAMILY = {
    "dreamina-seedance-2-5-260628": "seedance-2-5",
    "dreamina-seedance-2-0-260128": "seedance-2-0",
    "dreamina-seedance-2-0-fast-260128": "seedance-2-0-fast",
    "dreamina-seedance-2-0-mini": "seedance-2-0-mini",
}
# BytePlus list price per 1K tokens: (family, resolution, with a reference video) → micro-USD.
SEEDANCE2_PER_1K_TOKENS = {
    ("seedance-2-0", "480p", False): 7_000,
    ("seedance-2-0", "480p", True): 4_300,
    ("seedance-2-0", "720p", False): 7_000,
    ("seedance-2-0", "720p", True): 4_300,
    ("seedance-2-0", "1080p", False): 7_700,
    ("seedance-2-0", "1080p", True): 4_700,
    ("seedance-2-0", "4k", False): 4_000,
    ("seedance-2-0", "4k", True): 2_400,
    ("seedance-2-0-fast", "480p", False): 5_600,
    ("seedance-2-0-fast", "480p", True): 3_300,
    ("seedance-2-0-fast", "720p", False): 5_600,
    ("seedance-2-0-fast", "720p", True): 3_300,
    ("seedance-2-0-mini", "480p", False): 3_500,
    ("seedance-2-0-mini", "480p", True): 2_100,
    ("seedance-2-0-mini", "720p", False): 3_500,
    ("seedance-2-0-mini", "720p", True): 2_100,
    ("seedance-2-5", "480p", False): 10_700,
    ("seedance-2-5", "480p", True): 6_400,
    ("seedance-2-5", "720p", False): 10_700,
    ("seedance-2-5", "720p", True): 6_400,
}
# Seedance 2.0 tokens per second of output (the badge's figures: 24 fps at the resolution's pixel count).
SEEDANCE2_TOKENS_PER_SECOND = {"480p": 10_044, "720p": 21_600, "1080p": 48_800, "4k": 195_200}
# Seedance 2.5 tokens per frame by resolution and ratio (the badge's figures); adaptive: the largest.
SEEDANCE25_TOKENS_PER_FRAME = {
    "480p": {"1:1": 400.0, "4:3": 411.25, "3:4": 411.25, "21:9": 418.5, "16:9": 400.3125, "9:16": 400.3125},
    "720p": {"1:1": 900.0, "4:3": 905.6719, "3:4": 905.6719, "21:9": 904.3945, "16:9": 900.0, "9:16": 900.0},
}
_FLAG = r"--{}\s+(\S+)"


def _content(call: Call) -> list[Any]:
    content = call.body.value("content")
    if not isinstance(content, list) or not content:
        raise ApiError(400, "invalid_request", "content must be a non-empty list.")
    return content


def _prompt_flag(call: Call, name: str) -> str | None:
    """A Seedance 1.x parameter the node writes into the prompt (`--resolution 720p`); twice → 400."""
    texts = [
        item.get("text", "")
        for item in _content(call)
        if isinstance(item, dict) and item.get("type") == "text"
    ]
    found = [m for t in texts if isinstance(t, str) for m in re.findall(_FLAG.format(name), t)]
    if len(found) > 1:
        raise ApiError(400, "invalid_request", f"--{name} appears more than once in the prompt.")
    return found[0] if found else None


def _seedance1_items(call: Call, model: str) -> list[LineItem]:
    family = SEEDANCE1[model]
    resolutions = ("480p", "720p", "1080p")
    top = {"resolution": call.body.value("resolution") or _prompt_flag(call, "resolution")}
    resolution = choice(call, "resolution", default="1080p", allowed=resolutions, source=top)
    duration = call.body.value("duration") or _prompt_flag(call, "duration")
    seconds = SEEDANCE1_SECONDS[1] if str(duration) == "-1" else _duration(duration, *SEEDANCE1_SECONDS)
    audio = family == "seedance-1-5-pro" and flag(call, "generate_audio", default=True)
    key = f"{family}/{resolution}/audio/second" if audio else f"{family}/{resolution}/second"
    return each(key, seconds)


def _duration(value: Any, low: int, high: int) -> int:
    if value is None:
        return high
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ApiError(400, "out_of_range", f"duration must be an integer from {low} to {high}.")
    return value


def has_reference_video(call: Call) -> bool:
    return any(isinstance(item, dict) and item.get("type") == "video_url" for item in _content(call))


def seedance2_tokens(call: Call, model: str) -> int:
    """The most tokens the task can bill: the output at its longest plus the longest reference video."""
    resolutions, longest, reference = SEEDANCE2[model]
    resolution = choice(call, "resolution", default=resolutions[-1], allowed=resolutions)
    duration = call.body.value("duration")
    seconds = longest if duration in (-1, "-1") else _duration(duration, 4, longest)
    if has_reference_video(call):
        seconds += reference
    if SEEDANCE2_FAMILY[model] != "seedance-2-5":
        return seconds * SEEDANCE2_TOKENS_PER_SECOND[resolution]
    per_ratio = SEEDANCE25_TOKENS_PER_FRAME[resolution]
    ratio = call.body.value("ratio")
    per_frame = per_ratio[ratio] if isinstance(ratio, str) and ratio in per_ratio else max(per_ratio.values())
    return math.floor(per_frame * (24 * seconds + 1))


def seedance2_key(call: Call, model: str) -> str:
    resolutions = SEEDANCE2[model][0]
    resolution = choice(call, "resolution", default=resolutions[-1], allowed=resolutions)
    kind = "with-video" if has_reference_video(call) else "plain"
    return f"{SEEDANCE2_FAMILY[model]}/{resolution}/{kind}/1k-tokens"


def video_price(call: Call) -> list[LineItem]:
    model = choice(call, "model", default="", allowed=(*SEEDANCE1, *SEEDANCE2))
    if model in SEEDANCE1:
        return _seedance1_items(call, model)
    return each(seedance2_key(call, model), math.ceil(seedance2_tokens(call, model) / 1000))


def seedance2_only_price(call: Call) -> list[LineItem]:
    """`byteplus-seedance2` is ComfyUI's name for Seedance 2 tasks: other models are not priced there."""
    choice(call, "model", default="", allowed=SEEDANCE2)
    return video_price(call)


def _reported_tokens(data: Any) -> int | None:
    tokens = dig(data, "usage", "total_tokens")
    if isinstance(tokens, bool) or not isinstance(tokens, int) or tokens <= 0:
        return None
    return tokens


def _token_rate(quote_key: str) -> int | None:
    """The per-1K-token rate of the task a quote row names (`seedance-2-0/720p/plain/1k-tokens`,
    `seedance-1-5-pro/1080p/audio/second`)."""
    parts = quote_key.split("/")
    if len(parts) == 4 and parts[3] == "1k-tokens":
        return SEEDANCE2_PER_1K_TOKENS.get((parts[0], parts[1], parts[2] == "with-video"))
    audio = "/audio" if "audio" in parts else ""
    return SEEDANCE1_PER_1K_TOKENS.get(parts[0] + audio)


def task_cost(data: Any, context: Any) -> int | None:
    """A finished task costs the tokens BytePlus reports at the task's rate (micro-USD, rounded up)."""
    tokens = _reported_tokens(data)
    rate = _token_rate(str(context.get("quote_key", "")))
    if tokens is None or rate is None:
        return None
    return math.ceil(tokens * rate / 1000)


MODERATION_CODES = ("SensitiveContent", "PolicyViolation")


def task_status(data: Any, http_status: int) -> Outcome:
    status = dig(data, "status")
    if status == "succeeded":
        return "success" if dig(data, "content", "video_url") else "failure"
    if status in ("failed", "cancelled", "expired"):
        code = str(dig(data, "error", "code") or "")
        return "moderated" if any(word in code for word in MODERATION_CODES) else "failure"
    return "pending"


def task_id(data: Any) -> str | None:
    return text_id(dig(data, "id"))


def _video_model(call: Call) -> str:
    return str(call.body.value("model") or "")


# --- Seed Audio (text to speech) ----------------------------------------------------------------------------
SEED_AUDIO_MODELS = ("seed-audio-1.0-multilingual", "seed-audio-1.0")
SPEECH_PER_SECOND = 2_500  # $0.15 per minute
SPEECH_MAX_SECONDS = 120  # "Up to 2 minutes of audio per run"


def speech_price(call: Call) -> list[LineItem]:
    choice(call, "model", default="seed-audio-1.0", allowed=SEED_AUDIO_MODELS)
    return each("seed-audio/second", SPEECH_MAX_SECONDS)


def speech_cost(data: Any, call: Call) -> list[LineItem] | None:
    seconds = dig(data, "duration")
    if isinstance(seconds, bool) or not isinstance(seconds, int | float) or not 0 < seconds < 10_000:
        return None
    return each("seed-audio/second", math.ceil(seconds))


def speech_status(data: Any, http_status: int) -> Outcome:
    return "success" if dig(data, "audio") or dig(data, "url") else "failure"


# --- Seed LLM (Responses API) -------------------------------------------------------------------------------
# Micro-USD per 1K tokens, (input, output).
SEED_LLM = {
    "seed-2-0-pro-260328": ("seed-2-0-pro", 500, 3_000),
    "seed-2-0-lite-260228": ("seed-2-0-lite", 300, 2_000),
    "seed-2-0-mini-260215": ("seed-2-0-mini", 250, 900),
}
MAX_OUTPUT_TOKENS = 131_072  # Seed 2.0's output limit, held when the request sets none (ComfyUI never does)
CONTEXT_TOKENS = 262_144
# Input held per attached image / video (BytePlus bills their pixels as tokens; the URL says nothing).
IMAGE_TOKENS = 16_384
VIDEO_TOKENS = 65_536


def _llm_model(call: Call) -> tuple[str, int, int]:
    return SEED_LLM[choice(call, "model", default="", allowed=SEED_LLM)]


def _input_tokens(call: Call) -> int:
    """At most one token per byte of the body, plus an allowance per image and video, within the context."""
    images = call.body.raw.count(b'"input_image"')
    videos = call.body.raw.count(b'"input_video"')
    return min(CONTEXT_TOKENS, len(call.body.raw) + images * IMAGE_TOKENS + videos * VIDEO_TOKENS)


def responses_price(call: Call) -> list[LineItem]:
    family, _in_rate, _out_rate = _llm_model(call)
    if flag(call, "stream", default=False):
        raise ApiError(400, "invalid_request", "Streaming responses are not supported.")
    output = integer(call, "max_output_tokens", default=MAX_OUTPUT_TOKENS, low=1, high=MAX_OUTPUT_TOKENS)
    return [
        LineItem(f"{family}/input/1k-tokens", math.ceil(_input_tokens(call) / 1000)),
        LineItem(f"{family}/output/1k-tokens", math.ceil(output / 1000)),
    ]


def responses_cost(data: Any, call: Call) -> int | None:
    """The `usage` tokens BytePlus reports (reasoning is part of the output), micro-USD rounded up."""
    _family, in_rate, out_rate = _llm_model(call)
    tokens_in, tokens_out = (
        _count(dig(data, "usage", "input_tokens")),
        _count(dig(data, "usage", "output_tokens")),
    )
    if tokens_in is None or tokens_out is None:
        return None
    return math.ceil((tokens_in * in_rate + tokens_out * out_rate) / 1000)


def _count(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None


def responses_status(data: Any, http_status: int) -> Outcome:
    if dig(data, "error") or dig(data, "status") == "failed":
        return "failure"
    return "success"


def _llm_name(call: Call) -> str:
    return str(call.body.value("model") or "")


# --- The route tables ---------------------------------------------------------------------------------------
def _submit(price: Any) -> Route:
    return Route(
        "POST",
        "api/v3/contents/generations/tasks",
        "/api/v3/contents/generations/tasks",
        "submit",
        price=price,
        model=_video_model,
        job_id=task_id,
        poll_route="task",
        max_bytes=JSON_CAP,
        ttl=VIDEO_TTL,
    )


def _task_poll(*, other_vendors: tuple[str, ...] = ()) -> Route:
    return Route(
        "GET",
        "api/v3/contents/generations/tasks/{id:id}",
        "/api/v3/contents/generations/tasks/{job}",
        "poll",
        name="task",
        body="none",
        status=task_status,
        poll=Poll(job_ref=param("id"), settled_cost=task_cost, job_vendors=other_vendors),
        timeout_seconds=60,
    )


SEEDANCE2_PRICES = {
    f"{family}/{res}/{'with-video' if video else 'plain'}/1k-tokens": ("1K tokens", micros, SEEDANCE2_SOURCE)
    for (family, res, video), micros in SEEDANCE2_PER_1K_TOKENS.items()
}
MODEL_NAMES = {
    "seedream-3-0": "Seedream 3.0",
    "seedream-4-0": "Seedream 4.0",
    "seedream-4-5": "Seedream 4.5",
    "seedream-5-0-lite": "Seedream 5.0 Lite",
    "seedream-5-0-pro": "Seedream 5.0 Pro",
    "seedance-1-5-pro": "Seedance 1.5 Pro",
    "seedance-1-0-pro": "Seedance 1.0 Pro",
    "seedance-1-0-pro-fast": "Seedance 1.0 Pro Fast",
    "seedance-1-0-lite": "Seedance 1.0 Lite",
    "seedance-2-5": "Seedance 2.5",
    "seedance-2-0": "Seedance 2.0",
    "seedance-2-0-fast": "Seedance 2.0 Fast",
    "seedance-2-0-mini": "Seedance 2.0 Mini",
    "seed-audio": "Seed Audio 1.0",
    "seed-2-0-pro": "Seed 2.0 Pro",
    "seed-2-0-lite": "Seed 2.0 Lite",
    "seed-2-0-mini": "Seed 2.0 Mini",
}

LIVE_BASE = "https://ark.ap-southeast.bytepluses.com"

VENDOR = Vendor(
    name="byteplus",
    title="ByteDance (BytePlus)",
    live_base=LIVE_BASE,
    sandbox_base="/byteplus",
    key_header="Authorization",
    key_prefix="Bearer ",
    routes=(
        Route(
            "POST",
            "api/v3/images/generations",
            "/api/v3/images/generations",
            "sync",
            price=image_price,
            model=lambda call: str(call.body.value("model") or ""),
            status=images_status,
            cost=image_cost,
            max_bytes=JSON_CAP,
            ttl=SYNC_TTL,
            timeout_seconds=600,
        ),
        _submit(video_price),
        _task_poll(),
        Route(
            "POST",
            "api/v3/tts/create",
            "/api/v3/tts/create",
            "sync",
            price=speech_price,
            model=lambda call: str(call.body.value("model") or "seed-audio-1.0"),
            status=speech_status,
            cost=speech_cost,
            max_bytes=JSON_CAP,
            ttl=SYNC_TTL,
            timeout_seconds=600,
        ),
        Route(
            "POST",
            "api/v3/responses",
            "/api/v3/responses",
            "sync",
            price=responses_price,
            model=_llm_name,
            status=responses_status,
            cost=responses_cost,
            max_bytes=JSON_CAP,
            ttl=SYNC_TTL,
            timeout_seconds=600,
        ),
    ),
    prices={
        **{key: ("image", micros, BADGE) for key, micros in PER_IMAGE.items()},
        **{
            f"{family}/{res}/second": ("second", micros, SEEDANCE1_SOURCE)
            for (family, res), micros in SEEDANCE1_PER_SECOND.items()
            if family != "seedance-1-5-pro"
        },
        **{
            f"seedance-1-5-pro/{res}/{kind}": ("second", micros * factor, SEEDANCE1_SOURCE)
            for (family, res), micros in SEEDANCE1_PER_SECOND.items()
            if family == "seedance-1-5-pro"
            for kind, factor in (("second", 1), ("audio/second", 2))
        },
        **SEEDANCE2_PRICES,
        "seed-audio/second": ("second", SPEECH_PER_SECOND, AUDIO_SOURCE),
        **{
            f"{family}/{kind}/1k-tokens": ("1K tokens", micros, LLM_SOURCE)
            for family, in_rate, out_rate in SEED_LLM.values()
            for kind, micros in (("input", in_rate), ("output", out_rate))
        },
    },
    model_names=MODEL_NAMES,
)

# ComfyUI polls Seedance 2 tasks here (its price extractor differs); the tasks are BytePlus's own, submitted
# at `byteplus` (or here): one upstream, one key.
VENDOR_SEEDANCE2 = Vendor(
    name="byteplus-seedance2",
    title="ByteDance Seedance 2 (BytePlus)",
    live_base=LIVE_BASE,
    sandbox_base="/byteplus",
    key_header="Authorization",
    key_prefix="Bearer ",
    sandbox_name="byteplus",
    routes=(_submit(seedance2_only_price), _task_poll(other_vendors=("byteplus",))),
    prices=SEEDANCE2_PRICES,
    model_names=MODEL_NAMES,
)


# --- Seedance assets (free) ---------------------------------------------------------------------------------
def _free(method: str, path: str, upstream: str) -> Route:
    """A lookup (GET) or a registration (POST): forwarded at no charge."""
    # "upload": the engine's free, unmetered forward (a free "sync" route would fail check nodes.E002).
    if method == "POST":
        return Route(method, path, upstream, "upload", max_bytes=1024 * 1024)
    return Route(method, path, upstream, "upload", body="none")


# Comfy.org's REST face of BytePlus's asset library (BytePlus itself manages assets with AK/SK-signed OpenAPI
# actions, CreateAsset / GetAsset): the paths are ComfyUI's, forwarded as they are.
VENDOR_SEEDANCE = Vendor(
    name="seedance",
    title="ByteDance Seedance assets (BytePlus)",
    live_base=LIVE_BASE + "/api/v3/seedance",
    sandbox_base="/byteplus/seedance",
    key_header="Authorization",
    key_prefix="Bearer ",
    sandbox_name="byteplus",
    routes=(
        _free("POST", "assets", "/assets"),
        _free("GET", "assets/{asset_id:id}", "/assets/{asset_id}"),
        _free("POST", "virtual-library/assets", "/virtual-library/assets"),
        _free("POST", "visual-validate/sessions", "/visual-validate/sessions"),
        _free("GET", "visual-validate/sessions/{session_id:id}", "/visual-validate/sessions/{session_id}"),
    ),
)

# Validated before reserving (nodes/validation.py).
CHECKS: dict[str, tuple[Check, ...]] = {
    "POST api/v3/images/generations": (text("prompt", required=False, max_length=10_000),),
    "POST api/v3/contents/generations/tasks": (Check("content", "list", required=True, max_length=64),),
    "POST api/v3/tts/create": (text("text_prompt", max_length=3000),),
    "POST api/v3/responses": (Check("input", "list", required=True, max_length=64),),
}
CHECKS_SEEDANCE2: dict[str, tuple[Check, ...]] = {
    "POST api/v3/contents/generations/tasks": (Check("content", "list", required=True, max_length=64),),
}
