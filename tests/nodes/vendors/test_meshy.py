"""Meshy (nodes_meshy.py), replayed through /proxy in sandbox mode.

Every node submits a task (POST `openapi/v2/text-to-3d`, or `openapi/v1/<kind>`) → `{"result": id}`, then
polls GET `…/<kind>/{id}` (`status`: PENDING, IN_PROGRESS; SUCCEEDED, FAILED, CANCELED) and downloads the
GLB and FBX it names (`model_urls`, or `result` for rigging and animation). Meshy reports no cost on these
routes: a task settles on its quote (credits at $0.04, as the badges price them).
"""

from __future__ import annotations

import json
import struct
from dataclasses import dataclass
from typing import Any

import pytest

from nodes.models import UsageStatus
from tests.nodes.proxy_support import ComfyClient, available_micros
from tests.nodes.vendors.replay import assert_charged, assert_png, download, poll_until

BASE = "/proxy/meshy/openapi"
DONE = {"SUCCEEDED", "FAILED", "CANCELED"}
URL = "https://example.com/storage/upload.png"
REMESH = {"topology": "triangle", "target_polycount": 300000, "should_remesh": True}


def _status(body: Any) -> str:
    return str(body.get("status"))


@dataclass(frozen=True)
class Job:
    id: str  # the node
    path: str  # below /proxy/meshy/openapi/
    body: dict[str, Any]
    charge: int  # micro-USD
    files: tuple[str, str] = ("model_urls.glb", "model_urls.fbx")


def _image_body(textured: bool, **image: Any) -> dict[str, Any]:
    return {
        **image,
        "ai_model": "latest",
        **REMESH,
        "symmetry_mode": "auto",
        "should_texture": textured,
        "enable_pbr": False if textured else None,
        "pose_mode": "",
        "texture_prompt": "rusty metal" if textured else None,
        "texture_image_url": None,
        "seed": 0,
        "moderation": False,
    }


TEXT = {
    "mode": "preview",
    "prompt": "a wooden treasure chest",
    "art_style": "realistic",
    "ai_model": "latest",
    **REMESH,
    "symmetry_mode": "auto",
    "pose_mode": "t-pose",
    "seed": 0,
    "moderation": False,
}
JOBS = [
    Job("MeshyTextToModelNode", "v2/text-to-3d", TEXT, 800_000),
    Job(
        "MeshyRefineNode",
        "v2/text-to-3d",
        {
            "mode": "refine",
            "preview_task_id": "018a210d-8ba4",
            "enable_pbr": False,
            "texture_prompt": "gold trim",
            "texture_image_url": None,
            "ai_model": "latest",
            "moderation": False,
        },
        400_000,
    ),
    Job("MeshyImageToModelNode", "v1/image-to-3d", _image_body(True, image_url=URL), 1_200_000),
    Job("MeshyImageToModelNode-untextured", "v1/image-to-3d", _image_body(False, image_url=URL), 800_000),
    Job(
        "MeshyMultiImageToModelNode",
        "v1/multi-image-to-3d",
        _image_body(True, image_urls=[URL, URL]),
        600_000,
    ),
    Job(
        "MeshyMultiImageToModelNode-untextured",
        "v1/multi-image-to-3d",
        _image_body(False, image_urls=[URL, URL, URL]),
        200_000,
    ),
    Job(
        "MeshyRigModelNode",
        "v1/rigging",
        {"input_task_id": "018a210d-8ba4", "height_meters": 1.7, "texture_image_url": None},
        200_000,
        ("result.rigged_character_glb_url", "result.rigged_character_fbx_url"),
    ),
    Job(
        "MeshyAnimateModelNode",
        "v1/animations",
        {"rig_task_id": "018a210d-8ba5", "action_id": 0},
        120_000,
        ("result.animation_glb_url", "result.animation_fbx_url"),
    ),
    Job(
        "MeshyTextureNode",
        "v1/retexture",
        {
            "input_task_id": "018a210d-8ba4",
            "ai_model": "latest",
            "enable_original_uv": True,
            "enable_pbr": False,
            "text_style_prompt": "stone",
            "image_style_url": None,
        },
        400_000,
    ),
]


