"""Lightricks LTX-2 (nodes_ltxv.py LtxvApiTextToVideo, LtxvApiImageToVideo), replayed through /proxy in
sandbox mode.

The nodes POST `/proxy/ltx/v1/text-to-video` or `…/image-to-video` (JSON `prompt`, `model`, `duration`,
`resolution`, `fps`, `generate_audio`, and `image_uri` for image to video) and read the reply body as the
MP4 itself (`sync_op_raw(as_binary=True)`). Priced per second by model and resolution; charged the quote.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from nodes.models import UsageStatus
from nodes.sandbox.mp4 import mp4_bytes
from nodes.vendors.ltx import RATES
from tests.nodes.conftest import StubUpstream
from tests.nodes.proxy_support import ComfyClient, RecordingTransport, available_micros
from tests.nodes.vendors.replay import assert_charged, assert_mp4

BASE = "/proxy/ltx/v1"
URL = "https://storage.example.com/upload.png"


def node_body(
    prompt: str,
    model: str = "ltx-2-pro",
    *,
    duration: int = 8,
    resolution: str = "1920x1080",
    fps: int = 25,
    image: bool = False,
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "prompt": prompt,
        "model": model,
        "duration": duration,
        "resolution": resolution,
        "fps": fps,
        "generate_audio": False,
    }
    if image:
        body = {"image_uri": URL, **body}
    return body


@pytest.mark.django_db
@pytest.mark.parametrize("kind", ["text-to-video", "image-to-video"])
@pytest.mark.parametrize(
    ("model", "duration", "resolution", "fps"),
    [
        ("ltx-2-pro", 6, "1920x1080", 25),
        ("ltx-2-pro", 10, "3840x2160", 50),
        ("ltx-2-fast", 8, "2560x1440", 25),
        ("ltx-2-fast", 20, "1920x1080", 25),
    ],
)
def test_a_video_is_charged_per_second_at_its_resolution(
    proxy_comfy: ComfyClient,
    proxy_upstream: RecordingTransport,
    owner: Any,
    *,
    kind: str,
    model: str,
    duration: int,
    resolution: str,
    fps: int,
) -> None:
    before = available_micros(owner)
    body = node_body(
        "A majestic eagle soaring",
        model,
        duration=duration,
        resolution=resolution,
        fps=fps,
        image=kind == "image-to-video",
    )
    reply = proxy_comfy.post_json(f"{BASE}/{kind}", body)
    assert reply.status_code == 200, reply.content[:300]
    assert reply["Content-Type"] == "video/mp4"
    assert_mp4(bytes(reply.content))
    charge = RATES[model][resolution] * duration
    record = assert_charged(owner, before, charge, status=UsageStatus.SUCCEEDED)
    assert record.quoted_micros == charge
    sent = proxy_upstream.calls[-1]
    assert sent.url.endswith(f"/ltx/v1/{kind}")
    assert sent.headers["authorization"] == "Bearer sandbox-ltx"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("model", "resolution", "fps"),
    [("ltx-2-pro", "1920x1080", 25), ("ltx-2-fast", "2560x1440", 25), ("ltx-2-fast", "1920x1080", 50)],
)
def test_a_long_video_other_than_fast_1080p_25fps_is_refused(
    proxy_comfy: ComfyClient, owner: Any, model: str, resolution: str, fps: int
) -> None:
    before = available_micros(owner)
    body = node_body("eagle", model, duration=12, resolution=resolution, fps=fps)
    reply = proxy_comfy.post_json(f"{BASE}/text-to-video", body)
    assert reply.status_code == 400, reply.content[:300]
    assert available_micros(owner) == before


@pytest.mark.django_db
def test_an_unpriced_resolution_is_refused(proxy_comfy: ComfyClient, owner: Any) -> None:
    before = available_micros(owner)
    reply = proxy_comfy.post_json(f"{BASE}/text-to-video", node_body("eagle", resolution="1280x720"))
    assert reply.status_code == 422, reply.content[:300]
    assert available_micros(owner) == before


@pytest.mark.django_db
@pytest.mark.parametrize("kind", ["text-to-video", "image-to-video"])
@pytest.mark.parametrize(
    ("marker", "status"),
    [
        ("[fail]", UsageStatus.REJECTED),
        ("[moderated]", UsageStatus.REJECTED),  # LTX refuses with a 400 content-policy error
        ("[http500]", UsageStatus.UPSTREAM_ERROR),
    ],
)
def test_a_failed_or_refused_video_charges_nothing(
    proxy_comfy: ComfyClient, owner: Any, kind: str, marker: str, status: UsageStatus
) -> None:
    before = available_micros(owner)
    proxy_comfy.post_json(f"{BASE}/{kind}", node_body(f"{marker} an eagle", image=kind == "image-to-video"))
    assert_charged(owner, before, 0, status=status)


@pytest.mark.django_db
def test_live_ltx_gets_the_key_and_its_mp4_reply_is_passed_through(
    proxy_stub_comfy: ComfyClient, proxy_stub: StubUpstream, settings: Any, owner: Any
) -> None:
    settings.VENDOR_SETTINGS = {"ltx": {"mode": "live", "api_key": "ltxv_live"}}
    video = mp4_bytes(seed=1, seconds=6)
    proxy_stub.handler = lambda _request: httpx.Response(
        200, content=video, headers={"content-type": "video/mp4"}
    )
    before = available_micros(owner)
    reply = proxy_stub_comfy.post_json(f"{BASE}/image-to-video", node_body("eagle", "ltx-2-fast", image=True))
    assert reply.status_code == 200, reply.content[:300]
    assert bytes(reply.content) == video
    [sent] = proxy_stub.calls
    assert str(sent.url) == "https://api.ltx.video/v1/image-to-video"
    assert sent.headers["authorization"] == "Bearer ltxv_live"
    assert "video/mp4" in sent.headers["accept"]
    assert_charged(owner, before, RATES["ltx-2-fast"]["1920x1080"] * 8, status=UsageStatus.SUCCEEDED)


@pytest.mark.django_db
def test_a_json_reply_with_200_is_no_video_and_charges_nothing(
    proxy_stub_comfy: ComfyClient, proxy_stub: StubUpstream, settings: Any, owner: Any
) -> None:
    settings.VENDOR_SETTINGS = {"ltx": {"mode": "live", "api_key": "ltxv_live"}}
    proxy_stub.handler = lambda _request: httpx.Response(200, json={"error": {"message": "queue full"}})
    before = available_micros(owner)
    proxy_stub_comfy.post_json(f"{BASE}/text-to-video", node_body("eagle"))
    assert_charged(owner, before, 0, status=UsageStatus.FAILED)
