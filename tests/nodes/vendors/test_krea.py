"""Krea (nodes_krea.py), replayed through /proxy in sandbox mode.

- Krea 2 Style Reference: POST multipart `assets` (`file`) → `image_url` (free), chained into the image node.
- Krea 2 Image: POST `generate/image/krea/krea-2/{medium|medium-turbo|large}` → `job_id`, poll GET
  `jobs/{job_id}` (`status`: backlogged/queued/scheduled, processing; completed, failed, cancelled) →
  `result.urls[0]`. Priced by model and by what steers it: a moodboard, else style references, else text.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from nodes.models import UsageRecord, UsageStatus
from nodes.sandbox.media import png_bytes
from tests.nodes.proxy_support import ComfyClient, available_micros
from tests.nodes.vendors.replay import assert_charged, assert_png, download, poll_until

BASE = "/proxy/krea"
DONE = {"completed", "failed", "cancelled"}
MOODBOARD = [{"id": "0b7e3c1a-2f4d-4e5a-9b6c-7d8e9f0a1b2c", "strength": 0.35}]


def _body(prompt: str = "a lighthouse at dusk", **extra: Any) -> dict[str, Any]:
    base = {
        "prompt": prompt,
        "aspect_ratio": "16:9",
        "resolution": "1K",
        "seed": 7,
        "creativity": "medium",
        "moodboards": None,
        "image_style_references": None,
    }
    return {**base, **extra}


def _status(body: Any) -> str:
    return str(body.get("status"))


def _upload(comfy: ComfyClient) -> str:
    picture = SimpleUploadedFile("ref.png", png_bytes(seed=3, width=32, height=32), content_type="image/png")
    reply = comfy.post_multipart(f"{BASE}/assets", {"file": picture})
    assert reply.status_code == 200, reply.content[:300]
    url: str = reply.json()["image_url"]
    return url


def _generate(comfy: ComfyClient, model: str, body: dict[str, Any]) -> dict[str, Any]:
    reply = comfy.post_json(f"{BASE}/generate/image/krea/krea-2/{model}", body)
    assert reply.status_code == 200, reply.content[:300]
    final: dict[str, Any] = poll_until(comfy, f"{BASE}/jobs/{reply.json()['job_id']}", _status, DONE).json()
    return final


@pytest.mark.django_db
def test_a_style_reference_upload_is_free(proxy_comfy: ComfyClient, owner: Any) -> None:
    """Krea2StyleReferenceNode: the upload only; its output feeds Krea2ImageNode."""
    before = available_micros(owner)
    assert_png(download(proxy_comfy, _upload(proxy_comfy)))
    assert available_micros(owner) == before
    assert not UsageRecord.objects.filter(user=owner, charged_micros__gt=0).exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("model", "steer", "charge"),
    [
        ("medium-turbo", "text", 15_000),
        ("medium", "style", 35_000),
        ("large", "moodboard", 70_000),
    ],
)
def test_krea_2_image_runs_to_its_price(
    proxy_comfy: ComfyClient, owner: Any, model: str, steer: str, charge: int
) -> None:
    extra: dict[str, Any] = {}
    if steer == "style":
        extra["image_style_references"] = [{"url": _upload(proxy_comfy), "strength": 1.0}] * 2
    if steer == "moodboard":
        extra["moodboards"] = MOODBOARD
    before = available_micros(owner)
    final = _generate(proxy_comfy, model, _body(**extra))
    assert final["status"] == "completed"
    assert_charged(owner, before, charge, status=UsageStatus.SUCCEEDED)
    assert_png(download(proxy_comfy, final["result"]["urls"][0]))


@pytest.mark.django_db
def test_a_failed_job_charges_nothing(proxy_comfy: ComfyClient, owner: Any) -> None:
    before = available_micros(owner)
    final = _generate(proxy_comfy, "large", _body("[fail] a lighthouse"))
    assert final["status"] == "failed"
    assert_charged(owner, before, 0, status=UsageStatus.FAILED)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("generate/image/krea/krea-2/small", _body()),
        (
            "generate/image/krea/krea-2/medium",
            _body(image_style_references=[{"url": "u", "strength": 1}] * 11),
        ),
        ("generate/image/krea/krea-2/medium", _body(moodboards=MOODBOARD * 2)),
        ("generate/image/krea/krea-2/medium", _body(prompt="")),
    ],
)
def test_bad_input_is_refused_before_anything_is_reserved(
    proxy_comfy: ComfyClient, owner: Any, path: str, body: dict[str, Any]
) -> None:
    before = available_micros(owner)
    reply = proxy_comfy.post_json(f"{BASE}/{path}", body)
    assert 400 <= reply.status_code < 500, reply.content[:300]
    assert available_micros(owner) == before
