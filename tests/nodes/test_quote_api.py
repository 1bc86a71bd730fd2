"""`POST /customers/quote`: prices API-node requests like `/proxy` would, without reserving or forwarding."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from billing.models import Hold, LedgerEntry
from nodes.models import PricingSettings, UsageRecord
from tests.nodes.proxy_support import ComfyClient, RecordingTransport

QUOTE = "/customers/quote"
VEO_4K = {
    "method": "POST",
    "path": "/proxy/veo/veo-3.1-generate-001/generate",
    "body": {"instances": [{"prompt": "a fox"}], "parameters": {"durationSeconds": 8, "resolution": "4k"}},
}
RECRAFT_VECTORIZE = {
    "method": "POST",
    "path": "/proxy/recraft/images/vectorize",
    "body": {},
    "files": ["image"],
}


def _quote(comfy: ComfyClient, calls: Any) -> Any:
    return comfy.client.post(
        QUOTE, data=json.dumps({"calls": calls}), content_type="application/json", headers=comfy._headers()
    )


@pytest.mark.django_db
def test_it_quotes_calls_in_order_with_markup_and_the_price_rows(
    proxy_comfy: ComfyClient, proxy_upstream: RecordingTransport
) -> None:
    PricingSettings.objects.update_or_create(pk=1, defaults={"markup_bps": 1_000})
    entries = LedgerEntry.objects.count()
    reply = _quote(proxy_comfy, [VEO_4K, RECRAFT_VECTORIZE])
    assert reply.status_code == 200, reply.content[:300]
    assert reply["Cache-Control"] == "no-store"
    veo, recraft = reply.json()["calls"]
    # Veo 3.1 at 4K with audio: $0.60/s x 8 s = $4.80 list, + 10 % = $5.28.
    assert veo["max_micros"] == 5_280_000
    assert veo["price"]["list_micros"] == 4_800_000
    assert veo["price"]["markup_bps"] == 1_000
    assert veo["price"]["rows"] == [
        {"key": "veo-3.1-generate-001/audio/4k/second", "quantity": 8, "unit_micros": 600_000}
    ]
    assert isinstance(veo["price"]["version"], int)
    assert veo["max_credits"] == 1114.08  # 5,280,000 µ$ x 211 credits per USD
    assert recraft["max_micros"] == 11_000  # $0.01 + 10 %
    assert proxy_upstream.calls == []
    assert UsageRecord.objects.count() == 0
    assert Hold.objects.count() == 0
    assert LedgerEntry.objects.count() == entries


@pytest.mark.django_db
def test_it_answers_each_bad_call_with_its_own_error(
    proxy_comfy: ComfyClient, proxy_upstream: RecordingTransport
) -> None:
    calls = [
        {"method": "POST", "path": "/proxy/nope/v1/x", "body": {}},
        {
            "method": "POST",
            "path": "/proxy/openai/images/generations",
            "body": {"model": "dall-e-9", "prompt": "x"},
        },
        {"method": "POST", "path": "/proxy/openai/images/generations", "body": {"model": "dall-e-2"}},
        {"method": "GET", "path": "/proxy/kling/v1/videos/text2video/abc"},
        VEO_4K,
    ]
    reply = _quote(proxy_comfy, calls)
    assert reply.status_code == 200, reply.content[:300]
    unknown, unpriced, invalid, free, fine = reply.json()["calls"]
    assert (unknown["status"], unknown["error"]["type"]) == (404, "unknown_route")
    assert (unpriced["status"], unpriced["error"]["type"]) == (422, "price_unavailable")
    assert (invalid["status"], invalid["error"]["type"]) == (400, "invalid_request")
    assert (free["status"], free["error"]["type"]) == (422, "not_metered")
    for answer in (unknown, unpriced, invalid, free):
        assert set(answer) >= {"error", "message", "code"}
    assert fine["max_micros"] == 4_800_000  # no markup set
    assert UsageRecord.objects.count() == 0


@pytest.mark.django_db
@pytest.mark.parametrize(
    "payload",
    [{}, {"calls": []}, {"calls": "x"}, {"calls": [VEO_4K], "extra": 1}, {"calls": [VEO_4K] * 51}],
)
def test_it_refuses_a_malformed_request(proxy_comfy: ComfyClient, payload: Any) -> None:
    reply = proxy_comfy.client.post(
        QUOTE, data=json.dumps(payload), content_type="application/json", headers=proxy_comfy._headers()
    )
    assert reply.status_code == 400, reply.content[:300]
    assert reply.json()["error"]["type"] == "invalid_request"


@pytest.mark.django_db
def test_it_needs_an_api_key_or_token(proxy_prices: Any) -> None:
    reply = Client().post(QUOTE, data=json.dumps({"calls": [VEO_4K]}), content_type="application/json")
    assert reply.status_code == 401


@pytest.mark.django_db
def test_the_pricing_page_prices_its_examples_with_the_same_function(proxy_prices: Any) -> None:
    PricingSettings.objects.update_or_create(pk=1, defaults={"markup_bps": 5_000})
    html = Client().get("/pricing").content.decode()
    assert "Veo 3.1, 8 s 4K video with audio" in html
    assert "$7.20" in html  # $0.60/s x 8 s = $4.80, + 50 %
    assert "GPT Image 2, high quality 3840 x 2160 image" in html
    assert "$1.24" in html  # ($0.804 + $0.02 allowance) x 1.5 = $1.236


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("call", "status", "kind"),
    [
        ("not an object", 400, "invalid_request"),
        ({"method": "POST"}, 400, "invalid_request"),  # no path
        ({"path": 5}, 400, "invalid_request"),
        ({"path": "http://169.254.169.254/proxy/openai/images/generations"}, 404, "unknown_route"),
        ({"path": "/customers/balance"}, 404, "unknown_route"),
        ({"path": "/proxy/openai/../customers"}, 400, "invalid_request"),
        ({"path": "/proxy/openai/images/generations", "body": [1]}, 400, "invalid_request"),
        ({"path": "/proxy/recraft/images/vectorize", "body": {}, "files": "image"}, 400, "invalid_request"),
        (
            {"path": "/proxy/recraft/images/vectorize", "body": {"n": True}, "files": ["image"]},
            400,
            "invalid_request",
        ),
        (
            {"path": "/proxy/openai/images/generations", "body": {"model": "dall-e-2", "prompt": "x"}},
            None,
            None,
        ),
        (
            {
                "path": "/proxy/openai/images/generations",
                "body": {"prompt": "x", "callback_url": "https://e"},
            },
            400,
            "callback_not_allowed",
        ),
        ({"path": "/proxy/openai/images/generations", "extra": 1}, 400, "invalid_request"),
    ],
)
def test_it_answers_a_malformed_call_in_the_one_error_shape(
    proxy_comfy: ComfyClient, call: Any, status: int | None, kind: str | None
) -> None:
    reply = _quote(proxy_comfy, [call])
    assert reply.status_code == 200, reply.content[:300]
    (answer,) = reply.json()["calls"]
    if status is None:
        assert answer["max_micros"] == 20_000  # priced like any other prompt
        return
    assert (answer["status"], answer["error"]["type"]) == (status, kind), answer
    assert answer["message"] == answer["error"]["message"]


def test_a_lone_surrogate_refuses_the_whole_quote_request(proxy_comfy: ComfyClient) -> None:
    """The request's JSON itself is invalid (issue 14 item 2): 400 invalid_json, as /proxy answers."""
    call = {"path": "/proxy/openai/images/generations", "body": {"model": "dall-e-2", "prompt": "\ud800"}}
    reply = _quote(proxy_comfy, [call])
    assert reply.status_code == 400
    assert reply.json()["error"]["type"] == "invalid_json"
