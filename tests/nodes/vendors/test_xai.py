"""xAI Grok (nodes_grok.py), replayed through /proxy in sandbox mode.

- Images: POST `v1/images/generations` and `v1/images/edits` (sync, JSON; edits carry base64 data URLs)
  → `data[].url`, charged the `usage.cost_in_usd_ticks` xAI reports (1e-10 USD each) up to the quote.
- Videos: POST `v1/videos/generations` (text, first frame, or reference images), `v1/videos/edits`,
  `v1/videos/extensions` → `request_id`, poll GET `v1/videos/{request_id}` (`pending` → `done` with
  `video.url`; `failed`, `expired`) → charged the reported cost, times 1.43 for grok-imagine-video-1.5 as
  the node's price extractor does, up to the quote.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from nodes.models import UsageStatus
from nodes.sandbox.vendors.xai import TICKS_PER_IMAGE, TICKS_PER_SECOND
from tests.nodes.conftest import fund_user
from tests.nodes.proxy_support import ComfyClient, available_micros
from tests.nodes.vendors.replay import assert_charged, assert_mp4, assert_png, download, poll_until

BASE = "/proxy/xai/v1"
DONE = {"done", "failed", "expired"}
DATA_URL = "data:image/png;base64,iVBORw0KGgo="
URL = "https://example.com/storage/upload"
PER_IMAGE = TICKS_PER_IMAGE // 10_000  # micro-USD the sandbox reports an image costs
PER_SECOND = TICKS_PER_SECOND // 10_000


@pytest.fixture
def comfy(proxy_comfy: ComfyClient, owner: Any) -> ComfyClient:
    fund_user(owner, 50_000_000)
    return proxy_comfy


def _status(body: Any) -> str:
    return str(body.get("status") or "done")


@dataclass(frozen=True)
class Image:
    id: str  # the node
    path: str
    body: dict[str, Any]
    quote: int


EDIT = {"prompt": "a red hat", "seed": 0, "response_format": "url", "aspect_ratio": None}
IMAGES = [
    Image(
        "GrokImageNode",
        "images/generations",
        {
            "model": "grok-imagine-image-quality",
            "prompt": "a lighthouse",
            "aspect_ratio": "16:9",
            "n": 2,
            "seed": 0,
            "response_format": "url",
            "resolution": "2k",
        },
        2 * 70_000,
    ),
    Image(
        "GrokImageEditNode",
        "images/edits",
        {
            **EDIT,
            "model": "grok-imagine-image-pro",
            "images": [{"url": DATA_URL}],
            "resolution": "1k",
            "n": 1,
        },
        70_000 + 2_000,
    ),
    Image(
        "GrokImageEditNodeV2",
        "images/edits",
        {
            **EDIT,
            "model": "grok-imagine-image",
            "images": [{"url": DATA_URL}, {"url": DATA_URL}],
            "resolution": "2k",
            "n": 3,
            "aspect_ratio": "16:9",
        },
        3 * 20_000 + 2 * 2_000,
    ),
]


@pytest.mark.django_db
@pytest.mark.parametrize("image", IMAGES, ids=[image.id for image in IMAGES])
def test_each_image_node_is_charged_what_xai_reports(comfy: ComfyClient, owner: Any, image: Image) -> None:
    before = available_micros(owner)
    reply = comfy.post_json(f"{BASE}/{image.path}", image.body)
    assert reply.status_code == 200, reply.content[:300]
    data = reply.json()["data"]
    assert len(data) == image.body["n"]
    usage = assert_charged(owner, before, PER_IMAGE * len(data), status=UsageStatus.SUCCEEDED)
    assert usage.quoted_micros == image.quote
    for item in data:
        assert_png(download(comfy, item["url"]))


@dataclass(frozen=True)
class Video:
    id: str
    path: str
    body: dict[str, Any]
    quote: int
    charge: int


VIDEO_BODY = {"prompt": "waves at dusk", "aspect_ratio": None, "seed": 0}
VIDEOS = [
    Video(
        "GrokVideoNode",
        "videos/generations",
        {**VIDEO_BODY, "model": "grok-imagine-video", "resolution": "720p", "duration": 5},
        5 * 70_000,
        5 * PER_SECOND,
    ),
    Video(
        "GrokVideoNode-1.5",
        "videos/generations",
        {
            **VIDEO_BODY,
            "model": "grok-imagine-video-1.5",
            "image": {"url": DATA_URL},
            "resolution": "1080p",
            "duration": 4,
        },
        4 * 357_500 + 14_300,
        round(4 * PER_SECOND * 1.43),
    ),
    Video(
        "GrokVideoReferenceNode",
        "videos/generations",
        {
            **VIDEO_BODY,
            "model": "grok-imagine-video-1.5",
            "reference_images": [{"url": URL + "/1.png"}, {"url": URL + "/2.png"}],
            "reference_audios": [{"voice_id": "eve"}],
            "prompt": "<IMAGE_0> meets <IMAGE_1>, <AUDIO_0> speaks",
            "resolution": "720p",
            "duration": 6,
            "aspect_ratio": "16:9",
        },
        6 * 200_200 + 2 * 14_300,
        round(6 * PER_SECOND * 1.43),
    ),
    Video(
        "GrokVideoEditNode",
        "videos/edits",
        {"model": "grok-imagine-video", "prompt": "make it snow", "video": {"url": URL + ".mp4"}, "seed": 0},
        9 * 60_000,
        5 * PER_SECOND,
    ),
    Video(
        "GrokVideoExtendNode",
        "videos/extensions",
        {"prompt": "the camera pulls back", "video": {"url": URL + ".mp4"}, "duration": 8},
        8 * 71_500 + 214_500,
        8 * PER_SECOND,
    ),
]


@pytest.mark.django_db
@pytest.mark.parametrize("video", VIDEOS, ids=[video.id for video in VIDEOS])
def test_each_video_node_runs_to_the_reported_cost(comfy: ComfyClient, owner: Any, video: Video) -> None:
    before = available_micros(owner)
    reply = comfy.post_json(f"{BASE}/{video.path}", video.body)
    assert reply.status_code == 200, reply.content[:300]
    request_id = reply.json()["request_id"]
    final = poll_until(comfy, f"{BASE}/videos/{request_id}", _status, DONE).json()
    assert final["status"] == "done"
    usage = assert_charged(owner, before, video.charge, status=UsageStatus.SUCCEEDED)
    assert usage.quoted_micros == video.quote
    assert_mp4(download(comfy, final["video"]["url"]))


@pytest.mark.django_db
def test_a_moderated_image_charges_nothing(comfy: ComfyClient, owner: Any) -> None:
    before = available_micros(owner)
    reply = comfy.post_json(f"{BASE}/images/generations", {**IMAGES[0].body, "prompt": "[moderated] x"})
    assert reply.status_code == 400
    assert available_micros(owner) == before


@pytest.mark.django_db
@pytest.mark.parametrize("video", VIDEOS[::2], ids=[video.id for video in VIDEOS[::2]])
def test_a_failed_video_charges_nothing(comfy: ComfyClient, owner: Any, video: Video) -> None:
    before = available_micros(owner)
    created = comfy.post_json(f"{BASE}/{video.path}", {**video.body, "prompt": "[fail] x"}).json()
    final = poll_until(comfy, f"{BASE}/videos/{created['request_id']}", _status, DONE).json()
    assert final["status"] == "failed"
    assert_charged(owner, before, 0, status=UsageStatus.FAILED)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("path", "body", "status"),
    [
        ("images/generations", {**IMAGES[0].body, "model": "grok-imagine-image-ultra"}, 422),
        ("images/generations", {**IMAGES[0].body, "n": 11}, 400),
        ("images/edits", {**IMAGES[2].body, "images": [{"url": DATA_URL}] * 4}, 400),
        ("videos/generations", {**VIDEOS[0].body, "resolution": "1080p"}, 422),
        ("videos/generations", {**VIDEOS[0].body, "duration": 16}, 400),
        ("videos/edits", {**VIDEOS[3].body, "model": "grok-imagine-video-1.5"}, 422),
    ],
)
def test_bad_input_is_refused_before_anything_is_reserved(
    comfy: ComfyClient, owner: Any, path: str, body: dict[str, Any], status: int
) -> None:
    before = available_micros(owner)
    reply = comfy.post_json(f"{BASE}/{path}", body)
    assert reply.status_code == status, reply.content[:300]
    assert available_micros(owner) == before
