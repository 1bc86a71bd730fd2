"""Kling jobs settle on the video length delivered, not the longest length the quote held (issue 5).

Kling reports no cost; it bills per started second or per started 5 s block of the delivered video. The
sandbox delivers 4.2 s when the prompt (lip-sync: `input.text`) says `[short]`.
"""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import quote

import httpx
import pytest

from billing.models import Hold
from nodes.engine.pricing import BPS
from nodes.models import PricingSettings, UsageRecord, UsageStatus
from tests.nodes.conftest import StubUpstream
from tests.nodes.proxy_support import ComfyClient, available_micros, usd

MARKUP_BPS = 1_000  # 10 %, so the delivered cost is shown to carry the markup like the quote does
# Kling's published list prices (kling.ai/document-api/pricing/base/video; 1 unit = $0.14).
LIP_SYNC_PER_5S = "0.07"  # 0.5 units per 5 s; the source video is at most 10 s
AVATAR_STD_PER_SECOND = "0.056"  # 0.4 units/s; at most 60 s
AVATAR_PRO_PER_SECOND = "0.112"  # 0.8 units/s
MOTION_V26_STD_PER_SECOND = "0.07"  # 0.5 units/s; at most 30 s
V26_STD_PER_SECOND = "0.042"  # Kling 2.6 720p silent, 0.3 units/s
TURBO_720P_PER_SECOND = "0.112"  # Kling 3.0 Turbo 720p, 0.8 units/s

LIP_SYNC = "/proxy/kling/v1/videos/lip-sync"
AVATAR = "/proxy/kling/v1/videos/avatar/image2video"
MOTION = "/proxy/kling/v1/videos/motion-control"
LIP_SYNC_BODY = {"input": {"video_id": "v1", "mode": "text2video", "voice_id": "girlfriend_1_speech02"}}


def _sold(per_unit: str, units: int) -> int:
    """List price x units plus the markup, rounded up to the micro-dollar."""
    listed = usd(per_unit) * units
    return -(-listed * (BPS + MARKUP_BPS) // BPS)


@pytest.fixture
def kling_comfy(proxy_comfy: ComfyClient) -> ComfyClient:
    PricingSettings.objects.update_or_create(pk=1, defaults={"markup_bps": MARKUP_BPS})
    return proxy_comfy


def _lip_sync(text: str) -> dict[str, Any]:
    return {"input": {**LIP_SYNC_BODY["input"], "text": text}}


def _run(client: ComfyClient, path: str, body: dict[str, Any]) -> Any:
    submitted = client.post_json(path, body)
    assert submitted.status_code == 200, submitted.content[:300]
    task_id = submitted.json()["data"]["task_id"]
    polled = client.get(f"{path}/{task_id}")
    assert polled.status_code == 200
    assert polled.json()["data"]["task_status"] in {"succeed", "failed"}
    return polled


def _usage(owner: Any) -> UsageRecord:
    return UsageRecord.objects.get(user=owner)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("path", "body", "figures"),
    [
        # 4.2 s is one started 5 s block, of the two held for a 10 s source: $0.077, not $0.154.
        (LIP_SYNC, _lip_sync("hello [short]"), (_sold(LIP_SYNC_PER_5S, 2), _sold(LIP_SYNC_PER_5S, 1))),
        # 4.2 s is 5 started seconds of the 300 held (ComfyUI accepts 300 s of sound): $0.308, not $18.48.
        (
            AVATAR,
            {"image": "https://i", "sound_file": "https://a", "prompt": "talk [short]", "mode": "std"},
            (_sold(AVATAR_STD_PER_SECOND, 300), _sold(AVATAR_STD_PER_SECOND, 5)),
        ),
        (
            AVATAR,
            {"image": "https://i", "sound_file": "https://a", "prompt": "talk [short]", "mode": "pro"},
            (_sold(AVATAR_PRO_PER_SECOND, 300), _sold(AVATAR_PRO_PER_SECOND, 5)),
        ),
        (
            MOTION,
            {"prompt": "dance [short]", "image_url": "https://i", "video_url": "https://v", "mode": "std"},
            (_sold(MOTION_V26_STD_PER_SECOND, 30), _sold(MOTION_V26_STD_PER_SECOND, 5)),
        ),
    ],
)
def test_it_charges_the_length_delivered_when_it_is_shorter_than_the_quote(
    kling_comfy: ComfyClient, owner: Any, path: str, body: dict[str, Any], figures: tuple[int, int]
) -> None:
    quoted, charged = figures
    before = available_micros(owner)
    polled = _run(kling_comfy, path, body)
    assert polled.json()["data"]["task_result"]["videos"][0]["duration"] == "4.2"
    usage = _usage(owner)
    assert (usage.status, usage.quoted_micros, usage.charged_micros) == (
        UsageStatus.SUCCEEDED,
        quoted,
        charged,
    )
    assert Hold.objects.get(pk=usage.hold_id).status == "captured"
    assert available_micros(owner) == before - charged


