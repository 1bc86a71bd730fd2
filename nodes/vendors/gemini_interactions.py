"""Google Gemini Omni video through the Gemini API's Interactions endpoint (sync): held on the longest video
the node asks for (10 s) and charged on the length of the MP4 the interaction returns."""

from __future__ import annotations

import base64
import binascii
import math
import struct
from typing import Any

from nodes.clips import mp4_seconds
from nodes.engine.types import Call, LineItem, Outcome, Route, Vendor
from nodes.vendors.common import SYNC_TTL, Check, choice, dig, each

BADGE = "ComfyUI 0.30.0 price badge, nodes_gemini.py GeminiVideoOmni (2026-12-08)"
# Micro-dollars per second of video, per model id the node sends (OMNI_MODELS).
MODELS = {"gemini-omni-flash-preview": 101_000}
NAMES = {"gemini-omni-flash-preview": "Gemini Omni Flash"}
# The node asks for 3-10 s in the prompt (the only place a length can go): the hold is the longest.
MAX_SECONDS = 10


def _key(model: str) -> str:
    return f"{model}/second"


def price(call: Call) -> list[LineItem]:
    model = choice(call, "model", default="gemini-omni-flash-preview", allowed=MODELS)
    return each(_key(model), MAX_SECONDS)


def _videos(data: Any) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    for step in dig(data, "steps") or ():
        if dig(step, "type") != "model_output":
            continue
        found.extend(
            c for c in dig(step, "content") or () if isinstance(c, dict) and c.get("type") == "video"
        )
    return found


def cost(data: Any, call: Call) -> list[LineItem] | None:
    """The started seconds of the inline video delivered (a video given as a URI: the quote)."""
    videos = _videos(data)
    encoded = videos[0].get("data") if videos else None
    if not isinstance(encoded, str):
        return None
    try:
        length = mp4_seconds(base64.b64decode(encoded, validate=False))
    except (binascii.Error, ValueError, struct.error):
        return None
    if length is None or not math.isfinite(length) or length <= 0:
        return None
    return each(_key(str(call.body.value("model"))), min(MAX_SECONDS, math.ceil(length)))


def answered(data: Any, status: int) -> Outcome:
    """A completed interaction with a video is a success; completed without one, the model declined."""
    if status >= 400 or dig(data, "status") != "completed":
        return "failure"
    return "success" if _videos(data) else "moderated"


def _model(call: Call) -> str:
    return str(call.body.value("model") or "")


VENDOR = Vendor(
    name="gemini-interactions",
    title="Google Gemini (Interactions API)",
    live_base="https://generativelanguage.googleapis.com/v1beta",
    sandbox_base="/gemini_interactions/v1beta",
    sandbox_name="gemini_interactions",
    key_header="x-goog-api-key",
    routes=(
        Route(
            "POST",
            "",
            "/interactions",
            "sync",
            price=price,
            model=_model,
            status=answered,
            cost=cost,
            max_bytes=128 * 1024 * 1024,  # the node sends up to 90 MB of inline video
            ttl=SYNC_TTL,
            timeout_seconds=900,
        ),
    ),
    prices={_key(model): ("second", micros, f"{BADGE}: $0.101/s") for model, micros in MODELS.items()},
    model_names=NAMES,
)

# Validated before reserving (nodes/validation.py): the model and its input parts.
CHECKS: dict[str, tuple[Check, ...]] = {
    "POST ": (
        Check("model", "text", required=True, max_length=100),
        Check("input", "list", required=True, max_length=40),
        Check("generation_config", "object"),
    ),
}
