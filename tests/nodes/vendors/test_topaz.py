"""Topaz Labs (nodes_topaz.py), replayed through /proxy in sandbox mode.

- TopazImageEnhance / TopazImageEnhanceV2: POST `image/v1/enhance-gen/async` (multipart) → `process_id`,
  poll GET `image/v1/status/{id}` (default words, lower-cased: completed / failed) → `credits`, then GET
  `image/v1/download/{id}` → `download_url` (PNG). Charged the credits reported at the node's credit price.
- TopazVideoEnhance / TopazVideoEnhanceV2: POST `video/` → `requestId`; PATCH `video/{id}/accept` → `urls`;
  PUT the MP4 to `urls[0]` (Content-Type video/mp4) → `ETag`; PATCH `video/{id}/complete-upload`
  (`uploadResults[{partNum: 1, eTag}]`); poll GET `video/{id}/status` (complete / failed) →
  `download.url`. Held at the create step, charged Topaz's `estimates.cost[0]` credits at $0.08.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone

from billing.services import holds_expire
from nodes.models import ProxyJob, UsageRecord, UsageStatus
from nodes.tasks import sweep_jobs
from tests.nodes.proxy_support import ComfyClient, available_micros
from tests.nodes.vendors.replay import assert_charged, assert_mp4, assert_png, download, poll_until

IMAGE = "/proxy/topaz/image/v1"
VIDEO = "/proxy/topaz/video"
DONE = {"completed", "complete", "failed", "cancelled", "canceled"}
SOURCE = {
    "container": "mp4",
    "size": 1_000_000,
    "duration": 10,
    "frameCount": 300,
    "frameRate": 30,
    "resolution": {"width": 1280, "height": 720},
}
OUTPUT = {
    "resolution": {"width": 1920, "height": 1080},
    "frameRate": 30,
    "audioCodec": "AAC",
    "audioTransfer": "Copy",
    "dynamicCompressionLevel": "Low",
}
MP4 = b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 64


def _status(body: Any) -> str:
    return str(body["status"]).strip().lower()


@dataclass(frozen=True)
class ImageCase:
    node: str
    fields: dict[str, str]
    quote: int
    charge: int


IMAGE_CASES = [
    ImageCase(
        "TopazImageEnhance",
        {
            "model": "Reimagine",
            "output_format": "png",
            "subject_detection": "All",
            "face_enhancement": "true",
            "crop_to_fill": "false",
            "creativity": "3",
            "face_preservation": "true",
            "color_preservation": "true",
            "prompt": "sharper",
        },
        3 * 320_000,
        4 * 80_000,
    ),
    ImageCase(
        "TopazImageEnhanceV2-Bloom",
        {
            "model": "Bloom 2",
            "output_format": "png",
            "autoprompt": "true",
            "output_width": "2048",
            "output_height": "2048",
        },
        457_600,
        4 * 114_400,
    ),
    ImageCase(
        "TopazImageEnhanceV2-Wonder",
        {
            "model": "Wonder 3.5",
            "output_format": "png",
            "enhancement_strength": "high",
            "output_width": "4000",
        },
        2 * 114_400,
        114_400,
    ),
]


@pytest.mark.django_db
@pytest.mark.parametrize("case", IMAGE_CASES, ids=[case.node for case in IMAGE_CASES])
def test_an_image_enhance_is_charged_the_credits_reported(
    proxy_comfy: ComfyClient, owner: Any, case: ImageCase
) -> None:
    before = available_micros(owner)
    fields = {**case.fields, "source_url": "https://example.com/storage/in.png"}
    reply = proxy_comfy.post_multipart(f"{IMAGE}/enhance-gen/async", fields)
    assert reply.status_code == 200, reply.content[:300]
    process_id = reply.json()["process_id"]
    final = poll_until(proxy_comfy, f"{IMAGE}/status/{process_id}", _status, DONE).json()
    assert _status(final) == "completed"
    usage = assert_charged(owner, before, case.charge, status=UsageStatus.SUCCEEDED)
    assert usage.quoted_micros == case.quote
    result = proxy_comfy.get(f"{IMAGE}/download/{process_id}")
    assert result.status_code == 200, result.content[:300]
    assert_png(download(proxy_comfy, result.json()["download_url"]))


def _patch(comfy: ComfyClient, path: str, body: Any = None) -> Any:
    data = b"" if body is None else json.dumps(body).encode()
    return comfy.client.patch(path, data=data, content_type="application/json", headers=comfy._headers())


def _create(comfy: ComfyClient, filters: list[dict[str, Any]]) -> str:
    reply = comfy.post_json(f"{VIDEO}/", {"source": SOURCE, "filters": filters, "output": OUTPUT})
    assert reply.status_code == 200, reply.content[:300]
    return str(reply.json()["requestId"])


def _upload_and_start(comfy: ComfyClient, request_id: str) -> None:
    accepted = _patch(comfy, f"{VIDEO}/{request_id}/accept")
    assert accepted.status_code == 200, accepted.content[:300]
    urls = accepted.json()["urls"]
    assert len(urls) == 1
    assert urls[0].startswith(settings.PUBLIC_BASE_URL + "/sandbox/topaz/")
    put = Client().put(urls[0].removeprefix(settings.PUBLIC_BASE_URL), data=MP4, content_type="video/mp4")
    assert put.status_code == 200
    parts = [{"partNum": 1, "eTag": put["Etag"]}]
    completed = _patch(comfy, f"{VIDEO}/{request_id}/complete-upload", {"uploadResults": parts})
    assert completed.status_code == 200, completed.content[:300]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("node", "filters", "quote_credits"),
    [
        ("TopazVideoEnhance", [{"model": "slf-1"}], 129),  # 300 frames x 0.43
        (
            "TopazVideoEnhanceV2",
            [
                {"model": "ast-2", "creativity": 0.5, "prompt": "a street", "sharp": 0.5},
                {"model": "apo-8", "slowmo": 2, "fps": 60, "duplicate": False, "duplicate_threshold": 0.01},
            ],
            600,  # 300 x (1.72 + 2 x 0.14)
        ),
    ],
)
def test_the_video_flow_runs_every_step_and_is_charged_topazs_estimate(
    proxy_comfy: ComfyClient, owner: Any, node: str, filters: list[dict[str, Any]], quote_credits: int
) -> None:
    before = available_micros(owner)
    request_id = _create(proxy_comfy, filters)
    usage = UsageRecord.objects.get(user=owner)
    assert usage.quoted_micros == quote_credits * 80_000
    assert _status(proxy_comfy.get(f"{VIDEO}/{request_id}/status").json()) == "requested"
    _upload_and_start(proxy_comfy, request_id)
    final = poll_until(proxy_comfy, f"{VIDEO}/{request_id}/status", _status, DONE).json()
    assert final["status"] == "complete", node
    assert_charged(owner, before, final["estimates"]["cost"][0] * 80_000, status=UsageStatus.SUCCEEDED)
    assert_mp4(download(proxy_comfy, final["download"]["url"]))
    # The flow has ended: a late accept reaches nobody.
    assert _patch(proxy_comfy, f"{VIDEO}/{request_id}/accept").status_code == 409


@pytest.mark.django_db
def test_a_failed_video_charges_nothing(proxy_comfy: ComfyClient, owner: Any) -> None:
    before = available_micros(owner)
    request_id = _create(proxy_comfy, [{"model": "ast-2", "prompt": "[fail] street"}])
    _upload_and_start(proxy_comfy, request_id)
    final = poll_until(proxy_comfy, f"{VIDEO}/{request_id}/status", _status, DONE).json()
    assert final["status"] == "failed"
    assert_charged(owner, before, 0, status=UsageStatus.FAILED)


@pytest.mark.django_db
def test_an_abandoned_video_flow_is_released_by_the_sweeper(proxy_comfy: ComfyClient, owner: Any) -> None:
    """Created, never accepted: Topaz does no work; the hold is released when it expires."""
    before = available_micros(owner)
    _create(proxy_comfy, [{"model": "slf-1"}])
    ProxyJob.objects.update(created_at=timezone.now() - timedelta(hours=1), last_polled_at=None)
    assert sweep_jobs()["settled"] == 0  # still "requested"
    holds_expire(now=timezone.now() + timedelta(hours=3))
    assert sweep_jobs()["expired"] == 1
    assert UsageRecord.objects.get(user=owner).status == UsageStatus.EXPIRED
    assert available_micros(owner) == before


@pytest.mark.django_db
def test_steps_need_a_job_of_the_callers_own(proxy_comfy: ComfyClient) -> None:
    assert _patch(proxy_comfy, f"{VIDEO}/not-a-job-of-mine/accept").status_code == 404
    parts = {"uploadResults": [{"partNum": 1, "eTag": "x"}]}
    assert _patch(proxy_comfy, f"{VIDEO}/not-a-job-of-mine/complete-upload", parts).status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"source": SOURCE, "filters": [{"model": "xyz-9"}], "output": OUTPUT}, 422),
        ({"source": SOURCE, "filters": [], "output": OUTPUT}, 400),
        ({"source": {**SOURCE, "frameCount": -1}, "filters": [{"model": "slf-1"}], "output": OUTPUT}, 400),
        ({"filters": [{"model": "slf-1"}], "output": OUTPUT}, 400),
    ],
)
def test_bad_video_input_is_refused_before_anything_is_reserved(
    proxy_comfy: ComfyClient, owner: Any, body: dict[str, Any], status: int
) -> None:
    before = available_micros(owner)
    reply = proxy_comfy.post_json(f"{VIDEO}/", body)
    assert reply.status_code == status, reply.content[:300]
    assert available_micros(owner) == before


@pytest.mark.django_db
def test_the_sandbox_upload_url_needs_an_accepted_request(proxy_comfy: ComfyClient) -> None:
    request_id = _create(proxy_comfy, [{"model": "slf-1"}])
    path = f"/sandbox/topaz/upload/{request_id}"
    assert Client().put(path, data=MP4, content_type="video/mp4").status_code == 403
    assert (
        Client().put("/sandbox/topaz/upload/forged-id", data=MP4, content_type="video/mp4").status_code == 403
    )