@pytest.mark.django_db
def test_it_figures_the_exact_lip_sync_and_avatar_charges(kling_comfy: ComfyClient, owner: Any) -> None:
    """The same figures as literals: $0.07 + 10 % = 77,000 µ$; 5 x $0.056 + 10 % = 308,000 µ$."""
    assert (_sold(LIP_SYNC_PER_5S, 1), _sold(AVATAR_STD_PER_SECOND, 5)) == (77_000, 308_000)
    _run(kling_comfy, LIP_SYNC, _lip_sync("hi [short]"))
    usage = _usage(owner)
    assert (usage.quoted_micros, usage.charged_micros, usage.vendor_cost_micros) == (154_000, 77_000, 70_000)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("path", "body", "charged"),
    [
        # Without the marker the avatar's audio runs the full 300 s: the quote is the charge.
        (
            AVATAR,
            {"image": "https://i", "sound_file": "https://a", "prompt": "talk", "mode": "std"},
            _sold(AVATAR_STD_PER_SECOND, 300),
        ),
        # A 10 s text-to-video is charged its 10 s, though the sandbox's file is shorter.
        (
            "/proxy/kling/v1/videos/text2video",
            {"prompt": "sea", "model_name": "kling-v2-6", "mode": "std", "duration": "10"},
            _sold(V26_STD_PER_SECOND, 10),
        ),
    ],
)
def test_it_charges_the_quote_when_the_full_length_is_delivered(
    kling_comfy: ComfyClient, owner: Any, path: str, body: dict[str, Any], charged: int
) -> None:
    _run(kling_comfy, path, body)
    usage = _usage(owner)
    assert (usage.status, usage.quoted_micros, usage.charged_micros) == (
        UsageStatus.SUCCEEDED,
        charged,
        charged,
    )


@pytest.mark.django_db
def test_it_charges_a_short_turbo_video_by_its_outputs(kling_comfy: ComfyClient, owner: Any) -> None:
    body = {"prompt": "city [short]", "settings": {"resolution": "720p", "duration": 10}}
    submitted = kling_comfy.post_json("/proxy/kling/text-to-video/kling-3.0-turbo", body)
    task_id = submitted.json()["data"]["id"]
    polled = kling_comfy.get(f"/proxy/kling/tasks?task_ids={quote(task_id, safe='')}")
    assert polled.json()["data"][0]["outputs"][0]["duration"] == "4.2"
    usage = _usage(owner)
    assert usage.quoted_micros == _sold(TURBO_720P_PER_SECOND, 10)
    assert usage.charged_micros == _sold(TURBO_720P_PER_SECOND, 5)


@pytest.mark.django_db
def test_it_charges_nothing_for_a_failed_avatar(kling_comfy: ComfyClient, owner: Any) -> None:
    before = available_micros(owner)
    body = {"image": "https://i", "sound_file": "https://a", "prompt": "talk [short] [fail]", "mode": "std"}
    polled = _run(kling_comfy, AVATAR, body)
    assert polled.json()["data"]["task_status"] == "failed"
    assert polled["X-Comfy-Credits-Used"] == "0.00"
    usage = _usage(owner)
    assert (usage.status, usage.charged_micros) == (UsageStatus.FAILED, 0)
    assert Hold.objects.get(pk=usage.hold_id).status == "released"
    assert available_micros(owner) == before


