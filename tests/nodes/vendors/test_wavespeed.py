"""WaveSpeed AI (nodes_wavespeed.py), replayed through /proxy in sandbox mode.

- FlashVSR Video Upscale: POST `api/v3/wavespeed-ai/flashvsr` (`target_resolution`, `video` URL, `duration`)
  → `data.id`; poll GET `api/v3/predictions/{id}/result` (`data.status`: created, processing; completed,
  failed) → `data.outputs[0]` MP4. Charged per started second of the `duration` sent.
- WaveSpeed Image Upscale: POST `api/v3/wavespeed-ai/seedvr2/image` or `…/ultimate-image-upscaler`
  (`target_resolution`, `image`, `output_format`, `enable_sync_mode`), polled the same way → PNG; flat.
"""

from __future__ import annotations

from typing import Any

import pytest

from nodes.models import UsageStatus
from tests.nodes.proxy_support import ComfyClient, available_micros
from tests.nodes.vendors.replay import assert_charged, assert_mp4, assert_png, download, poll_until

BASE = "/proxy/wavespeed/api/v3"
DONE = {"completed", "failed"}
URL = "https://example.com/storage/upload"


def _status(body: Any) -> str:
    return "failed" if body.get("data") is None else str(body["data"]["status"])


def _run(comfy: ComfyClient, path: str, body: dict[str, Any]) -> dict[str, Any]:
    reply = comfy.post_json(f"{BASE}/wavespeed-ai/{path}", body)
    assert reply.status_code == 200, reply.content[:300]
    created = reply.json()
    assert created["code"] == 200
    final = poll_until(comfy, f"{BASE}/predictions/{created['data']['id']}/result", _status, DONE).json()
    assert final["code"] == 200
    data: dict[str, Any] = final["data"]
    return data


@pytest.mark.django_db
@pytest.mark.parametrize(("resolution", "per_second"), [("720p", 12_000), ("4k", 32_000)])
def test_flashvsr_is_charged_the_seconds_of_its_source(
    proxy_comfy: ComfyClient, owner: Any, resolution: str, per_second: int
) -> None:
    before = available_micros(owner)
    body = {"target_resolution": resolution, "video": URL + ".mp4", "duration": 7.4}
    data = _run(proxy_comfy, "flashvsr", body)
    assert data["status"] == "completed"
    usage = assert_charged(owner, before, 8 * per_second, status=UsageStatus.SUCCEEDED)
    assert usage.quoted_micros == 8 * per_second
    assert_mp4(download(proxy_comfy, data["outputs"][0]))


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("path", "price"),
    [("seedvr2/image", 10_000), ("ultimate-image-upscaler", 60_000)],
    ids=["seedvr2", "ultimate"],
)
def test_image_upscale_runs_to_its_flat_price(
    proxy_comfy: ComfyClient, owner: Any, path: str, price: int
) -> None:
    before = available_micros(owner)
    body = {
        "target_resolution": "4k",
        "image": URL + ".png",
        "output_format": "png",
        "enable_sync_mode": False,
    }
    data = _run(proxy_comfy, path, body)
    assert data["status"] == "completed"
    assert_charged(owner, before, price, status=UsageStatus.SUCCEEDED)
    assert_png(download(proxy_comfy, data["outputs"][0]))


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("flashvsr", {"target_resolution": "1080p", "video": URL + "[fail].mp4", "duration": 6.0}),
        ("seedvr2/image", {"target_resolution": "2k", "image": URL + "[moderated].png"}),
    ],
    ids=["video", "image"],
)
def test_a_failed_prediction_charges_nothing(
    proxy_comfy: ComfyClient, owner: Any, path: str, body: dict[str, Any]
) -> None:
    before = available_micros(owner)
    assert _run(proxy_comfy, path, body)["status"] == "failed"
    assert_charged(owner, before, 0, status=UsageStatus.FAILED)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "body",
    [
        {"target_resolution": "8k", "video": URL, "duration": 6.0},
        {"video": URL, "duration": 6.0},
    ],
)
def test_bad_input_is_refused_before_anything_is_reserved(
    proxy_comfy: ComfyClient, owner: Any, body: dict[str, Any]
) -> None:
    before = available_micros(owner)
    reply = proxy_comfy.post_json(f"{BASE}/wavespeed-ai/flashvsr", body)
    assert reply.status_code in (400, 422), reply.content[:300]
    assert available_micros(owner) == before
