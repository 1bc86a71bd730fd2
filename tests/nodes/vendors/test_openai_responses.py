"""OpenAI ChatGPT (nodes_openai.py OpenAIChatNode), replayed through /proxy in sandbox mode.

The node POSTs `/proxy/openai/v1/responses` (JSON `input[{role: user, content[input_text, input_image…,
input_file…]}]`, `model`, `store: true`, `stream: false`, `truncation`, `parallel_tool_calls`, and from its
advanced options `instructions`, `max_output_tokens`), then polls GET `/proxy/openai/v1/responses/{id}` until
`completed` or `incomplete`. The hold is the input ceiling plus the output limit (the model's own when the
request sets none); the charge is the `usage` tokens, per 1K.
"""

from __future__ import annotations

import math
from typing import Any

import pytest

from nodes.models import UsageStatus
from nodes.vendors.openai import TEXT_MODELS, reported_model
from tests.nodes.conftest import fund_user
from tests.nodes.proxy_support import ComfyClient, available_micros
from tests.nodes.vendors.replay import assert_charged, poll_until

PATH = "/proxy/openai/v1/responses"
PIXEL = (
    "data:image/png;base64,"
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
)
TERMINAL = {"completed", "incomplete", "failed", "cancelled"}


@pytest.fixture
def comfy(proxy_comfy: ComfyClient, owner: Any) -> ComfyClient:
    fund_user(owner, 200_000_000)
    return proxy_comfy


def node_body(
    prompt: str, model: str = "gpt-5", *, image: bool = False, pdf: bool = False, **advanced: Any
) -> dict[str, Any]:
    """What the node sends (OpenAICreateResponse dumped without its unset fields)."""
    content: list[dict[str, Any]] = [{"text": prompt, "type": "input_text"}]
    if image:
        content.append({"detail": "auto", "image_url": PIXEL, "type": "input_image"})
    if pdf:
        content.append(
            {
                "file_data": "data:application/pdf;base64,JVBERi0xLjQK",
                "filename": "a.pdf",
                "type": "input_file",
            }
        )
    return {
        "truncation": "disabled",
        "input": [{"content": content, "role": "user"}],
        "parallel_tool_calls": True,
        "store": True,
        "stream": False,
        "model": model,
        **advanced,
    }


def _status(data: Any) -> str:
    return str(data.get("status"))


def _charge(model: str, usage: dict[str, int]) -> int:
    per_in, per_out = TEXT_MODELS[model].per_1k
    return (
        math.ceil(usage["input_tokens"] / 1000) * per_in + math.ceil(usage["output_tokens"] / 1000) * per_out
    )


def _text(data: Any) -> str:
    message = next(item for item in data["output"] if item["type"] == "message")
    return str(next(part["text"] for part in message["content"] if part["type"] == "output_text"))


@pytest.mark.django_db
@pytest.mark.parametrize("model", sorted(TEXT_MODELS))
def test_chatgpt_is_charged_the_tokens_it_reports(comfy: ComfyClient, owner: Any, model: str) -> None:
    before = available_micros(owner)
    body = node_body("Describe a lighthouse at dusk.", model, image=True)
    reply = comfy.post_json(PATH, body)
    assert reply.status_code == 200, reply.content[:300]
    final = poll_until(comfy, f"{PATH}/{reply.json()['id']}", _status, TERMINAL).json()
    assert final["status"] == "completed"
    assert _text(final).startswith("Sandbox reply")
    record = assert_charged(owner, before, _charge(model, final["usage"]), status=UsageStatus.SUCCEEDED)
    spec = TEXT_MODELS[model]
    assert record.quoted_micros > math.ceil(spec.max_output / 1000) * spec.per_1k[1]
    assert record.model == model


@pytest.mark.django_db
def test_the_advanced_options_limit_the_hold(comfy: ComfyClient, owner: Any) -> None:
    before = available_micros(owner)
    body = node_body("A haiku", "gpt-4.1", instructions="Be brief.", max_output_tokens=16)
    reply = comfy.post_json(PATH, body)
    assert reply.status_code == 200, reply.content[:300]
    final = poll_until(comfy, f"{PATH}/{reply.json()['id']}", _status, TERMINAL).json()
    # The reply stops at the limit: `incomplete` is a result (the node shows its text), and OpenAI bills it.
    assert final["status"] == "incomplete"
    assert final["incomplete_details"] == {"reason": "max_output_tokens"}
    assert final["usage"]["output_tokens"] == 16
    record = assert_charged(owner, before, _charge("gpt-4.1", final["usage"]), status=UsageStatus.SUCCEEDED)
    assert record.quoted_micros == 1 * 2_000 + 1 * 8_000