def _kling_stub(stub: StubUpstream, videos: Any) -> None:
    """Kling accepts the job, then reports success with `videos` as its `task_result.videos`."""

    def reply(request: httpx.Request) -> httpx.Response:
        data: dict[str, Any] = {"task_id": "kt-1", "task_status": "submitted"}
        if request.method == "GET":
            data = {"task_id": "kt-1", "task_status": "succeed", "task_result": {"videos": videos}}
        return httpx.Response(200, json={"code": 0, "message": "SUCCEED", "request_id": "r", "data": data})

    stub.handler = reply


@pytest.mark.django_db
@pytest.mark.parametrize(
    "videos",
    [
        [{"id": "v", "url": "https://v", "duration": "five"}],
        [{"id": "v", "url": "https://v", "duration": ""}],
        [{"id": "v", "url": "https://v", "duration": "NaN"}],
        [{"id": "v", "url": "https://v", "duration": "-4"}],
        [{"id": "v", "url": "https://v", "duration": 4.2}],  # a float, not Kling's string
        [{"id": "v", "url": "https://v"}],
        [{"id": "v", "url": "https://v", "duration": "4.2"}, {"id": "w", "duration": None}],
        [],
        None,
    ],
)
def test_it_charges_the_quote_when_the_duration_is_missing_or_garbled(
    proxy_stub_comfy: ComfyClient,
    proxy_stub: StubUpstream,
    owner: Any,
    videos: Any,
    caplog: pytest.LogCaptureFixture,
) -> None:
    PricingSettings.objects.update_or_create(pk=1, defaults={"markup_bps": MARKUP_BPS})
    _kling_stub(proxy_stub, videos)
    with caplog.at_level(logging.WARNING, logger="nodes.engine.settle"):
        _run(proxy_stub_comfy, LIP_SYNC, _lip_sync("hello"))
    usage = _usage(owner)
    assert (usage.status, usage.charged_micros) == (UsageStatus.SUCCEEDED, _sold(LIP_SYNC_PER_5S, 2))
    assert "at its quote" in caplog.text


@pytest.mark.django_db
def test_it_charges_a_stub_reply_by_its_duration(
    proxy_stub_comfy: ComfyClient, proxy_stub: StubUpstream, owner: Any
) -> None:
    """Kling's own shape (seconds as a string): 3.9 s is one started 5 s block of the two held."""
    PricingSettings.objects.update_or_create(pk=1, defaults={"markup_bps": MARKUP_BPS})
    _kling_stub(proxy_stub, [{"id": "v", "url": "https://v", "duration": "3.9"}])
    _run(proxy_stub_comfy, LIP_SYNC, _lip_sync("hello"))
    assert _usage(owner).charged_micros == _sold(LIP_SYNC_PER_5S, 1)


@pytest.mark.django_db
def test_the_sweeper_also_charges_the_length_delivered(kling_comfy: ComfyClient, owner: Any) -> None:
    """A job its client stopped polling is settled by the server's own poll, on the same terms."""
    from datetime import timedelta

    from django.utils import timezone

    from nodes.models import ProxyJob
    from nodes.tasks import sweep_jobs

    before = available_micros(owner)
    submitted = kling_comfy.post_json(LIP_SYNC, _lip_sync("hello [short]"))
    assert submitted.status_code == 200, submitted.content[:300]
    ProxyJob.objects.update(created_at=timezone.now() - timedelta(hours=1), last_polled_at=None)
    assert sweep_jobs()["settled"] == 1
    usage = _usage(owner)
    assert (usage.status, usage.charged_micros) == (UsageStatus.SUCCEEDED, _sold(LIP_SYNC_PER_5S, 1))
    assert available_micros(owner) == before - _sold(LIP_SYNC_PER_5S, 1)
