"""L-12: every non-success outcome costs the user nothing; the hold is released exactly once."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from billing.models import Hold
from nodes.models import UsageRecord, UsageStatus
from tests.nodes.conftest import StubUpstream
from tests.nodes.proxy_support import ComfyClient, available_micros


def _only_usage(owner: Any) -> UsageRecord:
    return UsageRecord.objects.get(user=owner)


def _assert_free(owner: Any, before: int, status: UsageStatus) -> UsageRecord:
    usage = _only_usage(owner)
    assert usage.status == status
    assert usage.charged_micros == 0
    assert Hold.objects.get(pk=usage.hold_id).status == "released"
    assert available_micros(owner) == before
    return usage


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("marker", "word", "status"),
    [("[fail]", "Error", UsageStatus.FAILED), ("[moderated]", "Content Moderated", UsageStatus.MODERATED)],
)
def test_it_releases_a_failed_or_moderated_bfl_job(
    proxy_comfy: ComfyClient, owner: Any, marker: str, word: str, status: UsageStatus
) -> None:
    before = available_micros(owner)
    submitted = proxy_comfy.post_json("/proxy/bfl/flux-pro-1.1-ultra/generate", {"prompt": f"cat {marker}"})
    assert submitted.status_code == 200
    assert available_micros(owner) == before - 60_000  # held while it runs
    poll = proxy_comfy.get_absolute(submitted.json()["polling_url"])
    assert poll.json()["status"] == word  # the vendor's own word, unchanged
    assert poll["X-Comfy-Credits-Used"] == "0.00"
    _assert_free(owner, before, status)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("path", "body", "poll_path"),
    [
        ("/proxy/kling/v1/videos/text2video", {"prompt": "x [fail]"}, "kling"),
        ("/proxy/luma/generations", {"prompt": "x [moderated]", "model": "ray-2"}, "luma"),
        ("/proxy/minimax/video_generation", {"prompt": "x [fail]", "model": "T2V-01"}, "minimax"),
        ("/proxy/pixverse/video/text/generate", {"prompt": "x [moderated]"}, "pixverse"),
        ("/proxy/pika/generate/pikaffects", None, "pika"),
        ("/proxy/veo/veo-2.0-generate-001/generate", {"instances": [{"prompt": "x [moderated]"}]}, "veo"),
    ],
)
def test_it_releases_failed_async_jobs(
    proxy_comfy: ComfyClient, owner: Any, path: str, body: Any, poll_path: str
) -> None:
    before = available_micros(owner)
    if body is None:
        from tests.nodes.test_proxy_routes import png

        reply = proxy_comfy.post_multipart(path, {"image": png(), "promptText": "x [fail]"})
    else:
        reply = proxy_comfy.post_json(path, body)
    assert reply.status_code in (200, 201), reply.content[:300]
    data = reply.json()
    polls = {
        "kling": lambda: proxy_comfy.get(f"{path}/{data['data']['task_id']}"),
        "luma": lambda: proxy_comfy.get(f"/proxy/luma/generations/{data['id']}"),
        "minimax": lambda: proxy_comfy.get(
            f"/proxy/minimax/query/video_generation?task_id={data['task_id']}"
        ),
        "pixverse": lambda: proxy_comfy.get(f"/proxy/pixverse/video/result/{data['Resp']['video_id']}"),
        "pika": lambda: proxy_comfy.get(f"/proxy/pika/videos/{data['video_id']}"),
        "veo": lambda: proxy_comfy.post_json(
            "/proxy/veo/veo-2.0-generate-001/poll", {"operationName": data["name"]}
        ),
    }
    final = polls[poll_path]()
    assert final.status_code == 200
    usage = _only_usage(owner)
    assert usage.status in (UsageStatus.FAILED, UsageStatus.MODERATED)
    _assert_free(owner, before, usage.status)  # type: ignore[arg-type]


@pytest.mark.django_db
def test_it_passes_vendor_rejections_through_and_charges_nothing(
    proxy_comfy: ComfyClient, owner: Any
) -> None:
    before = available_micros(owner)
    reply = proxy_comfy.post_json(
        "/proxy/recraft/image_generation", {"prompt": "x [moderated]", "model": "recraftv3"}
    )
    assert reply.status_code == 400  # the vendor's 4xx status is kept
    body = reply.json()
    assert body["error"]["type"] == "prompt_moderation"
    assert "moderation" in body["error"]["message"]
    _assert_free(owner, before, UsageStatus.REJECTED)


@pytest.mark.django_db
def test_it_releases_a_moderated_sync_image_answered_with_200(proxy_comfy: ComfyClient, owner: Any) -> None:
    before = available_micros(owner)
    reply = proxy_comfy.post_multipart(
        "/proxy/stability/v2beta/stable-image/generate/ultra", {"prompt": "x [moderated]"}
    )
    assert reply.status_code == 200
    assert reply.json()["finish_reason"] == "CONTENT_FILTERED"
    assert reply["X-Comfy-Credits-Used"] == "0.00"
    _assert_free(owner, before, UsageStatus.MODERATED)


@pytest.mark.django_db
def test_it_answers_502_for_a_vendor_5xx_and_charges_nothing(proxy_comfy: ComfyClient, owner: Any) -> None:
    before = available_micros(owner)
    reply = proxy_comfy.post_json("/proxy/openai/images/generations", {"prompt": "x [http500]"})
    assert reply.status_code == 502
    assert reply.json()["error"]["type"] == "upstream_unavailable"
    _assert_free(owner, before, UsageStatus.UPSTREAM_ERROR)


@pytest.mark.django_db
def test_it_answers_424_when_the_outcome_is_unknown(
    proxy_stub_comfy: ComfyClient, proxy_stub: StubUpstream, owner: Any
) -> None:
    def read_timeout(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("no answer", request=request)

    proxy_stub.handler = read_timeout
    before = available_micros(owner)
    reply = proxy_stub_comfy.post_json("/proxy/openai/images/generations", {"prompt": "slow"})
    assert reply.status_code == 424  # not retried by ComfyUI: the vendor may have started
    assert reply.json()["error"]["type"] == "upstream_outcome_unknown"
    usage = _assert_free(owner, before, UsageStatus.UNKNOWN)
    assert usage.upstream_may_bill is True


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("error", "status"), [(httpx.ConnectError, 502), (httpx.ConnectTimeout, 504), (httpx.PoolTimeout, 504)]
)
def test_it_answers_5xx_when_the_vendor_cannot_be_reached(
    proxy_stub_comfy: ComfyClient, proxy_stub: StubUpstream, owner: Any, error: type[Exception], status: int
) -> None:
    def fail(request: httpx.Request) -> httpx.Response:
        raise error("down")

    proxy_stub.handler = fail
    before = available_micros(owner)
    reply = proxy_stub_comfy.post_json("/proxy/openai/images/generations", {"prompt": "x"})
    assert reply.status_code == status
    assert reply.json()["error"]["type"] == "upstream_unavailable"
    usage = _assert_free(owner, before, UsageStatus.UPSTREAM_ERROR)
    assert usage.upstream_may_bill is False


@pytest.mark.django_db
def test_it_relays_a_vendor_429_with_retry_after(
    proxy_stub_comfy: ComfyClient, proxy_stub: StubUpstream, owner: Any
) -> None:
    proxy_stub.handler = lambda _request: httpx.Response(
        429, json={"error": {"message": "slow down"}}, headers={"retry-after": "900"}
    )
    before = available_micros(owner)
    reply = proxy_stub_comfy.post_json("/proxy/openai/images/generations", {"prompt": "x"})
    assert reply.status_code == 429
    assert reply["Retry-After"] == "150"  # capped to what ComfyUI honours
    _assert_free(owner, before, UsageStatus.UPSTREAM_ERROR)


@pytest.mark.django_db
def test_it_releases_an_answer_it_cannot_classify(
    proxy_stub_comfy: ComfyClient, proxy_stub: StubUpstream, owner: Any
) -> None:
    proxy_stub.handler = lambda _request: httpx.Response(200, content=b"<html>gateway</html>")
    before = available_micros(owner)
    reply = proxy_stub_comfy.post_json("/proxy/openai/images/generations", {"prompt": "x"})
    assert reply.status_code == 200
    _assert_free(owner, before, UsageStatus.FAILED)


@pytest.mark.django_db
def test_it_releases_a_submit_without_a_job_id(
    proxy_stub_comfy: ComfyClient, proxy_stub: StubUpstream, owner: Any
) -> None:
    proxy_stub.handler = lambda _request: httpx.Response(
        200, json={"code": 1201, "message": "bad", "data": None}
    )
    before = available_micros(owner)
    reply = proxy_stub_comfy.post_json("/proxy/kling/v1/videos/text2video", {"prompt": "x"})
    assert reply.status_code == 200
    assert reply.json()["code"] == 1201  # the client shows its own "Kling initial request failed"
    _assert_free(owner, before, UsageStatus.FAILED)


@pytest.mark.django_db
def test_it_answers_503_when_admission_cannot_reach_the_database(
    proxy_comfy: ComfyClient, proxy_upstream: Any, owner: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from django.db import OperationalError

    from nodes.engine import settle

    def down(**kwargs: Any) -> Any:
        raise OperationalError("pool timeout")

    monkeypatch.setattr(settle, "usage_admit", down)
    before = available_micros(owner)
    reply = proxy_comfy.post_json("/proxy/openai/images/generations", {"prompt": "x"})
    assert reply.status_code == 503
    assert reply.json()["error"]["type"] == "upstream_unavailable"
    assert proxy_upstream.calls == []
    assert available_micros(owner) == before


@pytest.mark.django_db
def test_it_returns_the_vendors_result_when_settling_fails(
    proxy_comfy: ComfyClient, proxy_upstream: Any, owner: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from datetime import timedelta

    from django.db import OperationalError
    from django.utils import timezone

    from billing.services import holds_expire
    from nodes.engine import dbsteps, settle
    from nodes.tasks import sweep_jobs

    def down(**kwargs: Any) -> Any:
        raise OperationalError("pool timeout")

    monkeypatch.setattr(settle, "usage_settle", down)
    monkeypatch.setattr(dbsteps.asyncio, "sleep", _no_sleep)
    before = available_micros(owner)
    reply = proxy_comfy.post_json("/proxy/openai/images/generations", {"prompt": "x", "model": "dall-e-2"})
    assert reply.status_code == 200  # the user gets the image the vendor made
    assert reply.json()["data"]
    assert "X-Comfy-Credits-Used" not in reply
    monkeypatch.undo()
    holds_expire(now=timezone.now() + timedelta(hours=2))
    sweep_jobs()
    usage = _only_usage(owner)
    assert (usage.status, usage.charged_micros, usage.upstream_may_bill) == (UsageStatus.EXPIRED, 0, True)
    assert available_micros(owner) == before


async def _no_sleep(seconds: float) -> None:
    return None


@pytest.mark.django_db
def test_it_turns_bfl_task_not_found_into_a_404(
    proxy_stub_comfy: ComfyClient, proxy_stub: StubUpstream, owner: Any
) -> None:
    from django.test import Client

    proxy_stub.handler = lambda _request: httpx.Response(
        200, json={"id": "t-404", "polling_url": "https://bfl/x"}
    )
    before = available_micros(owner)
    url = proxy_stub_comfy.post_json("/proxy/bfl/flux-pro-1.1-ultra/generate", {"prompt": "x"}).json()[
        "polling_url"
    ]
    proxy_stub.handler = lambda _request: httpx.Response(
        200, json={"id": "t-404", "status": "Task not found"}
    )
    reply = Client().get(url.removeprefix("http://127.0.0.1:8000"))
    assert reply.status_code == 404  # legacy clients re-poll a 200 "Task not found" in a tight loop
    _assert_free(owner, before, UsageStatus.FAILED)


@pytest.mark.django_db
def test_it_accepts_a_platform_bearer_token_and_reserves(
    owner: Any, proxy_prices: Any, proxy_upstream: Any
) -> None:
    from django.test import Client

    from accounts.models import Device
    from accounts.tokens import token_issue
    from tests.nodes.conftest import fund_user

    fund_user(owner, 1_000_000)
    device = Device.objects.create(user=owner, session_key="s" * 32, user_agent="hosted ComfyUI")
    token = token_issue(user=owner, device=device)
    client = ComfyClient(Client(), None, headers={"Authorization": f"Bearer {token}"})
    reply = client.post_json("/proxy/openai/images/generations", {"prompt": "x", "model": "dall-e-2"})
    assert reply.status_code == 200, reply.content[:200]
    usage = _only_usage(owner)
    assert (usage.credential, usage.charged_micros) == ("token", 20_000)


@pytest.mark.django_db
def test_it_caps_a_vendor_cost_above_the_quote_and_flags_it(
    proxy_stub_comfy: ComfyClient, proxy_stub: StubUpstream, owner: Any, caplog: pytest.LogCaptureFixture
) -> None:
    proxy_stub.handler = lambda _request: httpx.Response(
        200, json={"created": 1, "credits": 5_000, "data": [{"image_id": "a", "url": "https://cdn/x.png"}]}
    )
    before = available_micros(owner)
    reply = proxy_stub_comfy.post_json(
        "/proxy/recraft/image_generation", {"prompt": "x", "model": "recraftv3"}
    )
    assert reply.status_code == 200
    usage = _only_usage(owner)
    assert (usage.charged_micros, usage.vendor_cost_micros) == (40_000, 5_000_000)  # never above the quote
    assert before - available_micros(owner) == 40_000
    assert "ALERT proxy cost above quote" in caplog.text


@pytest.mark.django_db
def test_a_second_settle_reports_the_first_outcome_and_books_nothing(
    proxy_comfy: ComfyClient, owner: Any
) -> None:
    from billing.models import CustomerEvent
    from nodes.engine import settle

    before = available_micros(owner)
    submitted = proxy_comfy.post_json("/proxy/kling/v1/videos/text2video", {"prompt": "race"})
    assert submitted.status_code == 200
    ref = settle.UsageRef.of(_only_usage(owner))
    first = settle.usage_settle(ref=ref, status=UsageStatus.SUCCEEDED, charge_micros=140_000)
    again = settle.usage_settle(ref=ref, status=UsageStatus.FAILED)  # e.g. the sweeper, a moment later
    assert first == again == settle.Settled(UsageStatus.SUCCEEDED, 140_000)
    assert before - available_micros(owner) == 140_000
    assert CustomerEvent.objects.filter(user=owner, event_type="api_usage_completed").count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize("where", ["idempotency", "poll"])
def test_it_answers_503_not_500_when_an_early_database_step_fails(
    proxy_comfy: ComfyClient, proxy_upstream: Any, owner: Any, monkeypatch: pytest.MonkeyPatch, where: str
) -> None:
    """A burst that exhausts the pool must get a retryable 503 before anything is sent, never a 500."""
    from django.db import OperationalError

    from nodes.engine import idempotency, settle

    def down(*args: Any, **kwargs: Any) -> Any:
        raise OperationalError("pool timeout")

    if where == "idempotency":
        monkeypatch.setattr(idempotency, "idempotency_begin", down)
        reply = proxy_comfy.post_json(
            "/proxy/openai/images/generations", {"prompt": "x"}, **{"Idempotency-Key": "b" * 32}
        )
    else:
        task = proxy_comfy.post_json("/proxy/kling/v1/videos/text2video", {"prompt": "x"}).json()["data"][
            "task_id"
        ]
        monkeypatch.setattr(settle, "job_for_user", down)
        reply = proxy_comfy.get(f"/proxy/kling/v1/videos/text2video/{task}")
    assert reply.status_code == 503
    assert reply.json()["error"]["type"] == "upstream_unavailable"
    assert 1 <= int(reply["Retry-After"]) <= 150
