"""Google Gemini (nodes_gemini.py), replayed through /proxy in sandbox mode.

The text and image nodes POST `/proxy/vertexai/gemini/{model}` (Vertex `generateContent`: `contents` of one
user turn, its first part the prompt, then fileData / inlineData media; optional `systemInstruction` and
`generationConfig`); the image nodes add `uploadImagesToStorage`, which only ComfyUI's proxy reads. Text is
held on the input ceiling plus `maxOutputTokens` and charged on `usageMetadata`; images per delivered image
at the requested `imageSize`. GeminiVideoOmni POSTs `/proxy/gemini-interactions` (`model`, `input` parts,
`generation_config`), held at 10 s and charged on the returned MP4's length.
"""

from __future__ import annotations

import base64
import json
import math
from typing import Any

import httpx
import pytest

from nodes.clips import mp4_seconds
from nodes.models import UsageStatus
from nodes.vendors.gemini import IMAGE_MODELS, MAX_OUTPUT, TEXT_MODELS
from nodes.vendors.gemini_interactions import MODELS as OMNI_MODELS
from tests.nodes.conftest import StubUpstream
from tests.nodes.proxy_support import ComfyClient, RecordingTransport, available_micros
from tests.nodes.vendors.replay import SYNC_MARKERS, assert_charged, assert_mp4, assert_png, last_usage

BASE = "/proxy/vertexai/gemini"
OMNI = "/proxy/gemini-interactions"
URL = "https://storage.example.com/upload.png"
IMAGE_SYSTEM = "You are an expert image-generation engine. You must ALWAYS produce an image."
# GeminiInputFiles: a .txt file as an inline base64 part ("hello gemini").
TEXT_FILE = {"inlineData": {"data": base64.b64encode(b"hello gemini").decode(), "mimeType": "text/plain"}}


def _thousands(tokens: int) -> int:
    return math.ceil(tokens / 1000)


def text_v1(prompt: str, *, image: bool = False, files: bool = False) -> dict[str, Any]:
    """GeminiNode: no generationConfig (the model's own output cap applies)."""
    parts: list[dict[str, Any]] = [{"text": prompt}]
    if image:
        parts.append({"fileData": {"mimeType": "image/png", "fileUri": URL}})
    if files:
        parts.append(TEXT_FILE)
    return {
        "contents": [{"role": "user", "parts": parts}],
        "systemInstruction": {"parts": [{"text": "Be brief."}]},
    }


def text_v2(prompt: str, *, limit: int = 32768, level: str = "HIGH") -> dict[str, Any]:
    """GeminiNodeV2: sampling controls, the output cap and the thinking level."""
    config = {
        "temperature": 1.0,
        "topP": 0.95,
        "maxOutputTokens": limit,
        "seed": 42,
        "thinkingConfig": {"thinkingLevel": level},
    }
    return {"contents": [{"role": "user", "parts": [{"text": prompt}]}], "generationConfig": config}


def image_body(
    prompt: str, *, size: str | None = None, thinking: str | None = None, v2: bool = False
) -> dict[str, Any]:
    """GeminiImage (no size), GeminiImage2 (size), GeminiNanoBanana2 (+thinking), …V2 (+sampling)."""
    image_config: dict[str, Any] = {"imageOutputOptions": {"mimeType": "image/png"}}
    if size:
        image_config |= {"imageSize": size, "aspectRatio": "16:9"}
    config: dict[str, Any] = {"responseModalities": ["TEXT", "IMAGE"], "imageConfig": image_config}
    if thinking:
        config["thinkingConfig"] = {"thinkingLevel": thinking}
    if v2:
        config |= {"temperature": 1.0, "topP": 0.95}
    return {
        "contents": [
            {
                "role": "user",
                "parts": [{"text": prompt}, {"fileData": {"mimeType": "image/png", "fileUri": URL}}],
            }
        ],
        "generationConfig": config,
        "systemInstruction": {"parts": [{"text": IMAGE_SYSTEM}]},
        "uploadImagesToStorage": True,
    }


def omni_body(prompt: str) -> dict[str, Any]:
    return {
        "model": "gemini-omni-flash-preview",
        "input": [{"type": "text", "text": prompt}],
        "generation_config": {"temperature": 1.0, "top_p": 0.95},
    }


def _token_charge(model: str, usage: dict[str, Any]) -> int:
    per_in, per_out = TEXT_MODELS[model]
    tokens_out = usage["candidatesTokenCount"] + usage.get("thoughtsTokenCount", 0)
    return _thousands(usage["promptTokenCount"]) * per_in + _thousands(tokens_out) * per_out


