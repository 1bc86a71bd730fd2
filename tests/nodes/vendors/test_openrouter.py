"""OpenRouter (nodes_openrouter.py OpenRouterLLMNode), replayed through /proxy in sandbox mode.

The node POSTs `/proxy/openrouter/api/v1/chat/completions` (JSON `model`, `messages` with an optional system
message, then the user's text or image_url / video_url blocks and a text block; `seed`, `reasoning`,
`web_search_options`, `stream: false`) and reads `choices[0].message.content`. The hold is the input
ceiling plus 128K output tokens at the badge's rates; the charge is the `usage.cost` OpenRouter reports,
else its `usage` tokens.
"""

from __future__ import annotations

import math
from typing import Any

import httpx
import pytest

from nodes.models import UsageStatus
from nodes.vendors.openrouter import MAX_OUTPUT, MODELS, VIDEO_TOKENS
from nodes.vendors.tokens import IMAGE_TOKENS
from tests.nodes.conftest import StubUpstream
from tests.nodes.proxy_support import ComfyClient, RecordingTransport, available_micros
from tests.nodes.vendors.replay import SYNC_MARKERS, assert_charged

PATH = "/proxy/openrouter/api/v1/chat/completions"
URL = "https://storage.example.com/upload.png"


def node_body(prompt: str, model: str = "anthropic/claude-sonnet-5", *, media: str = "") -> dict[str, Any]:
    """What the node sends: the prompt as a plain string, or blocks when media are attached."""
    content: Any = prompt
    if media:
        kind = "image_url" if media == "image" else "video_url"
        content = [{"type": kind, kind: {"url": URL}}, {"type": "text", "text": prompt}]
    body: dict[str, Any] = {
        "model": model,
        "messages": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": content}],
        "stream": False,
        "seed": 7,
    }
    if model.startswith("perplexity/"):
        body["web_search_options"] = {"search_context_size": "medium"}
    else:
        body["reasoning"] = {"effort": "high", "exclude": True}
    return body


def _thousands(tokens: int) -> int:
    return math.ceil(tokens / 1000)


@pytest.mark.django_db
@pytest.mark.parametrize("model", sorted(MODELS))
def test_every_model_is_charged_the_cost_openrouter_reports(
    proxy_comfy: ComfyClient, proxy_upstream: RecordingTransport, owner: Any, model: str
) -> None:
    before = available_micros(owner)
    prompt = "Describe a lighthouse at dusk."
    reply = proxy_comfy.post_json(PATH, node_body(prompt, model))
    assert reply.status_code == 200, reply.content[:300]
    data = reply.json()
    assert "lighthouse" in data["choices"][0]["message"]["content"]
    charge = math.ceil(data["usage"]["cost"] * 1_000_000 - 1e-6)
    record = assert_charged(owner, before, charge, status=UsageStatus.SUCCEEDED)
    per_in, per_out = MODELS[model]
    ceiling = len("Be brief.") + len(prompt)
    assert record.quoted_micros == _thousands(ceiling) * per_in + _thousands(MAX_OUTPUT) * per_out
    assert proxy_upstream.calls[-1].headers["authorization"] == "Bearer sandbox-openrouter"


@pytest.mark.django_db
@pytest.mark.parametrize(("media", "tokens"), [("image", IMAGE_TOKENS), ("video", VIDEO_TOKENS)])
def test_media_blocks_hold_their_allowance(
    proxy_comfy: ComfyClient, owner: Any, media: str, tokens: int
) -> None:
    model = "google/gemini-3.5-flash"
    reply = proxy_comfy.post_json(PATH, node_body("What is shown?", model, media=media))
    assert reply.status_code == 200, reply.content[:300]
    from tests.nodes.vendors.replay import last_usage

    per_in, per_out = MODELS[model]
    ceiling = len("Be brief.") + len("What is shown?") + tokens
    assert last_usage(owner).quoted_micros == _thousands(ceiling) * per_in + _thousands(MAX_OUTPUT) * per_out


@pytest.mark.django_db
def test_a_reply_without_a_cost_is_charged_its_tokens(proxy_comfy: ComfyClient, owner: Any) -> None:
    before = available_micros(owner)
    model = "deepseek/deepseek-v3.2"
    reply = proxy_comfy.post_json(PATH, node_body("[nocost] Name three rivers.", model))
    assert reply.status_code == 200, reply.content[:300]
    usage = reply.json()["usage"]
    assert "cost" not in usage
    per_in, per_out = MODELS[model]
    charge = _thousands(usage["prompt_tokens"]) * per_in + _thousands(usage["completion_tokens"]) * per_out
    assert_charged(owner, before, charge, status=UsageStatus.SUCCEEDED)


@pytest.mark.django_db
@pytest.mark.parametrize(("marker", "status"), SYNC_MARKERS)
def test_a_failed_or_refused_chat_charges_nothing(
    proxy_comfy: ComfyClient, owner: Any, marker: str, status: UsageStatus
) -> None:
    before = available_micros(owner)
    proxy_comfy.post_json(PATH, node_body(f"{marker} a poem"))
    assert_charged(owner, before, 0, status=status)


@pytest.mark.django_db
def test_an_unlisted_model_is_refused_before_anything_is_reserved(
    proxy_comfy: ComfyClient, owner: Any
) -> None:
    before = available_micros(owner)
    reply = proxy_comfy.post_json(PATH, node_body("hi", "openai/gpt-2"))
    assert reply.status_code == 422, reply.content[:300]
    assert available_micros(owner) == before


@pytest.mark.django_db
def test_live_openrouter_gets_the_key_and_is_charged_its_reported_cost(
    proxy_stub_comfy: ComfyClient, proxy_stub: StubUpstream, settings: Any, owner: Any
) -> None:
    settings.VENDOR_SETTINGS = {"openrouter": {"mode": "live", "api_key": "sk-or-v1-live"}}
    answer = {
        "id": "gen-1",
        "choices": [
            {"index": 0, "message": {"role": "assistant", "content": "Hi."}, "finish_reason": "stop"}
        ],
        "usage": {"prompt_tokens": 12, "completion_tokens": 3, "total_tokens": 15, "cost": 0.0123456},
    }
    proxy_stub.handler = lambda _request: httpx.Response(200, json=answer)
    before = available_micros(owner)
    reply = proxy_stub_comfy.post_json(PATH, node_body("hi", "openai/gpt-5.5"))
    assert reply.status_code == 200, reply.content[:300]
    [sent] = proxy_stub.calls
    assert str(sent.url) == "https://openrouter.ai/api/v1/chat/completions"
    assert sent.headers["authorization"] == "Bearer sk-or-v1-live"
    assert_charged(owner, before, 12_346, status=UsageStatus.SUCCEEDED)
