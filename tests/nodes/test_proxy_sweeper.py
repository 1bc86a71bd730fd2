"""Jobs nobody polls are settled by the vendor's outcome; holds past their TTL are released and absorbed."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from billing.services import holds_expire
from nodes.models import ProxyJob, UsageRecord, UsageStatus
from nodes.tasks import sweep_jobs
from tests.nodes.proxy_support import ComfyClient, available_micros


def _abandon() -> None:
    """As if the client stopped polling long ago (a legacy client gives up after ~10 minutes)."""
    ProxyJob.objects.update(created_at=timezone.now() - timedelta(hours=1), last_polled_at=None)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("path", "body", "quote"),
    [
        ("/proxy/kling/v1/videos/text2video", {"prompt": "abandoned"}, 140_000),
        ("/proxy/bfl/flux-pro-1.1-ultra/generate", {"prompt": "abandoned"}, 60_000),
        ("/proxy/veo/veo-2.0-generate-001/generate", {"instances": [{"prompt": "a"}]}, 4_000_000),
        ("/proxy/minimax/video_generation", {"prompt": "abandoned", "model": "T2V-01"}, 430_000),
    ],
)
def test_it_settles_an_abandoned_job_by_the_vendors_outcome(
    proxy_comfy: ComfyClient, owner: Any, path: str, body: dict[str, Any], quote: int
) -> None:
    before = available_micros(owner)
    assert proxy_comfy.post_json(path, body).status_code == 200
    _abandon()
    result = sweep_jobs()
    assert result["settled"] == 1
    usage = UsageRecord.objects.get()
    assert (usage.status, usage.charged_micros) == (UsageStatus.SUCCEEDED, quote)
    assert before - available_micros(owner) == quote
    assert ProxyJob.objects.get().state == "settled"
    assert sweep_jobs()["polled"] == 0  # settled jobs are never polled again


@pytest.mark.django_db
def test_it_releases_an_abandoned_job_that_failed(proxy_comfy: ComfyClient, owner: Any) -> None:
    before = available_micros(owner)
    proxy_comfy.post_json("/proxy/pika/generate/2.2/t2v", {"x": 1})  # wrong body type: refused, not sent
    reply = proxy_comfy.post_form("/proxy/pika/generate/2.2/t2v", "promptText=boom+[fail]&resolution=720p")
    assert reply.status_code == 200
    _abandon()
    sweep_jobs()
    usage = UsageRecord.objects.get()
    assert (usage.status, usage.charged_micros) == (UsageStatus.FAILED, 0)
    assert available_micros(owner) == before


@pytest.mark.django_db
def test_it_leaves_recently_polled_jobs_to_their_client(proxy_comfy: ComfyClient) -> None:
    assert proxy_comfy.post_json("/proxy/kling/v1/videos/text2video", {"prompt": "busy"}).status_code == 200
    assert sweep_jobs()["polled"] == 0
    assert UsageRecord.objects.get().status == UsageStatus.SUBMITTED


@pytest.mark.django_db
def test_it_absorbs_a_job_whose_hold_expired_unresolved(
    proxy_comfy: ComfyClient, owner: Any, settings: Any
) -> None:
    settings.SANDBOX_JOB_SECONDS = 24 * 3600  # the vendor never finishes within the TTL
    before = available_micros(owner)
    assert proxy_comfy.post_json("/proxy/kling/v1/videos/text2video", {"prompt": "stuck"}).status_code == 200
    _abandon()
    assert sweep_jobs()["settled"] == 0  # still processing
    usage = UsageRecord.objects.get()
    assert usage.status == UsageStatus.SUBMITTED
    holds_expire(now=timezone.now() + timedelta(hours=3))
    assert sweep_jobs()["expired"] == 1
    usage.refresh_from_db()
    assert (usage.status, usage.charged_micros, usage.upstream_may_bill) == (UsageStatus.EXPIRED, 0, True)
    assert available_micros(owner) == before
    # A late poll after expiry charges nothing either.
    task = ProxyJob.objects.get().vendor_job_id
    assert proxy_comfy.get(f"/proxy/kling/v1/videos/text2video/{task}").status_code == 200
    assert available_micros(owner) == before


def test_every_route_ttl_covers_the_client_poll_window() -> None:
    """quality.md L7: a hold lives at least the longest upstream run plus 40 minutes of polling."""
    from nodes.vendors import VENDORS

    for vendor in VENDORS.values():
        for route in vendor.routes:
            if route.kind in ("sync", "submit"):
                assert route.ttl >= timedelta(seconds=route.timeout_seconds) + timedelta(minutes=40), (
                    route.label
                )
            if route.kind == "submit":
                assert route.poll_route, route.label
                assert vendor.route_named(route.poll_route), route.label


@pytest.mark.django_db
def test_the_sweeper_asks_the_vendor_what_a_users_poll_asks(
    proxy_comfy: ComfyClient, proxy_upstream: Any, settings: Any
) -> None:
    """One request builds every poll (from the job's server-side state): Veo's POST poll included."""
    settings.SANDBOX_JOB_SECONDS = 24 * 3600  # still running at both polls
    submitted = proxy_comfy.post_json(
        "/proxy/veo/veo-2.0-generate-001/generate", {"instances": [{"prompt": "a"}]}
    )
    operation = submitted.json()["name"]
    polled = proxy_comfy.post_json("/proxy/veo/veo-2.0-generate-001/poll", {"operationName": operation})
    assert polled.status_code == 200
    user_poll = proxy_upstream.calls[-1]
    _abandon()
    sweep_jobs()
    sweeper_poll = proxy_upstream.calls[-1]
    assert sweeper_poll is not user_poll
    assert (sweeper_poll.method, sweeper_poll.url, sweeper_poll.body) == (
        user_poll.method,
        user_poll.url,
        user_poll.body,
    )
    assert ProxyJob.objects.get().last_status  # the vendor's own word, recorded by both


@pytest.mark.django_db
def test_the_sweeper_records_the_vendors_status_word(proxy_comfy: ComfyClient, settings: Any) -> None:
    settings.SANDBOX_JOB_SECONDS = 24 * 3600
    assert proxy_comfy.post_json("/proxy/kling/v1/videos/text2video", {"prompt": "slow"}).status_code == 200
    _abandon()
    sweep_jobs()
    job = ProxyJob.objects.get()
    assert job.last_status in {"submitted", "processing"}
    assert job.last_polled_at is not None


@pytest.mark.django_db
def test_the_sweeper_releases_a_job_the_vendor_no_longer_knows(
    proxy_stub_comfy: ComfyClient, proxy_stub: Any, owner: Any
) -> None:
    import httpx

    proxy_stub.handler = lambda _r: httpx.Response(200, json={"id": "gone-1", "polling_url": "https://bfl/x"})
    before = available_micros(owner)
    assert (
        proxy_stub_comfy.post_json("/proxy/bfl/flux-pro-1.1-ultra/generate", {"prompt": "x"}).status_code
        == 200
    )
    proxy_stub.handler = lambda _r: httpx.Response(200, json={"id": "gone-1", "status": "Task not found"})
    _abandon()
    assert sweep_jobs()["settled"] == 1
    usage = UsageRecord.objects.get()
    assert (usage.status, usage.charged_micros) == (UsageStatus.FAILED, 0)
    assert ProxyJob.objects.get().last_status == "Task not found"
    assert available_micros(owner) == before
