"""Beeble SwitchX (nodes_beeble.py), replayed through /proxy in sandbox mode.

Both nodes POST `/proxy/beeble/v1/switchx/generations` (JSON: generation_type, source_uri, alpha_mode,
prompt, reference_image_uri, alpha_uri, max_resolution), then poll GET `…/generations/{id}` with the default
status words (completed / failed) and download `output.render` (and `output.alpha` unless alpha_mode=fill).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from nodes.models import ProxyJob, UsageStatus
from tests.nodes.proxy_support import ComfyClient, available_micros
from tests.nodes.vendors.replay import assert_charged, assert_mp4, assert_png, download, poll_until

PATH = "/proxy/beeble/v1/switchx/generations"
SOURCE = "https://example.com/storage/source"
DONE = {"completed", "failed", "cancelled", "error"}


@dataclass(frozen=True)
class Case:
    id: str
    kind: str  # generation_type
    resolution: int  # max_resolution
    alpha_mode: str
    charge: int  # micro-USD


CASES = [
    Case("image-1080p", "image", 1080, "auto", 429_000),
    Case("image-720p", "image", 720, "select", 143_000),
    Case("video-1080p", "video", 1080, "custom", 8 * 429_000),
    Case("video-720p-fill", "video", 720, "fill", 8 * 143_000),
]


def _request(kind: str, resolution: int, alpha_mode: str, prompt: str = "a sunny beach") -> dict[str, Any]:
    body: dict[str, Any] = {
        "generation_type": kind,
        "source_uri": SOURCE + (".mp4" if kind == "video" else ".png"),
        "alpha_mode": alpha_mode,
        "prompt": prompt,
        "reference_image_uri": "https://example.com/storage/reference.png",
        "alpha_uri": None if alpha_mode in ("auto", "fill") else "https://example.com/storage/alpha.png",
        "max_resolution": resolution,
        "callback_url": None,
        "idempotency_key": None,
    }
    return body


def _status(body: Any) -> str:
    return str(body["status"])


@pytest.mark.django_db
@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_each_node_runs_to_a_charge_equal_to_its_quote(
    proxy_comfy: ComfyClient, owner: Any, case: Case
) -> None:
    kind, charge, alpha_mode = case.kind, case.charge, case.alpha_mode
    before = available_micros(owner)
    reply = proxy_comfy.post_json(PATH, _request(kind, case.resolution, alpha_mode))
    assert reply.status_code == 201, reply.content[:300]
    created = reply.json()
    assert created["status"] == "in_queue"
    assert ProxyJob.objects.filter(vendor_job_id=created["id"]).count() == 1
    final = poll_until(proxy_comfy, f"{PATH}/{created['id']}", _status, DONE).json()
    assert final["status"] == "completed"
    usage = assert_charged(owner, before, charge, status=UsageStatus.SUCCEEDED)
    assert usage.quoted_micros == charge
    check = assert_png if kind == "image" else assert_mp4
    check(download(proxy_comfy, final["output"]["render"]))
    if alpha_mode != "fill":
        check(download(proxy_comfy, final["output"]["alpha"]))


@pytest.mark.django_db
def test_a_failed_generation_charges_nothing(proxy_comfy: ComfyClient, owner: Any) -> None:
    before = available_micros(owner)
    created = proxy_comfy.post_json(PATH, _request("image", 1080, "auto", prompt="[fail] storm")).json()
    final = poll_until(proxy_comfy, f"{PATH}/{created['id']}", _status, DONE).json()
    assert final["status"] == "failed"
    assert final["error"]
    assert_charged(owner, before, 0, status=UsageStatus.FAILED)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("change", "status"),
    [
        ({"max_resolution": 4096}, 422),
        ({"generation_type": "audio"}, 422),
        ({"prompt": "x" * 2001}, 400),
        ({"source_uri": None}, 400),
    ],
)
def test_bad_input_is_refused_before_anything_is_reserved(
    proxy_comfy: ComfyClient, owner: Any, change: dict[str, Any], status: int
) -> None:
    before = available_micros(owner)
    body = {**_request("image", 1080, "auto"), **change}
    reply = proxy_comfy.post_json(PATH, body)
    assert reply.status_code == status, reply.content[:300]
    assert available_micros(owner) == before
