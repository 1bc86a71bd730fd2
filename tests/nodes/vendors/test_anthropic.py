"""Anthropic Claude (nodes_anthropic.py ClaudeNode), replayed through /proxy in sandbox mode.

The node POSTs `/proxy/anthropic/v1/messages` (JSON `model`, `max_tokens`, one user message of image blocks
then a text block, optional `system`, `temperature`, `thinking`, `output_config`) and reads the text
blocks. The hold is the input ceiling plus `max_tokens`; the charge is the `usage` tokens, per 1K.
"""

from __future__ import annotations

import math
from typing import Any

import pytest

from nodes.models import UsageStatus
from nodes.vendors.anthropic import MODELS
from nodes.vendors.tokens import input_token_ceiling
from tests.nodes.proxy_support import ComfyClient, available_micros
from tests.nodes.vendors.replay import SYNC_MARKERS, assert_charged

PATH = "/proxy/anthropic/v1/messages"
PIXEL = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="


def node_body(prompt: str, model: str = "claude-sonnet-4-6", *, image: bool = False) -> dict[str, Any]:
    content: list[dict[str, Any]] = []
    if image:
        content.append(
            {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": PIXEL}}
        )
    content.append({"type": "text", "text": prompt})
    return {
        "model": model,
        "max_tokens": 32768,
        "messages": [{"role": "user", "content": content}],
        "system": "Be brief.",
        "temperature": 1.0,
    }


def _thousands(tokens: int) -> int:
    return math.ceil(tokens / 1000)


@pytest.mark.django_db
@pytest.mark.parametrize("model", sorted(MODELS))
@pytest.mark.parametrize("image", [False, True], ids=["text", "image"])
def test_claude_is_charged_the_tokens_it_reports(
    proxy_comfy: ComfyClient, owner: Any, model: str, image: bool
) -> None:
    before = available_micros(owner)
    body = node_body("Describe a lighthouse at dusk.", model, image=image)
    reply = proxy_comfy.post_json(PATH, body)
    assert reply.status_code == 200, reply.content[:300]
    data = reply.json()
    assert data["type"] == "message"
    assert data["content"][0]["text"]
    usage = data["usage"]
    per_in, per_out = MODELS[model]
    charge = _thousands(usage["input_tokens"]) * per_in + _thousands(usage["output_tokens"]) * per_out
    record = assert_charged(owner, before, charge, status=UsageStatus.SUCCEEDED)
    ceiling = input_token_ceiling([body["system"], body["messages"]])
    assert record.quoted_micros == _thousands(ceiling) * per_in + _thousands(32768) * per_out


@pytest.mark.django_db
@pytest.mark.parametrize(("marker", "status"), SYNC_MARKERS)
def test_a_failed_or_refused_message_charges_nothing(
    proxy_comfy: ComfyClient, owner: Any, marker: str, status: UsageStatus
) -> None:
    before = available_micros(owner)
    proxy_comfy.post_json(PATH, node_body(f"{marker} a poem"))
    assert_charged(owner, before, 0, status=status)


@pytest.mark.django_db
def test_an_unknown_model_is_refused_before_anything_is_reserved(
    proxy_comfy: ComfyClient, owner: Any
) -> None:
    before = available_micros(owner)
    reply = proxy_comfy.post_json(PATH, node_body("hi", "claude-2"))
    assert reply.status_code in (400, 422), reply.content[:300]
    assert available_micros(owner) == before
