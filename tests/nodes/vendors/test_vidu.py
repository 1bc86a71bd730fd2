"""Vidu (nodes_vidu.py), replayed through /proxy in sandbox mode.

Every node submits a task (POST `text2video`, `img2video`, `reference2video`, `start-end2video`, `extend` or
`multiframe`) → `task_id`, then polls GET `tasks/{task_id}/creations` (`state`: created, queueing,
processing; success, failed) → `creations[0].url`. Each is held at its badge's price and charged the
`credits` Vidu reports at $0.005 a credit (the sandbox reports 2 credits a second), up to the quote.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from nodes.models import UsageStatus
from nodes.sandbox.vendors.vidu import CREDITS_PER_SECOND
from nodes.vendors.vidu import MICROS_PER_CREDIT, settled_cost, task_id, task_status
from tests.nodes.conftest import fund_user
from tests.nodes.proxy_support import ComfyClient, available_micros
from tests.nodes.vendors.replay import assert_charged, assert_mp4, assert_png, download, poll_until

BASE = "/proxy/vidu"
DONE = {"success", "failed"}
URL = "https://example.com/storage/upload.png"
VIDEO_URL = "https://example.com/storage/upload.mp4"


@pytest.fixture
def comfy(proxy_comfy: ComfyClient, owner: Any) -> ComfyClient:
    """The owner with $50 more: a 9-keyframe 1080p multi-frame hold is $7.42."""
    fund_user(owner, 50_000_000)
    return proxy_comfy


def _state(body: Any) -> str:
    return str(body.get("state"))


@dataclass(frozen=True)
class Job:
    id: str  # the node
    path: str
    body: dict[str, Any]
    quote: int  # micro-USD: the node's badge
    seconds: int  # of video, which the sandbox reports credits for


def _q1(path: str, **extra: Any) -> dict[str, Any]:
    return {
        "model": "viduq1",
        "prompt": "a cat walking",
        "duration": 5,
        "seed": 0,
        "resolution": "1080p",
        "movement_amplitude": "auto",
        **extra,
    }


def _q3(model: str, duration: int, resolution: str, **extra: Any) -> dict[str, Any]:
    return {
        "model": model,
        "prompt": "a fox in the snow",
        "duration": duration,
        "seed": 1,
        "resolution": resolution,
        "audio": True,
        **extra,
    }


def _frames(durations: list[int]) -> list[dict[str, Any]]:
    return [{"prompt": f"turn {i}", "key_image": URL, "duration": d} for i, d in enumerate(durations)]


JOBS = [
    Job("ViduTextToVideoNode", "text2video", _q1("text2video", aspect_ratio="16:9"), 400_000, 5),
    Job("ViduImageToVideoNode", "img2video", _q1("img2video", images=[URL]), 400_000, 5),
    Job(
        "ViduReferenceVideoNode",
        "reference2video",
        _q1("reference2video", aspect_ratio="1:1", images=[URL, URL, URL]),
        400_000,
        5,
    ),
    Job("ViduStartEndToVideoNode", "start-end2video", _q1("start-end2video", images=[URL, URL]), 400_000, 5),
    Job(
        "Vidu2TextToVideoNode",
        "text2video",
        {
            "model": "viduq2",
            "prompt": "a lighthouse at dusk",
            "duration": 10,
            "seed": 1,
            "aspect_ratio": "4:3",
            "resolution": "1080p",
            "bgm": True,
        },
        100_000 + 9 * 50_000,
        10,
    ),
    Job(
        "Vidu2ImageToVideoNode",
        "img2video",
        {
            "model": "viduq2-turbo",
            "prompt": "",
            "duration": 6,
            "seed": 1,
            "resolution": "720p",
            "movement_amplitude": "large",
            "images": [URL],
        },
        50_000 + 4 * 50_000,
        6,
    ),
    Job(
        "Vidu2ReferenceVideoNode",
        "reference2video",
        {
            "model": "viduq2",
            "prompt": "@subject1 waves at @subject2",
            "audio": True,
            "duration": 4,
            "seed": 1,
            "aspect_ratio": "16:9",
            "resolution": "720p",
            "movement_amplitude": "auto",
            "subjects": [{"id": "subject1", "images": [URL, URL]}, {"id": "subject2", "images": [URL]}],
        },
        125_000 + 3 * 25_000 + 75_000,
        4,
    ),
    Job(
        "Vidu2StartEndToVideoNode",
        "start-end2video",
        {
            "model": "viduq2-pro",
            "prompt": "a flower opens",
            "duration": 8,
            "seed": 1,
            "resolution": "1080p",
            "movement_amplitude": "auto",
            "images": [URL, URL],
        },
        275_000 + 7 * 75_000,
        8,
    ),
    Job(
        "ViduExtendVideoNode",
        "extend",
        {
            "model": "viduq2-pro",
            "prompt": "the camera pulls back",
            "duration": 7,
            "seed": 1,
            "resolution": "1080p",
            "video_url": VIDEO_URL,
            "images": [URL],
        },
        300_000 + 6 * 75_000,
        7,
    ),
    Job(
        "ViduMultiFrameVideoNode",
        "multiframe",
        {
            "model": "viduq2-turbo",
            "seed": 1,
            "resolution": "720p",
            "start_image": URL,
            "image_settings": _frames([2, 4, 7]),
        },
        3 * 75_000 + 13 * 25_000,
        13,
    ),
    Job(
        "Vidu3TextToVideoNode",
        "text2video",
        _q3("viduq3-pro", 16, "1080p", aspect_ratio="9:16"),
        16 * 160_000,
        16,
    ),
    Job("Vidu3ImageToVideoNode", "img2video", _q3("viduq3-pro", 5, "2K", images=[URL]), 5 * 200_000, 5),
    Job(
        "Vidu3StartEndToVideoNode",
        "start-end2video",
        _q3("viduq3-turbo", 3, "720p", images=[URL, URL]),
        3 * 60_000,
        3,
    ),
]


@pytest.mark.django_db
@pytest.mark.parametrize("job", JOBS, ids=[job.id for job in JOBS])
def test_each_node_runs_to_the_credits_vidu_reports(comfy: ComfyClient, owner: Any, job: Job) -> None:
    before = available_micros(owner)
    reply = comfy.post_json(f"{BASE}/{job.path}", job.body)
    assert reply.status_code == 200, reply.content[:300]
    created = reply.json()
    assert created["state"] == "created"
    final = poll_until(comfy, f"{BASE}/tasks/{created['task_id']}/creations", _state, DONE).json()
    assert final["state"] == "success"
    reported = job.seconds * CREDITS_PER_SECOND * MICROS_PER_CREDIT
    assert final["credits"] * MICROS_PER_CREDIT == reported
    usage = assert_charged(owner, before, reported, status=UsageStatus.SUCCEEDED)
    assert usage.quoted_micros == job.quote
    assert reported < job.quote
    assert_mp4(download(comfy, final["creations"][0]["url"]))
    assert_png(download(comfy, final["creations"][0]["cover_url"]))


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("job", "marker", "status"),
    [
        (JOBS[0], "[fail]", UsageStatus.FAILED),
        (JOBS[10], "[moderated]", UsageStatus.MODERATED),
    ],
    ids=["failed", "moderated"],
)
def test_a_failed_task_charges_nothing(
    comfy: ComfyClient, owner: Any, job: Job, marker: str, status: UsageStatus
) -> None:
    before = available_micros(owner)
    created = comfy.post_json(f"{BASE}/{job.path}", {**job.body, "prompt": f"{marker} x"}).json()
    final = poll_until(comfy, f"{BASE}/tasks/{created['task_id']}/creations", _state, DONE).json()
    assert final["state"] == "failed"
    assert final["err_code"]
    assert_charged(owner, before, 0, status=status)


@pytest.mark.django_db
def test_a_failed_keyframe_prompt_fails_a_multiframe_task(comfy: ComfyClient, owner: Any) -> None:
    before = available_micros(owner)
    body = {**JOBS[9].body, "image_settings": [*_frames([3]), {"prompt": "[fail]", "key_image": URL}]}
    created = comfy.post_json(f"{BASE}/multiframe", body).json()
    final = poll_until(comfy, f"{BASE}/tasks/{created['task_id']}/creations", _state, DONE).json()
    assert final["state"] == "failed"
    assert_charged(owner, before, 0, status=UsageStatus.FAILED)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("text2video", {**JOBS[4].body, "duration": 11}),
        ("text2video", {**JOBS[4].body, "model": "viduq2-pro"}),  # an image-to-video model
        ("text2video", {**JOBS[10].body, "resolution": "2K"}),  # 2K is image-to-video only
        ("text2video", {**JOBS[0].body, "duration": 8}),  # viduq1 makes 5 s videos
        ("text2video", {k: v for k, v in JOBS[4].body.items() if k != "prompt"}),
        ("text2video", {**JOBS[4].body, "prompt": "x" * 2001}),
        ("img2video", {k: v for k, v in JOBS[5].body.items() if k != "images"}),
        ("multiframe", {**JOBS[9].body, "image_settings": _frames([3])}),
        ("multiframe", {**JOBS[9].body, "image_settings": _frames([3] * 10)}),
        ("multiframe", {**JOBS[9].body, "image_settings": _frames([3, 8])}),
        ("extend", {**JOBS[8].body, "duration": 8}),
        ("text2video", {**JOBS[4].body, "callback_url": "https://example.com/hook"}),
    ],
)
def test_bad_input_is_refused_before_anything_is_reserved(
    comfy: ComfyClient, owner: Any, path: str, body: dict[str, Any]
) -> None:
    before = available_micros(owner)
    reply = comfy.post_json(f"{BASE}/{path}", body)
    assert reply.status_code in (400, 422), reply.content[:300]
    assert available_micros(owner) == before


@pytest.mark.django_db
def test_a_task_vidu_refuses_is_answered_in_its_words_and_charged_nothing(
    comfy: ComfyClient, owner: Any
) -> None:
    """A reference task with neither `images` nor `subjects`: Vidu's 400 `FieldLacking`, passed on."""
    before = available_micros(owner)
    body = {k: v for k, v in JOBS[6].body.items() if k != "subjects"}
    reply = comfy.post_json(f"{BASE}/reference2video", body)
    assert reply.status_code == 400, reply.content[:300]
    assert "images" in reply.content.decode()
    assert_charged(owner, before, 0, status=UsageStatus.REJECTED)


def test_the_reply_readers_follow_vidus_words() -> None:
    done = {"state": "success", "credits": 40, "creations": [{"id": "c", "url": "u", "cover_url": "c"}]}
    assert task_status(done, 200) == "success"
    assert settled_cost(done, {}) == 40 * MICROS_PER_CREDIT
    # No figure (or a garbled one): the quote.
    assert settled_cost({**done, "credits": None}, {}) is None
    assert settled_cost({**done, "credits": "40"}, {}) is None
    # A success with no video delivered nothing (the node fails it).
    assert task_status({**done, "creations": []}, 200) == "failure"
    assert task_status({"state": "failed", "err_code": "AuditSubmitIllegal"}, 200) == "moderated"
    assert task_status({"state": "failed", "err_code": "ModelUnavailable"}, 200) == "failure"
    for state in ("created", "queueing", "processing"):
        assert task_status({"state": state}, 200) == "pending"
    # A submit Vidu already failed has nothing to poll: released at once.
    assert task_id({"task_id": "123", "state": "failed", "code": 400}) is None
    assert task_id({"task_id": "123", "state": "created"}) == "123"