@pytest.mark.django_db
def test_a_file_is_held_as_a_hundred_pages_within_the_window(comfy: ComfyClient, owner: Any) -> None:
    before = available_micros(owner)
    reply = comfy.post_json(PATH, node_body("Summarise", "gpt-5-nano", pdf=True))
    assert reply.status_code == 200, reply.content[:300]
    final = poll_until(comfy, f"{PATH}/{reply.json()['id']}", _status, TERMINAL).json()
    assert final["status"] == "completed"
    charge = _charge("gpt-5-nano", final["usage"])
    record = assert_charged(owner, before, charge, status=UsageStatus.SUCCEEDED)
    # 100 pages of 3,800 tokens is above gpt-5-nano's 272K input window: the window is held.
    assert record.quoted_micros == 272 * 50 + 128 * 400


@pytest.mark.django_db
def test_a_long_request_is_held_at_the_long_context_rate(comfy: ComfyClient, owner: Any) -> None:
    before = available_micros(owner)
    body = node_body("word " * 60_000, "gpt-5.5", max_output_tokens=1000)
    reply = comfy.post_json(PATH, body)
    assert reply.status_code == 200, reply.content[:300]
    final = poll_until(comfy, f"{PATH}/{reply.json()['id']}", _status, TERMINAL).json()
    # The sandbox counts 75K tokens: below 272K, so the charge is at the normal rate.
    charge = _charge("gpt-5.5", final["usage"])
    record = assert_charged(owner, before, charge, status=UsageStatus.SUCCEEDED)
    # 300K characters may be 300K tokens: above 272K, OpenAI bills 2x input and 1.5x output.
    assert record.quoted_micros == 301 * 10_000 + 1 * 45_000


@pytest.mark.django_db
def test_a_slow_reply_is_polled_to_its_end(comfy: ComfyClient, owner: Any, settings: Any) -> None:
    settings.SANDBOX_JOB_SECONDS = 0.2
    before = available_micros(owner)
    reply = comfy.post_json(PATH, node_body("[slow] a long answer", "gpt-5-mini"))
    assert reply.status_code == 200, reply.content[:300]
    assert reply.json()["status"] in ("queued", "in_progress")
    final = poll_until(comfy, f"{PATH}/{reply.json()['id']}", _status, TERMINAL, rounds=2000).json()
    assert final["status"] == "completed"
    assert_charged(owner, before, _charge("gpt-5-mini", final["usage"]), status=UsageStatus.SUCCEEDED)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("marker", "status"), [("[fail]", UsageStatus.FAILED), ("[moderated]", UsageStatus.MODERATED)]
)
def test_a_failed_or_filtered_reply_charges_nothing(
    comfy: ComfyClient, owner: Any, marker: str, status: UsageStatus
) -> None:
    before = available_micros(owner)
    reply = comfy.post_json(PATH, node_body(f"{marker} a poem"))
    assert reply.status_code == 200, reply.content[:300]
    poll_until(comfy, f"{PATH}/{reply.json()['id']}", _status, TERMINAL)
    assert_charged(owner, before, 0, status=status)


@pytest.mark.django_db
def test_a_vendor_error_charges_nothing(comfy: ComfyClient, owner: Any) -> None:
    before = available_micros(owner)
    reply = comfy.post_json(PATH, node_body("[http500] a poem"))
    assert reply.status_code >= 500
    assert_charged(owner, before, 0, status=UsageStatus.UPSTREAM_ERROR)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "extra",
    [
        {"model": "gpt-3.5-turbo"},
        {"stream": True},
        {"tools": [{"type": "web_search"}]},
        {"previous_response_id": "resp_someone_elses"},
        {"background": True},
        {"service_tier": "priority"},
        {"max_output_tokens": 15},
        {"max_output_tokens": 32_769, "model": "gpt-4.1"},
    ],
)
def test_what_cannot_be_priced_is_refused_before_anything_is_reserved(
    comfy: ComfyClient, owner: Any, extra: dict[str, Any]
) -> None:
    before = available_micros(owner)
    reply = comfy.post_json(PATH, {**node_body("hi"), **extra})
    assert reply.status_code in (400, 422), reply.content[:300]
    assert available_micros(owner) == before


@pytest.mark.django_db
def test_another_callers_response_is_not_found(comfy: ComfyClient) -> None:
    reply = comfy.get(f"{PATH}/resp_not_one_of_yours")
    assert reply.status_code == 404


def test_a_reply_names_the_model_or_its_dated_snapshot() -> None:
    assert reported_model("gpt-4.1-2025-04-14") == "gpt-4.1"
    assert reported_model("gpt-5-mini-2025-08-07") == "gpt-5-mini"
    assert reported_model("gpt-5") == "gpt-5"
    assert reported_model("gpt-9-2025-01-01") is None
    assert reported_model(None) is None