def _text(data: dict[str, Any]) -> str:
    return "\n".join(p["text"] for p in data["candidates"][0]["content"]["parts"] if "text" in p)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "model", ["gemini-2.5-pro", "gemini-2.5-flash", "gemini-3.1-pro-preview", "gemini-3.1-flash-lite-preview"]
)
@pytest.mark.parametrize("media", ["text", "image", "files"])
def test_gemini_node_is_charged_the_tokens_it_reports(
    proxy_comfy: ComfyClient, owner: Any, model: str, media: str
) -> None:
    before = available_micros(owner)
    body = text_v1("Describe a lighthouse at dusk.", image=media == "image", files=media == "files")
    reply = proxy_comfy.post_json(f"{BASE}/{model}", body)
    assert reply.status_code == 200, reply.content[:300]
    data = reply.json()
    assert "lighthouse" in _text(data)
    record = assert_charged(
        owner, before, _token_charge(model, data["usageMetadata"]), status=UsageStatus.SUCCEEDED
    )
    per_in, per_out = TEXT_MODELS[model]
    ceiling = len("Describe a lighthouse at dusk.") + len("Be brief.")
    ceiling += {"text": 0, "image": 9_288, "files": math.ceil(len(TEXT_FILE["inlineData"]["data"]) * 3 / 4)}[
        media
    ]
    assert record.quoted_micros == _thousands(ceiling) * per_in + _thousands(MAX_OUTPUT) * per_out


@pytest.mark.django_db
@pytest.mark.parametrize(
    "model", ["gemini-3.1-pro-preview", "gemini-3.5-flash", "gemini-3.1-flash-lite-preview"]
)
def test_gemini_v2_is_held_on_its_output_cap_and_charged_its_usage(
    proxy_comfy: ComfyClient, owner: Any, model: str
) -> None:
    before = available_micros(owner)
    reply = proxy_comfy.post_json(f"{BASE}/{model}", text_v2("Name three rivers.", limit=2048))
    assert reply.status_code == 200, reply.content[:300]
    data = reply.json()
    record = assert_charged(
        owner, before, _token_charge(model, data["usageMetadata"]), status=UsageStatus.SUCCEEDED
    )
    per_in, per_out = TEXT_MODELS[model]
    assert record.quoted_micros == _thousands(len("Name three rivers.")) * per_in + _thousands(2048) * per_out


@pytest.mark.django_db
def test_a_video_part_holds_the_whole_context_window(proxy_comfy: ComfyClient, owner: Any) -> None:
    body = text_v2("What happens in this clip?")
    body["contents"][0]["parts"].append({"fileData": {"mimeType": "video/mp4", "fileUri": URL}})
    reply = proxy_comfy.post_json(f"{BASE}/gemini-3.5-flash", body)
    assert reply.status_code == 200, reply.content[:300]
    per_in, per_out = TEXT_MODELS["gemini-3.5-flash"]
    assert last_usage(owner).quoted_micros == _thousands(1_048_576) * per_in + _thousands(32768) * per_out


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("model", "size", "thinking", "v2"),
    [
        ("gemini-2.5-flash-image", None, None, False),  # GeminiImageNode
        ("gemini-3-pro-image", "1K", None, False),  # GeminiImage2Node, Nano Banana Pro
        ("gemini-3-pro-image", "4K", None, False),
        ("gemini-3.1-flash-image", "2K", None, False),  # GeminiImage2Node, Nano Banana 2
        ("gemini-3.1-flash-image-preview", "4K", "HIGH", False),  # GeminiNanoBanana2
        ("gemini-3.1-flash-image", "1K", "MINIMAL", True),  # GeminiNanoBanana2V2
        ("gemini-3.1-flash-lite-image", "1K", "MINIMAL", True),  # GeminiNanoBanana2V2, Lite
    ],
)
def test_nano_banana_is_charged_per_image_at_its_resolution(
    proxy_comfy: ComfyClient,
    proxy_upstream: RecordingTransport,
    owner: Any,
    *,
    model: str,
    size: str | None,
    thinking: str | None,
    v2: bool,
) -> None:
    before = available_micros(owner)
    reply = proxy_comfy.post_json(
        f"{BASE}/{model}", image_body("A red fox in snow", size=size, thinking=thinking, v2=v2)
    )
    assert reply.status_code == 200, reply.content[:300]
    parts = reply.json()["candidates"][0]["content"]["parts"]
    images = [base64.b64decode(p["inlineData"]["data"]) for p in parts if "inlineData" in p]
    assert len(images) == 1
    assert_png(images[0])
    record = assert_charged(owner, before, IMAGE_MODELS[model][size or "1K"], status=UsageStatus.SUCCEEDED)
    assert record.quoted_micros == IMAGE_MODELS[model][size or "1K"]
    sent = json.loads(proxy_upstream.calls[-1].body)
    assert "uploadImagesToStorage" not in sent  # ComfyUI's own field; Vertex refuses unknown fields
    assert proxy_upstream.calls[-1].url.endswith(f"/publishers/google/models/{model}:generateContent")
    assert proxy_upstream.calls[-1].headers["authorization"] == "Bearer sandbox-gemini"


