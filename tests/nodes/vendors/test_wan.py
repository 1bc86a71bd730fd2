"""Alibaba Cloud Model Studio, Wan and HappyHorse (nodes_wan.py), replayed through /proxy in sandbox mode.

Every node submits a task (POST `…/text2image/image-synthesis`, `…/image2image/image-synthesis` or
`…/video-generation/video-synthesis`) → `output.task_id`, then polls GET `api/v1/tasks/{task_id}`
(`output.task_status`: PENDING, RUNNING; SUCCEEDED, FAILED, CANCELED; UNKNOWN) → `output.results[0].url` or
`output.video_url`. A task settles on the seconds (or images) its `usage` reports, up to the quote; the
sandbox takes every input video to be 3 s long (5 s for a video to edit).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client

from nodes.engine import forward
from nodes.models import UsageStatus
from nodes.vendors.wan import settled
from tests.nodes.conftest import fund_user
from tests.nodes.loopback import MockVendor, Seen, mock_vendor
from tests.nodes.proxy_support import ComfyClient, available_micros
from tests.nodes.vendors.replay import assert_charged, assert_mp4, assert_png, download, poll_until

BASE = "/proxy/wan/api/v1"
T2I = "services/aigc/text2image/image-synthesis"
I2I = "services/aigc/image2image/image-synthesis"
VIDEO = "services/aigc/video-generation/video-synthesis"
DONE = {"SUCCEEDED", "FAILED", "CANCELED", "UNKNOWN"}
URL = "https://example.com/storage/upload"
DATA_PNG = "data:image/png;base64,aGVsbG8="
DATA_MP3 = "data:audio/mp3;base64,aGVsbG8="
WAN = {"480p": 50_000, "720p": 100_000, "1080p": 150_000}  # micro-USD per second
HH10 = {"720p": 140_000, "1080p": 240_000}
HH11 = {"720p": 200_200, "1080p": 257_400}


@pytest.fixture
def comfy(proxy_comfy: ComfyClient, owner: Any) -> ComfyClient:
    """The owner with $50 more: a 15 s 1080p HappyHorse 1.1 hold is $3.86."""
    fund_user(owner, 50_000_000)
    return proxy_comfy


def _status(body: Any) -> str:
    return str(body["output"]["task_status"])


@dataclass(frozen=True)
class Job:
    id: str  # the node
    path: str
    body: dict[str, Any]
    quote: int  # micro-USD
    charge: int  # what the reported usage settles on
    media: str = "video"


def _media(*items: tuple[str, str]) -> list[dict[str, str]]:
    return [{"type": kind, "url": url} for kind, url in items]


def _wan27(model: str, input_: dict[str, Any], **parameters: Any) -> dict[str, Any]:
    return {"model": model, "input": input_, "parameters": {"watermark": False, "seed": 7, **parameters}}


JOBS = [
    Job(
        "WanTextToImageApi",
        T2I,
        {
            "model": "wan2.5-t2i-preview",
            "input": {"prompt": "a red fox", "negative_prompt": ""},
            "parameters": {"size": "1024*1024", "n": 1, "seed": 0, "prompt_extend": True, "watermark": False},
        },
        30_000,
        30_000,
        media="image",
    ),
    Job(
        "WanImageToImageApi",
        I2I,
        {
            "model": "wan2.5-i2i-preview",
            "input": {"prompt": "make it night", "negative_prompt": "", "images": [DATA_PNG, DATA_PNG]},
            "parameters": {"n": 1, "seed": 0, "watermark": False},
        },
        30_000,
        30_000,
        media="image",
    ),
    Job(
        "WanTextToVideoApi",
        VIDEO,
        {
            "model": "wan2.6-t2v",
            "input": {"prompt": "a cat walking", "negative_prompt": "", "audio_url": DATA_MP3},
            "parameters": {
                "size": "1920*1080",
                "seed": 0,
                "duration": 10,
                "prompt_extend": True,
                "watermark": False,
                "audio": False,
                "shot_type": "multi",
            },
        },
        10 * WAN["1080p"],
        10 * WAN["1080p"],
    ),
    Job(
        "WanImageToVideoApi",
        VIDEO,
        {
            "model": "wan2.5-i2v-preview",
            "input": {"prompt": "a cat walking", "negative_prompt": "", "img_url": DATA_PNG},
            "parameters": {
                "resolution": "480P",
                "seed": 0,
                "duration": 5,
                "prompt_extend": True,
                "watermark": False,
                "audio": True,
                "shot_type": "single",
            },
        },
        5 * WAN["480p"],
        5 * WAN["480p"],
    ),
    Job(
        "WanReferenceVideoApi",
        VIDEO,
        {
            "model": "wan2.6-r2v",
            "input": {
                "prompt": "character1 dances",
                "negative_prompt": "",
                "reference_video_urls": [URL + ".mp4", URL + "2.mp4"],
            },
            "parameters": {
                "size": "1280*720",
                "duration": 5,
                "shot_type": "single",
                "seed": 0,
                "watermark": False,
            },
        },
        (5 + 5) * WAN["720p"],  # up to 5 s of reference video + 5 s of output
        (3 + 5) * WAN["720p"],
    ),
    Job(
        "Wan2TextToVideoApi",
        VIDEO,
        _wan27(
            "wan2.7-t2v",
            {"prompt": "a lighthouse", "audio_url": URL + ".mp3"},
            resolution="720P",
            ratio="16:9",
            duration=2,
            prompt_extend=True,
        ),
        2 * WAN["720p"],
        2 * WAN["720p"],
    ),
    Job(
        "Wan2ImageToVideoApi",
        VIDEO,
        _wan27(
            "wan2.7-i2v",
            {
                "media": _media(
                    ("first_frame", URL + ".png"),
                    ("last_frame", URL + "2.png"),
                    ("driving_audio", URL + ".mp3"),
                )
            },
            resolution="1080P",
            duration=15,
            prompt_extend=True,
        ),
        15 * WAN["1080p"],
        15 * WAN["1080p"],
    ),
    Job(
        "Wan2VideoContinuationApi",
        VIDEO,
        _wan27(
            "wan2.7-i2v",
            {"prompt": "it keeps going", "media": _media(("first_clip", URL + ".mp4"))},
            resolution="720P",
            duration=10,
            prompt_extend=False,
        ),
        (5 + 10) * WAN["720p"],
        (3 + 10) * WAN["720p"],
    ),
    Job(
        "Wan2VideoEditApi",
        VIDEO,
        _wan27(
            "wan2.7-videoedit",
            {
                "prompt": "make it snow",
                "media": _media(("video", URL + ".mp4"), ("reference_image", URL + ".png")),
            },
            resolution="1080P",
            ratio="16:9",
            duration=0,
            audio_setting="origin",
        ),
        20 * WAN["1080p"],  # up to 10 s in + 10 s out
        (5 + 5) * WAN["1080p"],
    ),
    Job(
        "Wan2ReferenceVideoApi",
        VIDEO,
        _wan27(
            "wan2.7-r2v",
            {
                "prompt": "character1 waves",
                "media": _media(("reference_video", URL + ".mp4"), ("reference_image", URL + ".png")),
            },
            resolution="720P",
            ratio="1:1",
            duration=5,
        ),
        (5 + 5) * WAN["720p"],
        (3 + 5) * WAN["720p"],
    ),
    Job(
        "HappyHorseTextToVideoApi",
        VIDEO,
        _wan27(
            "happyhorse-1.1-t2v",
            {"prompt": "a horse gallops"},
            resolution="1080P",
            ratio="21:9",
            duration=15,
            prompt_extend=True,
        ),
        15 * HH11["1080p"],
        15 * HH11["1080p"],
    ),
    Job(
        "HappyHorseImageToVideoApi",
        VIDEO,
        _wan27(
            "happyhorse-1.0-i2v",
            {"prompt": "a horse gallops", "media": _media(("first_frame", URL + ".png"))},
            resolution="720P",
            duration=3,
            prompt_extend=True,
        ),
        3 * HH10["720p"],
        3 * HH10["720p"],
    ),
    Job(
        "HappyHorseVideoEditApi",
        VIDEO,
        _wan27(
            "happyhorse-1.0-video-edit",
            {"prompt": "a zebra instead", "media": _media(("video", URL + ".mp4"))},
            resolution="720P",
            ratio="16:9",
            audio_setting="auto",
        ),
        15 * HH10["720p"],  # the output is as long as the input, at most 15 s
        5 * HH10["720p"],
    ),
    Job(
        "HappyHorseReferenceVideoApi",
        VIDEO,
        _wan27(
            "happyhorse-1.1-r2v",
            {"prompt": "character1 rides", "media": _media(*[("reference_image", URL + ".png")] * 2)},
            resolution="720P",
            ratio="9:21",
            duration=8,
        ),
        8 * HH11["720p"],
        8 * HH11["720p"],
    ),
]


def _submit(comfy: ComfyClient, job: Job, body: dict[str, Any] | None = None) -> str:
    reply = comfy.post_json(f"{BASE}/{job.path}", body or job.body)
    assert reply.status_code == 200, reply.content[:300]
    created = reply.json()["output"]
    assert created["task_status"] == "PENDING"
    return str(created["task_id"])


@pytest.mark.django_db
@pytest.mark.parametrize("job", JOBS, ids=[job.id for job in JOBS])
def test_each_node_runs_to_its_charge(comfy: ComfyClient, owner: Any, job: Job) -> None:
    before = available_micros(owner)
    task = _submit(comfy, job)
    final = poll_until(comfy, f"{BASE}/tasks/{task}", _status, DONE).json()
    assert final["output"]["task_status"] == "SUCCEEDED"
    usage = assert_charged(owner, before, job.charge, status=UsageStatus.SUCCEEDED)
    assert usage.quoted_micros == job.quote
    if job.media == "image":
        assert_png(download(comfy, final["output"]["results"][0]["url"]))
    else:
        assert_mp4(download(comfy, final["output"]["video_url"]))


def _with_prompt(job: Job, prompt: str) -> dict[str, Any]:
    return {**job.body, "input": {**job.body["input"], "prompt": prompt}}


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("job", "marker", "status"),
    [
        (JOBS[2], "[fail]", UsageStatus.FAILED),
        (JOBS[0], "[moderated]", UsageStatus.MODERATED),
        (JOBS[8], "[fail]", UsageStatus.FAILED),
    ],
    ids=["video", "image-moderated", "edit"],
)
def test_a_failed_task_charges_nothing(
    comfy: ComfyClient, owner: Any, job: Job, marker: str, status: UsageStatus
) -> None:
    before = available_micros(owner)
    task = _submit(comfy, job, _with_prompt(job, f"{marker} x"))
    final = poll_until(comfy, f"{BASE}/tasks/{task}", _status, DONE).json()
    assert final["output"]["task_status"] == "FAILED"
    assert final["output"]["code"]
    assert_charged(owner, before, 0, status=status)


@pytest.mark.django_db
def test_a_task_nobody_submitted_is_not_found(comfy: ComfyClient) -> None:
    assert comfy.get(f"{BASE}/tasks/0a1b2c3d-0000-4000-8000-000000000000").status_code == 404


def _parameters(job: Job, **changes: Any) -> dict[str, Any]:
    return {**job.body, "parameters": {**job.body["parameters"], **changes}}


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("path", "body"),
    [
        (VIDEO, _parameters(JOBS[2], size="832*480")),  # Wan 2.6 makes no 480p
        (VIDEO, _parameters(JOBS[2], duration=20)),
        (VIDEO, _parameters(JOBS[3], duration=15)),  # Wan 2.5 makes at most 10 s
        (VIDEO, _parameters(JOBS[5], resolution="4K")),
        (VIDEO, _parameters(JOBS[8], duration=1)),
        (VIDEO, {**JOBS[5].body, "model": "wan9-t2v"}),
        (VIDEO, _parameters(JOBS[5], seed=-1)),
        (T2I, {**JOBS[0].body, "input": {"negative_prompt": ""}}),
        (I2I, {**JOBS[1].body, "input": {**JOBS[1].body["input"], "images": [DATA_PNG] * 3}}),
        (I2I, {**JOBS[1].body, "model": "wan2.5-t2i-preview"}),
    ],
)
def test_bad_input_is_refused_before_anything_is_reserved(
    comfy: ComfyClient, owner: Any, path: str, body: dict[str, Any]
) -> None:
    before = available_micros(owner)
    reply = comfy.post_json(f"{BASE}/{path}", body)
    assert reply.status_code in (400, 422), reply.content[:300]
    assert available_micros(owner) == before


@pytest.mark.parametrize(
    ("usage", "seconds"),
    [
        ({"duration": 7, "input_video_duration": 2, "output_video_duration": 5}, 7),
        ({"input_video_duration": 2.5, "output_video_duration": 5}, 8),
        ({"video_duration": 5, "video_count": 1}, 5),  # Wan 2.5
        ({"duration": "garbled"}, None),
        ({}, None),
    ],
)
def test_a_task_settles_on_the_seconds_its_usage_reports(usage: dict[str, Any], seconds: int | None) -> None:
    found = settled({"usage": usage}, {"quote_key": "wan/720p/second"})
    assert (found[0].quantity if found else None) == seconds


# --- Live mode ----------------------------------------------------------------------------------------------
@pytest.fixture
def live(settings: Any) -> Iterator[MockVendor]:
    forward.use_transport(None)  # real sockets
    with mock_vendor() as vendor:
        settings.VENDOR_SETTINGS = {
            "wan": {"mode": "live", "api_key": "sk-live-wan", "base_url": vendor.base}
        }
        yield vendor
    forward.use_transport(None)


def _dashscope(seen: Seen) -> tuple[int, Any]:
    output: dict[str, Any] = {"task_id": "0a1b2c3d-1111-4000-8000-000000000000"}
    if seen.method == "POST":
        return 200, {"request_id": "r-1", "output": {**output, "task_status": "PENDING"}}
    done = {**output, "task_status": "SUCCEEDED", "video_url": "https://dashscope-result.example/v.mp4"}
    return 200, {"request_id": "r-2", "output": done, "usage": {"duration": 4, "SR": 720}}


@pytest.mark.django_db(transaction=True)  # the engine's database steps see only committed rows
def test_live_it_sends_the_key_and_async_header_and_settles_on_usage(
    owner: Any, proxy_key: str, proxy_prices: Any, live: MockVendor
) -> None:
    fund_user(owner, 10_000_000)
    comfy = ComfyClient(Client(), proxy_key)
    live.reply = _dashscope
    before = available_micros(owner)
    job = JOBS[5]  # Wan 2.7 text to video at 720P, asked for 5 s: DashScope bills the 4 s it made
    body = _parameters(job, duration=5)
    created = comfy.post_json(f"{BASE}/{job.path}", body)
    assert created.status_code == 200, created.content[:300]
    task = created.json()["output"]["task_id"]
    final = comfy.get(f"{BASE}/tasks/{task}")
    assert final.json()["output"]["task_status"] == "SUCCEEDED"
    submit, poll = live.seen
    assert (submit.method, submit.path) == ("POST", f"/api/v1/{VIDEO}")
    assert submit.headers["authorization"] == "Bearer sk-live-wan"
    assert submit.headers["x-dashscope-async"] == "enable"
    assert json.loads(submit.body) == body
    assert (poll.method, poll.path) == ("GET", f"/api/v1/tasks/{task}")
    usage = assert_charged(owner, before, 4 * WAN["720p"], status=UsageStatus.SUCCEEDED)
    assert usage.quoted_micros == 5 * WAN["720p"]
