"""comfy-contract §3.5 on /proxy (Idempotency-Key) and the per-user / per-key rate limits."""

from __future__ import annotations

from typing import Any

import pytest

from nodes.models import IdempotencyRecord, UsageRecord
from tests.nodes.proxy_support import ComfyClient, RecordingTransport, available_micros

GENERATIONS = "/proxy/openai/images/generations"
BODY = {"prompt": "idempotent", "model": "dall-e-2", "n": 2}


@pytest.mark.django_db
def test_it_replays_a_finished_call_without_charging_again(
    proxy_comfy: ComfyClient, proxy_upstream: RecordingTransport, owner: Any
) -> None:
    key = "0123456789abcdef0123456789abcdef"
    before = available_micros(owner)
    first = proxy_comfy.post_json(GENERATIONS, BODY, **{"Idempotency-Key": key})
    again = proxy_comfy.post_json(GENERATIONS, BODY, **{"Idempotency-Key": key})
    assert first.status_code == again.status_code == 200
    assert "Idempotent-Replayed" not in first
    assert again["Idempotent-Replayed"] == "true"
    assert again.content == first.content
    assert again["X-Comfy-Credits-Used"] == first["X-Comfy-Credits-Used"]
    assert len(proxy_upstream.calls) == 1
    assert UsageRecord.objects.count() == 1
    assert before - available_micros(owner) == 40_000


@pytest.mark.django_db
def test_it_unclaims_the_key_when_the_reservation_is_refused(
    owner: Any, proxy_key: str, proxy_prices: Any, proxy_upstream: RecordingTransport
) -> None:
    from django.test import Client

    from tests.nodes.conftest import fund_user

    client = ComfyClient(Client(), proxy_key)
    key = "9" * 32
    assert client.post_json(GENERATIONS, BODY, **{"Idempotency-Key": key}).status_code == 402
    assert not IdempotencyRecord.objects.exists()
    fund_user(owner, 1_000_000)  # topped up: the same retry now runs
    assert client.post_json(GENERATIONS, BODY, **{"Idempotency-Key": key}).status_code == 200


@pytest.mark.django_db
def test_it_answers_409_mismatch_for_the_same_key_and_another_body(
    proxy_comfy: ComfyClient, proxy_upstream: RecordingTransport
) -> None:
    key = "k" * 32
    assert proxy_comfy.post_json(GENERATIONS, BODY, **{"Idempotency-Key": key}).status_code == 200
    reply = proxy_comfy.post_json(GENERATIONS, {**BODY, "n": 3}, **{"Idempotency-Key": key})
    assert reply.status_code == 409
    assert reply["X-Comfy-Error-Type"] == "idempotency_mismatch"
    assert len(proxy_upstream.calls) == 1
    assert IdempotencyRecord.objects.get(key=key).done  # the first call's stored reply survives


@pytest.mark.django_db
def test_it_answers_409_in_flight_while_the_first_call_runs(
    proxy_comfy: ComfyClient, proxy_upstream: RecordingTransport, owner: Any
) -> None:
    from nodes.engine.idempotency import request_fingerprint

    key = "f" * 32
    body = b'{"prompt":"idempotent","model":"dall-e-2","n":2}'
    IdempotencyRecord.objects.create(
        user=owner, key=key, request_hash=request_fingerprint(method="POST", path=GENERATIONS, body=body)
    )
    reply = proxy_comfy.client.post(
        GENERATIONS,
        data=body,
        content_type="application/json",
        headers=proxy_comfy._headers({"Idempotency-Key": key}),
    )
    assert reply.status_code == 409
    assert reply["X-Comfy-Error-Type"] == "idempotency_in_flight"
    assert 1 <= int(reply["Retry-After"]) <= 150
    assert proxy_upstream.calls == []
    assert IdempotencyRecord.objects.filter(key=key, done=False).exists()  # the running call keeps its key


@pytest.mark.django_db
def test_it_lets_a_retry_run_again_after_an_upstream_failure(
    proxy_comfy: ComfyClient, proxy_upstream: RecordingTransport
) -> None:
    key = "e" * 32
    failing = {"prompt": "x [http500]", "model": "dall-e-2"}
    assert proxy_comfy.post_json(GENERATIONS, failing, **{"Idempotency-Key": key}).status_code == 502
    assert proxy_comfy.post_json(GENERATIONS, failing, **{"Idempotency-Key": key}).status_code == 502
    assert len(proxy_upstream.calls) == 2  # 5xx means nothing started: the retry runs
    assert IdempotencyRecord.objects.count() == 0


