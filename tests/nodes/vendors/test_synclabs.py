"""sync.so (nodes_sync_so.py), replayed through /proxy in sandbox mode.

Both nodes POST `/proxy/synclabs/v2/generate` (JSON `model: "sync-3"`, `input: [{type: video|image, url},
{type: audio, url}]`, `options`), then poll GET `…/generate/{id}` (PENDING queued; COMPLETED, FAILED and
REJECTED end the poll) and download `outputUrl`. The charge is the `outputDuration` delivered, per started
second, up to the 600 s hold.
"""

from __future__ import annotations

import math
from typing import Any

import pytest

from nodes.models import UsageStatus
from nodes.sandbox.vendors.synclabs import OUTPUT_SECONDS
from tests.nodes.conftest import fund_user
from tests.nodes.proxy_support import ComfyClient, available_micros
from tests.nodes.vendors.replay import assert_charged, assert_mp4, download, poll_until

PATH = "/proxy/synclabs/v2/generate"
DONE = {"COMPLETED", "FAILED", "REJECTED"}
PER_SECOND = 190_190
LIPSYNC = {
    "model": "sync-3",
    "input": [
        {"type": "video", "url": "https://example.com/storage/speaker.mp4"},
        {"type": "audio", "url": "https://example.com/storage/speech.mp3"},
    ],
    "options": {"sync_mode": "bounce", "active_speaker_detection": {"auto_detect": True}},
}
TALKING_IMAGE = {
    "model": "sync-3",
    "input": [
        {"type": "image", "url": "https://example.com/storage/face.png"},
        {"type": "audio", "url": "https://example.com/storage/speech.mp3"},
    ],
    "options": {
        "i2v_prompt": "smiles",
        "active_speaker_detection": {"frame_number": 0, "coordinates": [4, 5]},
    },
}


@pytest.fixture
def comfy(proxy_comfy: ComfyClient, owner: Any) -> ComfyClient:
    """The owner with $200 more: the 600 s hold is $114.11, above the common $100."""
    fund_user(owner, 200_000_000)
    return proxy_comfy


def _status(body: Any) -> str:
    return str(body["status"])


@pytest.mark.django_db
@pytest.mark.parametrize("body", [LIPSYNC, TALKING_IMAGE], ids=["SyncLipSyncNode", "SyncTalkingImageNode"])
def test_each_node_is_charged_the_seconds_it_delivered(
    comfy: ComfyClient, owner: Any, body: dict[str, Any]
) -> None:
    before = available_micros(owner)
    reply = comfy.post_json(PATH, body)
    assert reply.status_code == 201, reply.content[:300]
    created = reply.json()
    assert created["status"] == "PENDING"
    final = poll_until(comfy, f"{PATH}/{created['id']}", _status, DONE).json()
    assert final["status"] == "COMPLETED"
    usage = assert_charged(
        owner, before, math.ceil(OUTPUT_SECONDS) * PER_SECOND, status=UsageStatus.SUCCEEDED
    )
    assert usage.quoted_micros == 600 * PER_SECOND
    assert_mp4(download(comfy, final["outputUrl"]))


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("marker", "word", "status"),
    [("[fail]", "FAILED", UsageStatus.FAILED), ("[moderated]", "REJECTED", UsageStatus.MODERATED)],
)
def test_a_failed_or_rejected_generation_charges_nothing(
    comfy: ComfyClient, owner: Any, marker: str, word: str, status: UsageStatus
) -> None:
    before = available_micros(owner)
    body = {**TALKING_IMAGE, "options": {"i2v_prompt": f"{marker} smiles"}}
    created = comfy.post_json(PATH, body).json()
    final = poll_until(comfy, f"{PATH}/{created['id']}", _status, DONE).json()
    assert final["status"] == word
    assert final["error"]
    assert_charged(owner, before, 0, status=status)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("change", "status"),
    [({"model": "lipsync-9"}, 422), ({"input": []}, 400), ({"input": None}, 400)],
)
def test_bad_input_is_refused_before_anything_is_reserved(
    comfy: ComfyClient, owner: Any, change: dict[str, Any], status: int
) -> None:
    before = available_micros(owner)
    reply = comfy.post_json(PATH, {**LIPSYNC, **change})
    assert reply.status_code == status, reply.content[:300]
    assert available_micros(owner) == before
