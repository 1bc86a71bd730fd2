"""Hyper3D Rodin (nodes_rodin.py), replayed through /proxy in sandbox mode.

Every node submits POST `api/v2/rodin` (multipart: `tier`, `images` and/or `prompt`) → `uuid` and
`jobs.subscription_key`, polls POST `api/v2/status` {subscription_key} (`jobs[].status`: Waiting, Generating;
Done, Failed) and, once every job is Done, fetches POST `api/v2/download` {task_uuid} → `list[{url, name}]`
(free). Rodin reports no cost: a task is charged its quote ($0.40 a first-generation tier, Gen-2.5 $0.75 or
$1.50 for Extreme-High, + $0.80 for HighPack).
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.test import Client

from nodes.models import UsageStatus
from nodes.sandbox import media
from tests.nodes.conftest import fund_user
from tests.nodes.proxy_support import ComfyClient, available_micros
from tests.nodes.vendors.replay import assert_charged, assert_png, download

BASE = "/proxy/rodin/api/v2"
MAGIC = {"glb": b"glTF", "fbx": b"; FBX", "obj": b"# "}


@pytest.fixture
def comfy(proxy_comfy: ComfyClient, owner: Any) -> ComfyClient:
    fund_user(owner, 5_000_000)
    return proxy_comfy


def _image(name: str = "image.png") -> io.BytesIO:
    picture = io.BytesIO(media.png_bytes(seed=1, width=64, height=64))
    picture.name = name
    return picture


@dataclass(frozen=True)
class Job:
    id: str  # the node
    fields: dict[str, Any]
    charge: int  # micro-USD
    images: int = 1
    ext: str = "glb"
    extra: dict[str, Any] = field(default_factory=dict)


def _legacy(tier: str, **extra: Any) -> dict[str, Any]:
    return {
        "seed": "0",
        "tier": tier,
        "material": "PBR",
        "quality_override": "18000",
        "mesh_mode": "Quad",
        **extra,
    }


GEN25 = {"seed": "0", "material": "Shaded", "texture_mode": "high", "hd_texture": "true"}
JOBS = [
    Job("Rodin3D_Regular", _legacy("Regular", TAPose="False"), 400_000),
    Job("Rodin3D_Detail", _legacy("Detail", TAPose="False"), 400_000, images=3),
    Job("Rodin3D_Smooth", _legacy("Smooth", TAPose="False"), 400_000),
    Job("Rodin3D_Sketch", _legacy("Sketch", TAPose="False"), 400_000),
    Job("Rodin3D_Gen2", _legacy("Gen-2", quality_override="500000", mesh_mode="Raw", TAPose="True"), 400_000),
    Job(
        "Rodin3D_Gen25_Image",
        {
            **GEN25,
            "tier": "Gen-2.5-Extreme-High",
            "mesh_mode": "Raw",
            "quality_override": "1000000",
            "geometry_file_format": "fbx",
            "is_micro": "true",
            "addons": ["HighPack"],
        },
        1_500_000 + 800_000,
        images=2,
        ext="fbx",
    ),
    Job(
        "Rodin3D_Gen25_Text",
        {
            **GEN25,
            "tier": "Gen-2.5-High",
            "prompt": "a brass teapot",
            "geometry_file_format": "obj",
            "geometry_instruct_mode": "creative",
        },
        750_000,
        images=0,
        ext="obj",
    ),
]


def _submit(comfy: ComfyClient, job: Job, fields: dict[str, Any]) -> Any:
    data = dict(fields)
    if job.images:
        data["images"] = [_image(f"image{index}.png") for index in range(job.images)]
    return comfy.post_multipart(f"{BASE}/rodin", data)


def _poll(comfy: ComfyClient, key: str) -> list[str]:
    for _ in range(20):
        reply = comfy.post_json(f"{BASE}/status", {"subscription_key": key})
        assert reply.status_code == 200, reply.content[:300]
        statuses = [job["status"] for job in reply.json()["jobs"]]
        if "Failed" in statuses or all(word == "Done" for word in statuses):
            return statuses
    raise AssertionError("the task never finished")


@pytest.mark.django_db
@pytest.mark.parametrize("job", JOBS, ids=[job.id for job in JOBS])
def test_each_node_runs_to_its_charge(comfy: ComfyClient, owner: Any, job: Job) -> None:
    before = available_micros(owner)
    reply = _submit(comfy, job, job.fields)
    assert reply.status_code == 200, reply.content[:300]
    created = reply.json()
    assert set(_poll(comfy, created["jobs"]["subscription_key"])) == {"Done"}
    usage = assert_charged(owner, before, job.charge, status=UsageStatus.SUCCEEDED)
    assert usage.quoted_micros == job.charge
    listed = comfy.post_json(f"{BASE}/download", {"task_uuid": created["uuid"]})
    assert listed.status_code == 200, listed.content[:300]
    files = {item["name"].rsplit(".", 1)[-1]: item["url"] for item in listed.json()["list"]}
    assert download(comfy, files[job.ext]).startswith(MAGIC[job.ext])
    assert_png(download(comfy, files["png"]))
    assert available_micros(owner) == before - job.charge  # the download is free


@pytest.mark.django_db
def test_a_failed_task_charges_nothing(comfy: ComfyClient, owner: Any) -> None:
    before = available_micros(owner)
    job = JOBS[-1]
    reply = _submit(comfy, job, {**job.fields, "prompt": "[fail] a teapot"})
    assert reply.status_code == 200, reply.content[:300]
    assert "Failed" in _poll(comfy, reply.json()["jobs"]["subscription_key"])
    assert_charged(owner, before, 0, status=UsageStatus.FAILED)


@pytest.mark.django_db
def test_a_poll_for_someone_elses_task_is_not_found(comfy: ComfyClient) -> None:
    reply = comfy.post_json(f"{BASE}/status", {"subscription_key": "not-a-task-of-mine"})
    assert reply.status_code == 404, reply.content[:300]


@pytest.mark.django_db
def test_only_the_owner_lists_a_tasks_files(comfy: ComfyClient, outsider: Any) -> None:
    """The download is found by the task `uuid` the submit gave, among the caller's own jobs only."""
    from accounts.services.api_keys import api_key_create

    job = JOBS[0]
    created = _submit(comfy, job, job.fields).json()
    _poll(comfy, created["jobs"]["subscription_key"])
    _key, plaintext = api_key_create(user=outsider, name="other")
    outsider_comfy = ComfyClient(Client(), plaintext)
    for task in (created["uuid"], "not-a-task-of-mine"):
        reply = outsider_comfy.post_json(f"{BASE}/download", {"task_uuid": task})
        assert reply.status_code == 404, reply.content[:300]
    assert comfy.post_json(f"{BASE}/download", {"task_uuid": created["uuid"]}).status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("fields", "images"),
    [
        ({"tier": "Gen-3"}, 1),  # an unpriced tier
        ({"tier": "Regular"}, 0),  # no images
        ({"tier": "Gen-2.5-High"}, 0),  # text to 3D without a prompt
        ({"tier": "Regular"}, 6),  # too many images
        ({"tier": "Gen-2.5-High", "addons": ["MegaPack"]}, 1),  # an unpriced addon
        ({"tier": "Gen-2.5-High", "prompt": "p" * 2501}, 0),
    ],
)
def test_bad_input_is_refused_before_anything_is_reserved(
    comfy: ComfyClient, owner: Any, fields: dict[str, Any], images: int
) -> None:
    before = available_micros(owner)
    reply = _submit(comfy, Job("bad", fields, 0, images=images), fields)
    assert reply.status_code in (400, 422), reply.content[:300]
    assert available_micros(owner) == before
