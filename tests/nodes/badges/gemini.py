# ruff: noqa: ARG005 - every builder takes (widgets, inputs); most use only one of them
"""Google Gemini (nodes_gemini.py): what each node sends to `generateContent` and the Interactions API."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from tests.nodes.badge_requests import Node, Req, one

MODULES = {"gemini": "vertexai"}
BASE = "/proxy/vertexai/gemini"
V1_MODELS = {
    "gemini-3-pro-preview": "gemini-3.1-pro-preview",
    "gemini-3-1-pro": "gemini-3.1-pro-preview",
    "gemini-3-1-flash-lite": "gemini-3.1-flash-lite-preview",
}
V2_MODELS = {
    "Gemini 3.1 Pro": "gemini-3.1-pro-preview",
    "Gemini 3.5 Flash": "gemini-3.5-flash",
    "Gemini 3.1 Flash-Lite": "gemini-3.1-flash-lite-preview",
}
IMAGE2_MODELS = {
    "gemini-3-pro-image-preview": "gemini-3-pro-image",
    "Nano Banana 2 (Gemini 3.1 Flash Image)": "gemini-3.1-flash-image",
}
V2_IMAGE_MODELS = {
    "Nano Banana 2 (Gemini 3.1 Flash Image)": "gemini-3.1-flash-image",
    "Nano Banana 2 Lite": "gemini-3.1-flash-lite-image",
}
CONTENTS = [{"role": "user", "parts": [{"text": "p"}]}]


def _text(model: str, config: Mapping[str, Any] | None = None) -> list[Req]:
    body: dict[str, Any] = {"contents": CONTENTS}
    if config:
        body["generationConfig"] = dict(config)
    return one(Req(f"{BASE}/{model}", body))


def _image(model: str, size: str | None, thinking: str | None = None) -> list[Req]:
    image_config: dict[str, Any] = {"imageOutputOptions": {"mimeType": "image/png"}}
    if size:
        image_config["imageSize"] = size
    config: dict[str, Any] = {"responseModalities": ["TEXT", "IMAGE"], "imageConfig": image_config}
    if thinking:
        config["thinkingConfig"] = {"thinkingLevel": thinking}
    body = {"contents": CONTENTS, "generationConfig": config, "uploadImagesToStorage": True}
    return one(Req(f"{BASE}/{model}", body))


def _v2(w: Mapping[str, Any], inputs: Mapping[str, Any]) -> list[Req]:
    config = {
        "temperature": 1.0,
        "topP": 0.95,
        "maxOutputTokens": 32768,
        "thinkingConfig": {"thinkingLevel": "HIGH"},
    }
    return _text(V2_MODELS[w["model"]], config)


def _omni(w: Mapping[str, Any], inputs: Mapping[str, Any]) -> list[Req]:
    body = {
        "model": "gemini-omni-flash-preview",
        "input": [{"type": "text", "text": "p"}],
        "generation_config": {"temperature": 1.0, "top_p": 0.95},
    }
    return one(Req("/proxy/gemini-interactions", body))


NODES = {
    # GeminiNode and GeminiNodeV2: the badge is the model's per-1K-token rates, compared as such.
    "GeminiNode": Node(lambda w, i: _text(V1_MODELS.get(w["model"], w["model"]))),
    "GeminiNodeV2": Node(_v2),
    "GeminiImageNode": Node(lambda w, i: _image("gemini-2.5-flash-image", None)),
    "GeminiImage2Node": Node(lambda w, i: _image(IMAGE2_MODELS[w["model"]], w["resolution"])),
    "GeminiNanoBanana2": Node(
        lambda w, i: _image("gemini-3.1-flash-image-preview", w["resolution"], "MINIMAL")
    ),
    "GeminiNanoBanana2V2": Node(
        lambda w, i: _image(V2_IMAGE_MODELS[w["model"]], w.get("model.resolution") or "1K", "MINIMAL")
    ),
    "GeminiVideoOmni": Node(_omni, seconds=10),
}