def _at(data: Any, dotted: str) -> Any:
    for part in dotted.split("."):
        data = data[part]
    return data


def assert_glb(data: bytes) -> None:
    magic, version, length = struct.unpack_from("<4sII", data)
    assert (magic, version, length) == (b"glTF", 2, len(data))
    json_len = struct.unpack_from("<I", data, 12)[0]
    assert json.loads(data[20 : 20 + json_len])["asset"]["version"] == "2.0"


def assert_fbx(data: bytes) -> None:
    assert data.startswith(b"; FBX 7.4.0 project file"), data[:32]


@pytest.mark.django_db
@pytest.mark.parametrize("job", JOBS, ids=[job.id for job in JOBS])
def test_each_node_runs_to_its_charge(proxy_comfy: ComfyClient, owner: Any, job: Job) -> None:
    before = available_micros(owner)
    reply = proxy_comfy.post_json(f"{BASE}/{job.path}", job.body)
    assert reply.status_code == 200, reply.content[:300]
    task = reply.json()["result"]
    final = poll_until(proxy_comfy, f"{BASE}/{job.path}/{task}", _status, DONE).json()
    assert final["status"] == "SUCCEEDED"
    assert final["progress"] == 100
    usage = assert_charged(owner, before, job.charge, status=UsageStatus.SUCCEEDED)
    assert usage.quoted_micros == job.charge
    glb, fbx = (download(proxy_comfy, _at(final, field)) for field in job.files)
    assert_glb(glb)
    assert_fbx(fbx)
    if "model_urls" in final:
        assert_png(download(proxy_comfy, final["thumbnail_url"]))
        assert download(proxy_comfy, final["model_urls"]["obj"]).count(b"\nf ") == 12


@pytest.mark.django_db
@pytest.mark.parametrize("job", [JOBS[0], JOBS[2], JOBS[6]], ids=["text", "image", "rigging"])
def test_a_failed_task_charges_nothing(proxy_comfy: ComfyClient, owner: Any, job: Job) -> None:
    before = available_micros(owner)
    marked = {"prompt": "[fail] x"} if "prompt" in job.body else {}
    if "texture_prompt" in job.body:
        marked = {"texture_prompt": "[fail] x"}
    if "input_task_id" in job.body:
        marked = {"input_task_id": "fail-[fail]"}
    created = proxy_comfy.post_json(f"{BASE}/{job.path}", {**job.body, **marked})
    assert created.status_code == 200, created.content[:300]
    final = poll_until(proxy_comfy, f"{BASE}/{job.path}/{created.json()['result']}", _status, DONE).json()
    assert final["status"] == "FAILED"
    assert final["task_error"]["message"]
    assert_charged(owner, before, 0, status=UsageStatus.FAILED)


@pytest.mark.django_db
def test_a_task_polled_on_another_kind_is_not_found(proxy_comfy: ComfyClient) -> None:
    task = proxy_comfy.post_json(f"{BASE}/v1/rigging", JOBS[6].body).json()["result"]
    assert proxy_comfy.get(f"{BASE}/v1/animations/{task}").status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("v2/text-to-3d", {**TEXT, "prompt": "x" * 601}),
        ("v2/text-to-3d", {**TEXT, "mode": "draft"}),
        ("v1/image-to-3d", {**JOBS[2].body, "image_url": None}),
        ("v1/image-to-3d", {**JOBS[2].body, "should_texture": "maybe"}),
        ("v1/multi-image-to-3d", {**JOBS[4].body, "image_urls": [URL] * 5}),
        ("v1/rigging", {**JOBS[6].body, "height_meters": 20}),
        ("v1/animations", {"rig_task_id": "r", "action_id": 900}),
    ],
)
def test_bad_input_is_refused_before_anything_is_reserved(
    proxy_comfy: ComfyClient, owner: Any, path: str, body: dict[str, Any]
) -> None:
    before = available_micros(owner)
    reply = proxy_comfy.post_json(f"{BASE}/{path}", body)
    assert reply.status_code in (400, 422), reply.content[:300]
    assert available_micros(owner) == before
