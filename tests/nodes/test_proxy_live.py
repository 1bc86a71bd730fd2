"""Live mode against a mock vendor on loopback: the right base URL, key header and timeouts; real HTTP."""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import hmac
import json
from collections.abc import Iterator
from typing import Any

import pytest

from nodes.engine import forward
from nodes.models import UsageRecord, UsageStatus
from nodes.vendors import VENDORS
from tests.nodes.loopback import MockVendor, free_port, mock_vendor
from tests.nodes.proxy_support import ComfyClient, available_micros

CLIENT_ONLY = {
    "x-api-key",
    "cookie",
    "comfy-job-id",
    "comfy-usage-source",
    "comfy-core-version",
    "comfy-env",
    "x-forwarded-for",
    "comfy-user",
    "idempotency-key",
}


@pytest.fixture
def live(settings: Any) -> Iterator[MockVendor]:
    forward.use_transport(None)  # real sockets
    with mock_vendor() as vendor:
        settings.VENDOR_SETTINGS = {
            "openai": {"mode": "live", "api_key": "sk-live-123", "base_url": vendor.base + "/v1"},
            "kling": {"mode": "live", "api_key": "ak-live:sk-secret", "base_url": vendor.base},
            "pixverse": {"mode": "live", "api_key": "px-live", "base_url": vendor.base + "/openapi/v2"},
            "bfl": {"mode": "live", "api_key": ""},
        }
        yield vendor
    forward.use_transport(None)


@pytest.fixture
def live_comfy(owner: Any, proxy_key: str, proxy_prices: Any, live: MockVendor) -> ComfyClient:
    from django.test import Client

    from tests.nodes.conftest import fund_user

    fund_user(owner, 10_000_000)
    return ComfyClient(
        Client(), proxy_key, headers={"Cookie": "sessionid=abc", "X-Forwarded-For": "10.1.1.1"}
    )


@pytest.mark.django_db
def test_it_sends_the_live_key_and_nothing_of_the_client(live_comfy: ComfyClient, live: MockVendor) -> None:
    reply = live_comfy.post_json("/proxy/openai/images/generations", {"prompt": "x", "model": "dall-e-2"})
    assert reply.status_code == 200, reply.content[:300]
    [seen] = live.seen
    assert seen.path == "/v1/images/generations"
    assert seen.headers["authorization"] == "Bearer sk-live-123"
    assert not CLIENT_ONLY & set(seen.headers)
    assert json.loads(seen.body) == {"prompt": "x", "model": "dall-e-2"}


@pytest.mark.django_db
def test_it_signs_a_kling_jwt_from_the_access_and_secret_key(
    live_comfy: ComfyClient, live: MockVendor
) -> None:
    live.reply = lambda _seen: (200, {"code": 0, "data": {"task_id": "t-1", "task_status": "submitted"}})
    reply = live_comfy.post_json("/proxy/kling/v1/videos/text2video", {"prompt": "x"})
    assert reply.status_code == 200
    token = live.seen[0].headers["authorization"].removeprefix("Bearer ")
    header, payload, signature = token.split(".")
    expected = hmac.new(b"sk-secret", f"{header}.{payload}".encode(), hashlib.sha256).digest()
    assert base64.urlsafe_b64decode(signature + "==") == expected
    assert json.loads(base64.urlsafe_b64decode(payload + "=="))["iss"] == "ak-live"
    assert live.seen[0].path == "/v1/videos/text2video"


@pytest.mark.django_db
def test_it_sends_pixverse_its_key_and_a_fresh_trace_id(live_comfy: ComfyClient, live: MockVendor) -> None:
    live.reply = lambda _seen: (200, {"ErrCode": 0, "ErrMsg": "ok", "Resp": {"video_id": 77}})
    for _ in range(2):
        assert live_comfy.post_json("/proxy/pixverse/video/text/generate", {"prompt": "x"}).status_code == 200
    traces = [seen.headers["ai-trace-id"] for seen in live.seen]
    assert [seen.headers["api-key"] for seen in live.seen] == ["px-live", "px-live"]
    assert len(set(traces)) == 2


@pytest.mark.django_db
def test_it_times_out_a_slow_vendor_and_charges_nothing(
    live_comfy: ComfyClient, live: MockVendor, owner: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    vendor = VENDORS["openai"]
    quick = tuple(dataclasses.replace(route, timeout_seconds=0.3) for route in vendor.routes)
    monkeypatch.setitem(VENDORS, "openai", dataclasses.replace(vendor, routes=quick))
    live.delay = 1.5
    before = available_micros(owner)
    reply = live_comfy.post_json("/proxy/openai/images/generations", {"prompt": "x", "model": "dall-e-2"})
    assert reply.status_code == 424
    usage = UsageRecord.objects.get()
    assert (usage.status, usage.charged_micros, usage.upstream_may_bill) == (UsageStatus.UNKNOWN, 0, True)
    assert available_micros(owner) == before


@pytest.mark.django_db
def test_it_answers_502_when_the_vendor_refuses_connections(
    live_comfy: ComfyClient, owner: Any, settings: Any
) -> None:
    settings.VENDOR_SETTINGS = {
        "openai": {"mode": "live", "api_key": "sk", "base_url": f"http://127.0.0.1:{free_port()}/v1"}
    }
    before = available_micros(owner)
    reply = live_comfy.post_json("/proxy/openai/images/generations", {"prompt": "x", "model": "dall-e-2"})
    assert reply.status_code == 502
    assert available_micros(owner) == before


@pytest.mark.django_db
def test_it_answers_503_for_a_live_vendor_without_a_key(live_comfy: ComfyClient, owner: Any) -> None:
    before = available_micros(owner)
    reply = live_comfy.post_json("/proxy/bfl/flux-pro-1.1-ultra/generate", {"prompt": "x"})
    assert reply.status_code == 503
    assert "not configured" in reply.json()["error"]["message"]
    assert UsageRecord.objects.count() == 0
    assert available_micros(owner) == before
