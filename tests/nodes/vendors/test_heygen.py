"""HeyGen v3 (nodes_heygen.py), replayed through /proxy in sandbox mode.

- Talking photo / avatar video: POST `v3/videos` (with an `Idempotency-Key`) → `data.video_id`, poll GET
  `v3/videos/{id}` (`data.status`: pending/waiting queued; completed, failed) → `data.video_url`; the avatar
  node first reads a custom look with GET `v3/avatars/looks/{id}` (a free lookup).
- Create avatar: POST `v3/avatars` → `data.avatar_item.id`, poll GET `v3/avatars/looks/{id}` (no status
  means ready; failed, pending_consent fail) → `data.preview_image_url`.
- Video translate: POST `v3/video-translations` → `data.video_translation_ids[0]`, poll GET
  `v3/video-translations/{id}` → `data.video_url`.
- Text to speech: POST `v3/voices/speech` (sync) → `data.audio_url`.
Videos and speech are charged on the `duration` HeyGen reports, per started second, up to the 600 s hold.
"""

from __future__ import annotations

import math
import uuid
from dataclasses import dataclass
from typing import Any

import pytest

from nodes.models import UsageRecord, UsageStatus
from nodes.sandbox.vendors.heygen import SPEECH_SECONDS, VIDEO_SECONDS
from tests.nodes.conftest import fund_user
from tests.nodes.proxy_support import ComfyClient, available_micros
from tests.nodes.vendors.replay import (
    assert_charged,
    assert_mp4,
    assert_png,
    assert_wav,
    download,
    poll_until,
)

BASE = "/proxy/heygen/v3"
DONE = {"completed", "failed", "pending_consent"}
URL = "https://example.com/storage/upload"


@pytest.fixture
def comfy(proxy_comfy: ComfyClient, owner: Any) -> ComfyClient:
    """The owner with $200 more: 600 s holds run up to $57."""
    fund_user(owner, 200_000_000)
    return proxy_comfy


def _video_status(body: Any) -> str:
    return str((body.get("data") or {}).get("status"))


def _look_status(body: Any) -> str:
    return str((body.get("data") or {}).get("status") or "completed")


@dataclass(frozen=True)
class Job:
    id: str  # the node
    create: str  # path under /proxy/heygen/v3
    body: dict[str, Any]
    job_id: tuple[str | int, ...]  # where the create reply carries the id
    poll: str
    per_second: int  # micro-USD; 0: a flat price
    flat: int = 0


SCRIPT = {"script": "Hello there", "voice_id": "d2f4f24783d04e22ab49ee8fdc3715e0"}
JOBS = [
    Job(
        "HeyGenTalkingPhotoNode",
        "videos",
        {
            "type": "image",
            "image": {"type": "url", "url": URL + ".png"},
            "resolution": "1080p",
            "aspect_ratio": "auto",
            "expressiveness": "low",
            "title": "ComfyUI Talking Photo",
            **SCRIPT,
        },
        ("data", "video_id"),
        "videos",
        71_500,
    ),
    Job(
        "HeyGenAvatarVideoNode",
        "videos",
        {
            "type": "avatar",
            "avatar_id": "Annie_Lounge_Standing_Side_public",
            "resolution": "720p",
            "aspect_ratio": "16:9",
            "title": "ComfyUI Avatar Video",
            "engine": {"type": "avatar_iii"},
            "background": {"type": "color", "value": "#00ff00"},
            "audio_url": URL + ".mp3",
        },
        ("data", "video_id"),
        "videos",
        61_919,
    ),
    Job(
        "HeyGenVideoTranslateNode",
        "video-translations",
        {
            "video": {"type": "url", "url": URL + ".mp4"},
            "output_languages": ["Spanish"],
            "mode": "precision",
            "translate_audio_only": False,
            "title": "ComfyUI Video Translate",
            "speaker_num": 2,
        },
        ("data", "video_translation_ids", 0),
        "video-translations",
        95_381,
    ),
    Job(
        "HeyGenCreateAvatarNode",
        "avatars",
        {"name": "ComfyUI Avatar", "type": "prompt", "prompt": "a friendly teacher"},
        ("data", "avatar_item", "id"),
        "avatars/looks",
        0,
        flat=1_430_000,
    ),
]


def _dig(data: Any, path: tuple[str | int, ...]) -> Any:
    for step in path:
        data = data[step]
    return data