@pytest.mark.django_db
def test_a_resolution_the_model_does_not_make_is_refused_before_reserving(
    proxy_comfy: ComfyClient, owner: Any
) -> None:
    before = available_micros(owner)
    reply = proxy_comfy.post_json(f"{BASE}/gemini-3.1-flash-lite-image", image_body("fox", size="4K"))
    assert reply.status_code == 422, reply.content[:300]
    assert available_micros(owner) == before


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("model", "body"),
    [("gemini-3.5-flash", text_v2), ("gemini-3-pro-image", lambda p: image_body(p, size="2K"))],
    ids=["text", "image"],
)
@pytest.mark.parametrize(("marker", "status"), SYNC_MARKERS)
def test_a_failed_or_blocked_request_charges_nothing(
    proxy_comfy: ComfyClient, owner: Any, *, model: str, body: Any, marker: str, status: UsageStatus
) -> None:
    before = available_micros(owner)
    proxy_comfy.post_json(f"{BASE}/{model}", body(f"{marker} a poem"))
    assert_charged(owner, before, 0, status=status)


@pytest.mark.django_db
def test_an_unknown_model_is_refused(proxy_comfy: ComfyClient, owner: Any) -> None:
    before = available_micros(owner)
    reply = proxy_comfy.post_json(f"{BASE}/gemini-1.0-pro", text_v2("hi"))
    assert reply.status_code == 404, reply.content[:300]
    assert available_micros(owner) == before


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("prompt", "seconds"), [("A 6-second clip in 16:9 of surf", 6), ("Waves, 10 seconds", 10)]
)
def test_omni_is_held_at_ten_seconds_and_charged_the_video_it_returns(
    proxy_comfy: ComfyClient, proxy_upstream: RecordingTransport, owner: Any, prompt: str, seconds: int
) -> None:
    before = available_micros(owner)
    reply = proxy_comfy.post_json(OMNI, omni_body(prompt))
    assert reply.status_code == 200, reply.content[:300]
    data = reply.json()
    assert data["status"] == "completed"
    video = next(c for c in data["steps"][-1]["content"] if c["type"] == "video")
    mp4 = base64.b64decode(video["data"])
    assert_mp4(mp4)
    assert mp4_seconds(mp4) == seconds
    per_second = OMNI_MODELS["gemini-omni-flash-preview"]
    record = assert_charged(owner, before, seconds * per_second, status=UsageStatus.SUCCEEDED)
    assert record.quoted_micros == 10 * per_second
    assert proxy_upstream.calls[-1].url.endswith("/gemini_interactions/v1beta/interactions")
    assert proxy_upstream.calls[-1].headers["x-goog-api-key"] == "sandbox-gemini_interactions"


@pytest.mark.django_db
@pytest.mark.parametrize(("marker", "status"), SYNC_MARKERS)
def test_a_failed_or_declined_omni_video_charges_nothing(
    proxy_comfy: ComfyClient, owner: Any, marker: str, status: UsageStatus
) -> None:
    before = available_micros(owner)
    proxy_comfy.post_json(OMNI, omni_body(f"{marker} a 5 second clip"))
    assert_charged(owner, before, 0, status=status)