@pytest.mark.django_db
def test_it_never_sends_idempotency_409s_without_the_header(
    proxy_comfy: ComfyClient, proxy_upstream: RecordingTransport
) -> None:
    assert proxy_comfy.post_json(GENERATIONS, BODY).status_code == 200
    assert proxy_comfy.post_json(GENERATIONS, BODY).status_code == 200
    assert len(proxy_upstream.calls) == 2


@pytest.mark.django_db
def test_it_scopes_keys_to_their_user(
    proxy_comfy: ComfyClient, proxy_upstream: RecordingTransport, outsider: Any
) -> None:
    from django.test import Client

    from accounts.services.api_keys import api_key_create
    from tests.nodes.conftest import fund_user

    key = "d" * 32
    assert proxy_comfy.post_json(GENERATIONS, BODY, **{"Idempotency-Key": key}).status_code == 200
    fund_user(outsider, 1_000_000)
    _k, plaintext = api_key_create(user=outsider, name="x")
    reply = ComfyClient(Client(), plaintext).post_json(GENERATIONS, BODY, **{"Idempotency-Key": key})
    assert reply.status_code == 200
    assert "Idempotent-Replayed" not in reply
    assert len(proxy_upstream.calls) == 2


@pytest.mark.django_db
def test_it_rate_limits_per_user_with_retry_after(
    proxy_comfy: ComfyClient, proxy_upstream: RecordingTransport, settings: Any
) -> None:
    settings.PROXY_CALLS_PER_MINUTE_PER_USER = 2
    statuses = [proxy_comfy.post_json(GENERATIONS, BODY).status_code for _ in range(3)]
    assert statuses[:2] == [200, 200]
    assert statuses[2] == 429
    reply = proxy_comfy.post_json(GENERATIONS, BODY)
    assert reply.json()["error"]["type"] == "rate_limited"
    assert 1 <= int(reply["Retry-After"]) <= 150
    assert len(proxy_upstream.calls) == 2


@pytest.mark.django_db
def test_it_keeps_polls_outside_the_call_limit(
    proxy_comfy: ComfyClient, proxy_upstream: RecordingTransport, settings: Any
) -> None:
    settings.PROXY_CALLS_PER_MINUTE_PER_USER = 1
    task = proxy_comfy.post_json("/proxy/kling/v1/videos/text2video", {"prompt": "x"}).json()["data"][
        "task_id"
    ]
    for _ in range(5):
        reply = proxy_comfy.get(f"/proxy/kling/v1/videos/text2video/{task}")
        assert reply.status_code == 200


@pytest.mark.django_db
def test_it_refuses_to_rerun_a_call_whose_large_reply_was_not_kept(
    proxy_comfy: ComfyClient, proxy_upstream: RecordingTransport, settings: Any, owner: Any
) -> None:
    settings.PROXY_IDEMPOTENCY_MAX_STORED_BYTES = 10
    key = "c" * 32
    before = available_micros(owner)
    assert proxy_comfy.post_json(GENERATIONS, BODY, **{"Idempotency-Key": key}).status_code == 200
    again = proxy_comfy.post_json(GENERATIONS, BODY, **{"Idempotency-Key": key})
    assert again.status_code == 409
    assert again["X-Comfy-Error-Type"] == "idempotency_consumed"
    assert len(proxy_upstream.calls) == 1
    assert before - available_micros(owner) == 40_000


@pytest.mark.django_db
def test_the_sweeper_forgets_old_idempotency_records(owner: Any) -> None:
    from datetime import timedelta

    from django.utils import timezone

    from nodes.tasks import sweep_jobs

    old = timezone.now() - timedelta(days=2)
    IdempotencyRecord.objects.create(user=owner, key="old-done", request_hash="h", done=True, created_at=old)
    IdempotencyRecord.objects.create(user=owner, key="old-stuck", request_hash="h", created_at=old)
    IdempotencyRecord.objects.create(user=owner, key="fresh", request_hash="h")
    assert sweep_jobs()["idempotency_forgotten"] == 2
    assert list(IdempotencyRecord.objects.values_list("key", flat=True)) == ["fresh"]
