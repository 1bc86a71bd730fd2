"""Runway (nodes_runway.py), replayed through /proxy in sandbox mode.

Every node submits a task (POST `image_to_video`, `text_to_image` or `video_to_video`) → `id`, then polls
GET `tasks/{id}` (`status`: PENDING, THROTTLED, RUNNING; SUCCEEDED, FAILED, CANCELLED) → `output[0]`.
Runway reports no cost: a task settles on its quote ($0.0715/s of video, $0.11 an image, Aleph 2 $0.4004/s
held and charged at the 30 s longest input).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from nodes.models import UsageStatus
from tests.nodes.conftest import fund_user
from tests.nodes.proxy_support import ComfyClient, available_micros
from tests.nodes.vendors.replay import assert_charged, assert_mp4, assert_png, download, poll_until

BASE = "/proxy/runway"
DONE = {"SUCCEEDED", "FAILED", "CANCELLED"}
URL = "https://example.com/storage/upload"


@pytest.fixture
def comfy(proxy_comfy: ComfyClient, owner: Any) -> ComfyClient:
    """The owner with $50 more: an Aleph 2 hold is $12.01."""
    fund_user(owner, 50_000_000)
    return proxy_comfy


def _status(body: Any) -> str:
    return str(body.get("status"))


@dataclass(frozen=True)
class Job:
    id: str  # the node
    path: str
    body: dict[str, Any]
    charge: int  # micro-USD
    media: str = "video"


def _i2v(model: str, duration: int, images: list[dict[str, str]]) -> dict[str, Any]:
    return {
        "promptText": "a cat walking",
        "seed": 7,
        "model": model,
        "duration": duration,
        "ratio": "1280:768" if model == "gen3a_turbo" else "1280:720",
        "promptImage": images,
    }


FIRST = {"uri": URL + ".png", "position": "first"}
JOBS = [
    Job("RunwayImageToVideoNodeGen3a", "image_to_video", _i2v("gen3a_turbo", 5, [FIRST]), 5 * 71_500),
    Job("RunwayImageToVideoNodeGen4", "image_to_video", _i2v("gen4_turbo", 10, [FIRST]), 10 * 71_500),
    Job(
        "RunwayFirstLastFrameNode",
        "image_to_video",
        _i2v("gen3a_turbo", 10, [FIRST, {"uri": URL + "2.png", "position": "last"}]),
        10 * 71_500,
    ),
    Job(
        "RunwayTextToImageNode",
        "text_to_image",
        {
            "promptText": "a lighthouse",
            "model": "gen4_image",
            "ratio": "1920:1080",
            "referenceImages": [{"uri": URL + ".png"}],
        },
        110_000,
        media="image",
    ),
    Job(
        "RunwayAleph2VideoToVideoNode",
        "video_to_video",
        {
            "model": "aleph2",
            "promptText": "make it snow",
            "videoUri": URL + ".mp4",
            "seed": 3,
            "contentModeration": {"publicFigureThreshold": "auto"},
            "keyframes": [{"uri": URL + ".png", "seconds": 1.0}],
            "promptImage": [{"uri": URL + ".png", "at": {"type": "relative", "position": 0.5}}],
        },
        30 * 400_400,
    ),
]


@pytest.mark.django_db
@pytest.mark.parametrize("job", JOBS, ids=[job.id for job in JOBS])
def test_each_node_runs_to_its_charge(comfy: ComfyClient, owner: Any, job: Job) -> None:
    before = available_micros(owner)
    reply = comfy.post_json(f"{BASE}/{job.path}", job.body)
    assert reply.status_code == 200, reply.content[:300]
    final = poll_until(comfy, f"{BASE}/tasks/{reply.json()['id']}", _status, DONE).json()
    assert final["status"] == "SUCCEEDED"
    usage = assert_charged(owner, before, job.charge, status=UsageStatus.SUCCEEDED)
    assert usage.quoted_micros == job.charge
    output = download(comfy, final["output"][0])
    if job.media == "image":
        assert_png(output)
    else:
        assert_mp4(output)


@pytest.mark.django_db
@pytest.mark.parametrize("job", [JOBS[0], JOBS[3], JOBS[4]], ids=["video", "image", "aleph2"])
def test_a_failed_task_charges_nothing(comfy: ComfyClient, owner: Any, job: Job) -> None:
    before = available_micros(owner)
    created = comfy.post_json(f"{BASE}/{job.path}", {**job.body, "promptText": "[fail] x"}).json()
    final = poll_until(comfy, f"{BASE}/tasks/{created['id']}", _status, DONE).json()
    assert final["status"] == "FAILED"
    assert_charged(owner, before, 0, status=UsageStatus.FAILED)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("image_to_video", {**JOBS[0].body, "duration": 11}),
        ("image_to_video", {**JOBS[0].body, "model": "gen5"}),
        ("text_to_image", {"model": "gen4_image", "ratio": "1920:1080"}),
    ],
)
def test_bad_input_is_refused_before_anything_is_reserved(
    comfy: ComfyClient, owner: Any, path: str, body: dict[str, Any]
) -> None:
    before = available_micros(owner)
    reply = comfy.post_json(f"{BASE}/{path}", body)
    assert reply.status_code in (400, 422), reply.content[:300]
    assert available_micros(owner) == before