@pytest.mark.django_db
def test_live_vertex_gets_the_oauth_token_the_project_and_no_comfyui_field(
    proxy_stub_comfy: ComfyClient, proxy_stub: StubUpstream, settings: Any, owner: Any
) -> None:
    settings.VENDOR_SETTINGS = {
        "gemini": {"mode": "live", "api_key": "ya29.token", "project": "my-proj", "location": "global"}
    }
    png = base64.b64encode(b"\x89PNG\r\n\x1a\n").decode()
    vertex = {
        "candidates": [
            {"content": {"role": "model", "parts": [{"inlineData": {"mimeType": "image/png", "data": png}}]}}
        ],
        "usageMetadata": {"promptTokenCount": 300, "candidatesTokenCount": 1290, "totalTokenCount": 1590},
    }
    proxy_stub.handler = lambda _request: httpx.Response(200, json=vertex)
    before = available_micros(owner)
    reply = proxy_stub_comfy.post_json(f"{BASE}/gemini-3-pro-image", image_body("fox", size="2K"))
    assert reply.status_code == 200, reply.content[:300]
    [sent] = proxy_stub.calls
    assert str(sent.url) == (
        "https://aiplatform.googleapis.com/v1/projects/my-proj/locations/global/publishers/google/models/"
        "gemini-3-pro-image:generateContent"
    )
    assert sent.headers["authorization"] == "Bearer ya29.token"
    assert "uploadImagesToStorage" not in json.loads(proxy_stub.bodies[0])
    assert_charged(owner, before, IMAGE_MODELS["gemini-3-pro-image"]["2K"], status=UsageStatus.SUCCEEDED)


@pytest.mark.django_db
def test_live_interactions_get_the_gemini_api_key(
    proxy_stub_comfy: ComfyClient, proxy_stub: StubUpstream, settings: Any, owner: Any
) -> None:
    settings.VENDOR_SETTINGS = {"gemini_interactions": {"mode": "live", "api_key": "AIza-key"}}
    proxy_stub.handler = lambda _request: httpx.Response(200, json={"status": "failed", "steps": []})
    before = available_micros(owner)
    proxy_stub_comfy.post_json(OMNI, omni_body("surf"))
    [sent] = proxy_stub.calls
    assert str(sent.url) == "https://generativelanguage.googleapis.com/v1beta/interactions"
    assert sent.headers["x-goog-api-key"] == "AIza-key"
    assert_charged(owner, before, 0, status=UsageStatus.FAILED)  # a 200 whose interaction failed


@pytest.mark.django_db
def test_an_answer_cut_off_while_thinking_is_charged_its_tokens(
    proxy_stub_comfy: ComfyClient, proxy_stub: StubUpstream, settings: Any, owner: Any
) -> None:
    settings.VENDOR_SETTINGS = {"gemini": {"mode": "live", "api_key": "ya29.token", "project": "p"}}
    usage = {"promptTokenCount": 4, "candidatesTokenCount": 0, "thoughtsTokenCount": 2048}
    vertex = {
        "candidates": [{"content": {"role": "model"}, "finishReason": "MAX_TOKENS"}],
        "usageMetadata": usage,
    }
    proxy_stub.handler = lambda _request: httpx.Response(200, json=vertex)
    before = available_micros(owner)
    reply = proxy_stub_comfy.post_json(f"{BASE}/gemini-3.1-pro-preview", text_v2("Prove it.", limit=2048))
    assert reply.status_code == 200, reply.content[:300]
    per_in, per_out = TEXT_MODELS["gemini-3.1-pro-preview"]
    assert_charged(owner, before, 1 * per_in + 3 * per_out, status=UsageStatus.SUCCEEDED)


@pytest.mark.django_db
def test_an_image_model_that_makes_no_image_charges_nothing(
    proxy_stub_comfy: ComfyClient, proxy_stub: StubUpstream, settings: Any, owner: Any
) -> None:
    settings.VENDOR_SETTINGS = {"gemini": {"mode": "live", "api_key": "ya29.token", "project": "p"}}
    parts = [{"text": "I can only describe it."}]
    vertex = {"candidates": [{"content": {"role": "model", "parts": parts}, "finishReason": "STOP"}]}
    proxy_stub.handler = lambda _request: httpx.Response(200, json=vertex)
    before = available_micros(owner)
    proxy_stub_comfy.post_json(f"{BASE}/gemini-2.5-flash-image", image_body("fox"))
    assert_charged(owner, before, 0, status=UsageStatus.SUCCEEDED)


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/proxy/vertexai", "/proxy/bfl", "/proxy/gemini-interactions/extra"])
def test_a_vendor_root_is_a_route_only_where_one_is_declared(proxy_comfy: ComfyClient, path: str) -> None:
    reply = proxy_comfy.post_json(path, omni_body("surf"))
    assert reply.status_code == 404, reply.content[:300]
    assert reply.json()["error"]["type"] == "unknown_route"
