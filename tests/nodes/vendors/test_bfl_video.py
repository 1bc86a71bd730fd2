"""BFL FLUX 3 video (nodes_bfl.py Flux3*VideoNode), replayed through /proxy in sandbox mode.

Every node POSTs `v1/flux-3-video` with its `mode` (t2v, i2v with `keyframes`, v2v with `start_video`) →
`id`, `polling_url`, `cost` (US cents), then polls that URL (our signed one) until `Ready` (`Pending`,
`Reasoning`, `Generating` before) → `result.sample`, an MP4. Held at the badge's rate per second times the
duration ("auto" holds the node's longest, 20 s); settled on the cost BFL reports. A failed task answers
its poll with an HTTP 5xx: nothing is charged and the hold expires uncharged.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from billing.services import holds_expire
from nodes.models import UsageStatus
from nodes.tasks import sweep_jobs
from tests.nodes.proxy_support import ComfyClient, available_micros
from tests.nodes.vendors.replay import assert_charged, assert_mp4, download, last_usage

PATH = "/proxy/bfl/v1/flux-3-video"
DONE = {"Ready", "Error", "Request Moderated", "Content Moderated", "Task not found"}
URL = "https://example.com/storage/upload"
AUTO_SECONDS = 8  # what the sandbox's "auto" makes (nodes/sandbox/vendors/bfl.py)


def _fields(duration: int | str, resolution: str, prompt: str = "a fox in the snow") -> dict[str, Any]:
    """Flux3VideoNodeBase.common_fields: the widgets as the node sends them (720p → hd, 1080p → fhd)."""
    return {
        "prompt": prompt,
        "aspect_ratio": "auto",
        "duration": duration,
        "resolution": resolution,
        "generate_audio": True,
        "safety_tolerance": 2,
    }


@dataclass(frozen=True)
class Case:
    id: str
    body: dict[str, Any]
    quote: int  # micro-USD: rate x seconds (20 for "auto")
    charge: int  # micro-USD: the cost the sandbox reports


CASES = [
    Case(
        "Flux3TextToVideoNode", {**_fields("auto", "hd"), "mode": "t2v"}, 20 * 243_100, AUTO_SECONDS * 243_100
    ),
    Case("Flux3TextToVideoNode-1080p-10s", {**_fields(10, "fhd"), "mode": "t2v"}, 4_147_000, 4_147_000),
    Case(
        "Flux3ImageToVideoNode",
        {**_fields(6, "hd"), "mode": "i2v", "keyframes": [URL + ".png", URL + "2.png"]},
        6 * 243_100,
        6 * 243_100,
    ),
    Case(
        "Flux3ImageToVideoNode-at-times",
        {**_fields(5, "fhd"), "mode": "i2v", "keyframes": [[0.0, URL + ".png"], [2.5, URL + "2.png"]]},
        5 * 414_700,
        5 * 414_700,
    ),
    Case(
        "Flux3VideoContinuationNode",
        {**_fields("auto", "fhd"), "mode": "v2v", "start_video": URL + ".mp4"},
        20 * 757_900,
        AUTO_SECONDS * 757_900,
    ),
    Case(
        "Flux3VideoContinuationNode-720p-20s",
        {**_fields(20, "hd"), "mode": "v2v", "start_video": URL + ".mp4"},
        20 * 586_300,
        20 * 586_300,
    ),
]


def _poll(comfy: ComfyClient, url: str) -> Any:
    for _ in range(20):
        reply = comfy.get_absolute(url)
        if reply.status_code != 200 or reply.json()["status"] in DONE:
            return reply
    raise AssertionError("the job never reached a terminal status")


@pytest.mark.django_db
@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_each_node_gets_its_video_at_the_reported_cost(
    proxy_comfy: ComfyClient, owner: Any, case: Case
) -> None:
    before = available_micros(owner)
    reply = proxy_comfy.post_json(PATH, case.body)
    assert reply.status_code == 200, reply.content[:300]
    submitted = reply.json()
    assert last_usage(owner).quoted_micros == case.quote
    final = _poll(proxy_comfy, submitted["polling_url"])
    assert final.status_code == 200, final.content[:300]
    assert final.json()["status"] == "Ready"
    usage = assert_charged(owner, before, case.charge, status=UsageStatus.SUCCEEDED)
    assert usage.quoted_micros == case.quote
    assert_mp4(download(proxy_comfy, final.json()["result"]["sample"]))


@pytest.mark.django_db
def test_a_moderated_video_charges_nothing(proxy_comfy: ComfyClient, owner: Any) -> None:
    before = available_micros(owner)
    body = {**CASES[0].body, "prompt": "[moderated] a fox"}
    final = _poll(proxy_comfy, proxy_comfy.post_json(PATH, body).json()["polling_url"])
    assert final.json()["status"] == "Content Moderated"
    assert_charged(owner, before, 0, status=UsageStatus.MODERATED)


@pytest.mark.django_db
def test_a_failed_task_answers_5xx_and_is_never_charged(proxy_comfy: ComfyClient, owner: Any) -> None:
    before = available_micros(owner)
    body = {**CASES[4].body, "prompt": "[fail] a fox"}
    final = _poll(proxy_comfy, proxy_comfy.post_json(PATH, body).json()["polling_url"])
    assert final.status_code >= 500, final.content[:300]
    usage = last_usage(owner)
    assert (usage.status, usage.charged_micros) == (UsageStatus.SUBMITTED, 0)  # held, not settled
    holds_expire(now=timezone.now() + timedelta(hours=3))
    assert sweep_jobs()["expired"] == 1
    usage.refresh_from_db()
    assert (usage.status, usage.charged_micros) == (UsageStatus.EXPIRED, 0)
    assert available_micros(owner) == before


@pytest.mark.django_db
@pytest.mark.parametrize(
    "body",
    [
        {key: value for key, value in CASES[0].body.items() if key != "prompt"},
        {**CASES[0].body, "duration": 21},
        {**CASES[0].body, "duration": 4},
        {**CASES[0].body, "resolution": "4k"},
        {**CASES[0].body, "mode": "x2v"},
        {**CASES[2].body, "keyframes": []},
        {**CASES[2].body, "keyframes": [URL] * 11},
        {**CASES[4].body, "start_video": ""},
    ],
    ids=["no-prompt", "21s", "4s", "4k", "mode", "no-keyframes", "11-keyframes", "no-video"],
)
def test_bad_input_is_refused_before_anything_is_reserved(
    proxy_comfy: ComfyClient, owner: Any, body: dict[str, Any]
) -> None:
    before = available_micros(owner)
    reply = proxy_comfy.post_json(PATH, body)
    assert 400 <= reply.status_code < 500, reply.content[:300]
    assert available_micros(owner) == before