@pytest.mark.django_db
@pytest.mark.parametrize("job", JOBS, ids=[job.id for job in JOBS])
def test_each_job_node_runs_to_its_charge(comfy: ComfyClient, owner: Any, job: Job) -> None:
    before = available_micros(owner)
    reply = comfy.post_json(f"{BASE}/{job.create}", job.body, **{"Idempotency-Key": uuid.uuid4().hex})
    assert reply.status_code == 200, reply.content[:300]
    job_id = _dig(reply.json(), job.job_id)
    looks = job.poll == "avatars/looks"
    status = _look_status if looks else _video_status
    final = poll_until(comfy, f"{BASE}/{job.poll}/{job_id}", status, DONE).json()["data"]
    assert status({"data": final}) == "completed"
    charge = job.flat or math.ceil(VIDEO_SECONDS) * job.per_second
    usage = assert_charged(owner, before, charge, status=UsageStatus.SUCCEEDED)
    assert usage.quoted_micros == (job.flat or 600 * job.per_second)
    if looks:
        assert_png(download(comfy, final["preview_image_url"]))
    else:
        assert_mp4(download(comfy, final["video_url"]))


@pytest.mark.django_db
def test_text_to_speech_is_charged_the_seconds_spoken(comfy: ComfyClient, owner: Any) -> None:
    before = available_micros(owner)
    body = {"text": "Hello world", "voice_id": "d2f4f24783d04e22ab49ee8fdc3715e0", "speed": 1.0}
    reply = comfy.post_json(f"{BASE}/voices/speech", body, **{"Idempotency-Key": uuid.uuid4().hex})
    assert reply.status_code == 200, reply.content[:300]
    assert_charged(owner, before, math.ceil(SPEECH_SECONDS) * 954, status=UsageStatus.SUCCEEDED)
    assert_wav(download(comfy, reply.json()["data"]["audio_url"]))


@pytest.mark.django_db
def test_a_custom_look_is_read_free(comfy: ComfyClient, owner: Any) -> None:
    """HeyGenAvatarVideoNode's custom_avatar_id lookup: an existing look, no job of the caller's."""
    before = available_micros(owner)
    reply = comfy.get(f"{BASE}/avatars/looks/my_custom_look_01")
    assert reply.status_code == 200, reply.content[:300]
    assert "avatar_iv" in reply.json()["data"]["supported_api_engines"]
    assert available_micros(owner) == before
    assert not UsageRecord.objects.filter(user=owner).exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("job", "field"), [(JOBS[0], "script"), (JOBS[3], "prompt")], ids=["video", "avatar"]
)
def test_a_failed_job_charges_nothing(comfy: ComfyClient, owner: Any, job: Job, field: str) -> None:
    before = available_micros(owner)
    created = comfy.post_json(f"{BASE}/{job.create}", {**job.body, field: "[fail] x"}).json()
    status = _look_status if job.poll == "avatars/looks" else _video_status
    final = poll_until(comfy, f"{BASE}/{job.poll}/{_dig(created, job.job_id)}", status, DONE).json()
    assert status(final) == "failed"
    assert_charged(owner, before, 0, status=UsageStatus.FAILED)


@pytest.mark.django_db
def test_refused_speech_charges_nothing(comfy: ComfyClient, owner: Any) -> None:
    before = available_micros(owner)
    reply = comfy.post_json(f"{BASE}/voices/speech", {"text": "[fail] hi", "voice_id": "v1"})
    assert reply.status_code == 400
    assert available_micros(owner) == before


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("path", "body", "status"),
    [
        ("videos", {"type": "avatar", "engine": {"type": "avatar_ix"}, "script": "x"}, 422),
        ("videos", {"type": "hologram", "script": "x"}, 422),
        ("videos", {"type": "image", "script": "x" * 5001}, 400),
        ("video-translations", {**JOBS[2].body, "mode": "turbo"}, 422),
        ("video-translations", {**JOBS[2].body, "output_languages": ["Spanish", "German"]}, 400),
        ("voices/speech", {"voice_id": "v1"}, 400),
    ],
)
def test_bad_input_is_refused_before_anything_is_reserved(
    comfy: ComfyClient, owner: Any, path: str, body: dict[str, Any], status: int
) -> None:
    before = available_micros(owner)
    reply = comfy.post_json(f"{BASE}/{path}", body)
    assert reply.status_code == status, reply.content[:300]
    assert available_micros(owner) == before
