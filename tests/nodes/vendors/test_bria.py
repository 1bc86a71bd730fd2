"""Bria v2 (nodes_bria.py), replayed through /proxy in sandbox mode.

Every node POSTs one edit (→ 202 `{request_id, status_url}`) and polls GET `v2/status/{request_id}`
(`status`: IN_PROGRESS; COMPLETED, ERROR) → `result.image_url` (+ `structured_prompt`) or `result.video_url`.
Images are flat; videos are held and charged at the 60 s the nodes accept at most ($0.05/s).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from nodes.models import UsageStatus
from tests.nodes.proxy_support import ComfyClient, available_micros
from tests.nodes.vendors.replay import assert_charged, assert_mp4, assert_png, download, poll_until

BASE = "/proxy/bria/v2"
DONE = {"COMPLETED", "ERROR", "UNKNOWN"}
URL = "https://example.com/storage/upload"
VIDEO = {"video": URL + ".mp4", "output_container_and_codec": "mp4_h264", "preserve_audio": True, "seed": 1}


@dataclass(frozen=True)
class Job:
    id: str  # the node
    path: str  # under /proxy/bria/v2
    body: dict[str, Any]
    charge: int
    marker_field: str  # where the failure test puts its marker


JOBS = [
    Job(
        "BriaImageEditNode",
        "image/edit",
        {
            "instruction": "make it snow",
            "structured_instruction": None,
            "images": [URL + ".png"],
            "mask": None,
            "negative_prompt": None,
            "guidance_scale": 3.0,
            "model_version": "FIBO",
            "steps_num": 50,
            "seed": 1,
            "ip_signal": False,
            "prompt_content_moderation": False,
            "visual_input_content_moderation": False,
            "visual_output_content_moderation": False,
        },
        40_000,
        "instruction",
    ),
    Job(
        "BriaRemoveImageBackground",
        "image/edit/remove_background",
        {
            "image": URL + ".png",
            "sync": False,
            "visual_input_content_moderation": False,
            "visual_output_content_moderation": False,
            "seed": 1,
        },
        18_000,
        "image",
    ),
    Job(
        "BriaRemoveVideoBackground",
        "video/edit/remove_background",
        {**VIDEO, "background_color": "Black"},
        3_000_000,
        "video",
    ),
    Job(
        "BriaTransparentVideoBackground",
        "video/edit/remove_background",
        {**VIDEO, "background_color": "Transparent", "output_container_and_codec": "webm_vp9"},
        3_000_000,
        "video",
    ),
    Job(
        "BriaVideoGreenScreen",
        "video/edit/green_screen",
        {**VIDEO, "green_shade": "broadcast_green"},
        3_000_000,
        "video",
    ),
    Job(
        "BriaVideoReplaceBackground",
        "video/edit/replace_background",
        {**VIDEO, "background_url": URL + ".png"},
        3_000_000,
        "video",
    ),
]


def _status(body: Any) -> str:
    return str(body.get("status"))


def _run(comfy: ComfyClient, job: Job, body: dict[str, Any]) -> dict[str, Any]:
    reply = comfy.post_json(f"{BASE}/{job.path}", body)
    assert reply.status_code in (200, 202), reply.content[:300]
    final: dict[str, Any] = poll_until(
        comfy, f"{BASE}/status/{reply.json()['request_id']}", _status, DONE
    ).json()
    return final


@pytest.mark.django_db
@pytest.mark.parametrize("job", JOBS, ids=[job.id for job in JOBS])
def test_each_node_runs_to_its_charge(proxy_comfy: ComfyClient, owner: Any, job: Job) -> None:
    before = available_micros(owner)
    final = _run(proxy_comfy, job, job.body)
    assert final["status"] == "COMPLETED"
    usage = assert_charged(owner, before, job.charge, status=UsageStatus.SUCCEEDED)
    assert usage.quoted_micros == job.charge
    if job.path.startswith("video/"):
        assert_mp4(download(proxy_comfy, final["result"]["video_url"]))
    else:
        assert_png(download(proxy_comfy, final["result"]["image_url"]))
    if job.id == "BriaImageEditNode":
        assert final["result"]["structured_prompt"]


@pytest.mark.django_db
@pytest.mark.parametrize("job", [JOBS[0], JOBS[2]], ids=["image", "video"])
def test_a_failed_request_charges_nothing(proxy_comfy: ComfyClient, owner: Any, job: Job) -> None:
    before = available_micros(owner)
    final = _run(proxy_comfy, job, {**job.body, job.marker_field: "[fail] " + URL})
    assert final["status"] == "ERROR"
    assert_charged(owner, before, 0, status=UsageStatus.FAILED)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("image/edit", {**JOBS[0].body, "images": [URL, URL]}),
        ("image/edit/remove_background", {"seed": 1}),
        ("video/edit/replace_background", VIDEO),
    ],
)
def test_bad_input_is_refused_before_anything_is_reserved(
    proxy_comfy: ComfyClient, owner: Any, path: str, body: dict[str, Any]
) -> None:
    before = available_micros(owner)
    reply = proxy_comfy.post_json(f"{BASE}/{path}", body)
    assert reply.status_code == 400, reply.content[:300]
    assert available_micros(owner) == before
