"""Tripo3D (nodes_tripo.py), replayed through /proxy in sandbox mode.

Every node posts a task (POST `v2/openapi/task`, or Comfy.org's `v2/openapi/import`) → `data.task_id`, then
polls GET `v2/openapi/task/{task_id}` (`data.status`: queued, running; success, failed, cancelled, unknown,
banned, expired) → `data.output.pbr_model` | `model`. The hold is the badge's credits at $0.01; the charge is
Tripo's `consumed_credit` (up to the hold).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client

from nodes.models import UsageStatus
from tests.nodes.conftest import fund_user
from tests.nodes.proxy_support import ComfyClient, available_micros
from tests.nodes.vendors.replay import assert_charged, assert_png, download, poll_until

BASE = "/proxy/tripo/v2/openapi"
DONE = {"success", "failed", "cancelled", "unknown", "banned", "expired"}
CREDIT = 10_000
FILE = {"type": "jpeg", "url": "https://example.com/storage/upload.png"}
SOURCE = "0a1b2c3d-0000-4000-8000-000000000000"


@pytest.fixture
def comfy(proxy_comfy: ComfyClient, owner: Any) -> ComfyClient:
    fund_user(owner, 5_000_000)
    return proxy_comfy


def _status(body: Any) -> str:
    return str(body["data"]["status"])


@dataclass(frozen=True)
class Job:
    id: str  # the node
    body: dict[str, Any]
    quote: int  # credits held
    charge: int  # credits the sandbox reports
    ext: str = "glb"
    path: str = "task"


def _p1(kind: str, **extra: Any) -> dict[str, Any]:
    return {
        "type": kind,
        "model_version": "P1-20260311",
        "model_seed": 42,
        "auto_size": False,
        "export_uv": True,
        **extra,
    }


TEXTURED = {"texture": True, "pbr": True, "texture_quality": "detailed", "texture_seed": 42}
JOBS = [
    Job(
        "TripoTextToModelNode",
        {
            "type": "text_to_model",
            "prompt": "a small robot",
            "model_version": "v3.0-20250812",
            "texture": True,
            "pbr": True,
            "image_seed": 42,
            "model_seed": 42,
            "texture_seed": 42,
            "texture_quality": "detailed",
            "geometry_quality": "detailed",
            "auto_size": True,
            "quad": True,
        },
        20 + 5 + 10 + 20,
        10,
    ),
    Job(
        "TripoImageToModelNode",
        {
            "type": "image_to_model",
            "file": FILE,
            "model_version": "v2.5-20250123",
            "texture": False,
            "pbr": False,
            "model_seed": 42,
            "orientation": "default",
            "geometry_quality": "detailed",
            "texture_alignment": "original_image",
            "texture_seed": 42,
            "texture_quality": "standard",
            "auto_size": True,
            "quad": False,
        },
        20,
        20,
    ),
    Job(
        "TripoMultiviewToModelNode",
        {
            "type": "multiview_to_model",
            "files": [FILE, {}, FILE, {}],
            "model_version": "v1.4-20240625",
            "orientation": "default",
            "texture": True,
            "pbr": True,
            "model_seed": 42,
            "texture_seed": 42,
            "texture_quality": "detailed",
            "geometry_quality": "standard",
            "texture_alignment": "original_image",
        },
        30,
        20,
    ),
    Job("TripoP1TextToModelNode", _p1("text_to_model", prompt="a chair", texture=False, pbr=False), 30, 10),
    Job(
        "TripoP1ImageToModelNode",
        _p1("image_to_model", file=FILE, enable_image_autofix=False, **TEXTURED),
        60,
        20,
    ),
    Job(
        "TripoP1MultiviewToModelNode",
        _p1("multiview_to_model", files=[FILE, FILE, {}, {}], **{**TEXTURED, "texture_quality": "standard"}),
        50,
        20,
    ),
    Job(
        "TripoTextureNode",
        {
            "type": "texture_model",
            "original_model_task_id": SOURCE,
            "texture": True,
            "pbr": True,
            "texture_seed": 42,
            "texture_quality": "detailed",
            "texture_alignment": "original_image",
            "texture_prompt": {"text": "weathered bronze"},
        },
        20,
        10,
    ),
    Job("TripoRefineNode", {"type": "refine_model", "draft_model_task_id": SOURCE}, 30, 30),
    Job(
        "TripoRigNode",
        {"type": "animate_rig", "original_model_task_id": SOURCE, "out_format": "glb", "spec": "tripo"},
        25,
        25,
    ),
    Job(
        "TripoRetargetNode",
        {
            "type": "animate_retarget",
            "original_model_task_id": SOURCE,
            "animation": "preset:walk",
            "out_format": "glb",
            "bake_animation": True,
        },
        10,
        10,
    ),
    Job(
        "TripoConversionNode",
        {"type": "convert_model", "original_model_task_id": SOURCE, "format": "FBX", "face_limit": 5000},
        10,
        5,
        ext="fbx",
    ),
]
MAGIC = {"glb": b"glTF", "fbx": b"; FBX", "obj": b"# "}


def _run(comfy: ComfyClient, job: Job, body: dict[str, Any]) -> dict[str, Any]:
    reply = comfy.post_json(f"{BASE}/{job.path}", body)
    assert reply.status_code == 200, reply.content[:300]
    created = reply.json()
    assert created["code"] == 0
    final = poll_until(comfy, f"{BASE}/task/{created['data']['task_id']}", _status, DONE).json()
    return dict(final["data"])


@pytest.mark.django_db
@pytest.mark.parametrize("job", JOBS, ids=[job.id for job in JOBS])
def test_each_node_runs_to_its_charge(comfy: ComfyClient, owner: Any, job: Job) -> None:
    before = available_micros(owner)
    data = _run(comfy, job, job.body)
    assert data["status"] == "success"
    assert data["consumed_credit"] == job.charge
    usage = assert_charged(owner, before, job.charge * CREDIT, status=UsageStatus.SUCCEEDED)
    assert usage.quoted_micros == job.quote * CREDIT
    output = data["output"]
    model = download(comfy, output.get("pbr_model") or output["model"])
    assert model.startswith(MAGIC[job.ext]), model[:16]
    assert_png(download(comfy, output["rendered_image"]))


@pytest.mark.django_db
def test_an_import_is_free_and_its_task_is_polled_free(comfy: ComfyClient, owner: Any) -> None:
    """TripoImportModelNode: the badge says Free; the task it starts is read as a free lookup."""
    before = available_micros(owner)
    job = Job("TripoImportModelNode", {"url": "https://example.com/storage/m.glb", "format": "glb"}, 0, 0)
    data = _run(comfy, Job(job.id, job.body, 0, 0, path="import"), job.body)
    assert data["status"] == "success"
    assert data["type"] == "import_model"
    assert available_micros(owner) == before
    assert download(comfy, data["output"]["model"]).startswith(b"glTF")


@pytest.mark.django_db
def test_only_the_importer_reads_an_imports_task(comfy: ComfyClient, outsider: Any) -> None:
    """The import's task is nobody's job; only the caller whose import answered its id may poll it."""
    from accounts.services.api_keys import api_key_create

    created = comfy.post_json(f"{BASE}/import", {"url": "https://example.com/storage/m.glb", "format": "glb"})
    assert created.status_code == 200, created.content[:300]
    task = created.json()["data"]["task_id"]
    _key, plaintext = api_key_create(user=outsider, name="other")
    other = ComfyClient(Client(), plaintext)
    assert other.get(f"{BASE}/task/{task}").status_code == 404
    assert comfy.get(f"{BASE}/task/{uuid.uuid4()}").status_code == 404  # an id no import of theirs gave
    assert comfy.get(f"{BASE}/task/{task}").status_code == 200


@pytest.mark.django_db
def test_a_conversion_to_obj_delivers_an_obj(comfy: ComfyClient) -> None:
    job = JOBS[-1]
    data = _run(comfy, job, {**job.body, "format": "OBJ"})
    lines = download(comfy, data["output"]["model"]).decode().splitlines()
    assert sum(line.startswith("v ") for line in lines) == 8
    assert sum(line.startswith("f ") for line in lines) == 12


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("marker", "status", "usage"),
    [("[fail]", "failed", UsageStatus.FAILED), ("[moderated]", "banned", UsageStatus.MODERATED)],
)
def test_a_failed_or_banned_task_charges_nothing(
    comfy: ComfyClient, owner: Any, marker: str, status: str, usage: UsageStatus
) -> None:
    before = available_micros(owner)
    job = JOBS[0]
    data = _run(comfy, job, {**job.body, "prompt": f"{marker} a robot"})
    assert data["status"] == status
    assert_charged(owner, before, 0, status=usage)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "body",
    [
        {"type": "text_to_model", "model_version": "v3.0-20250812"},  # no prompt
        {"type": "text_to_model", "prompt": "p", "model_version": "v9"},  # unpriced version
        {"type": "stylize_model", "original_model_task_id": SOURCE},  # a type no node sends, unpriced
        {"type": "image_to_model", "texture_quality": "ultra", "file": FILE},
        {"type": "text_to_model", "prompt": "p" * 1025},
        {"type": "convert_model", "original_model_task_id": SOURCE},  # no format
    ],
)
def test_bad_input_is_refused_before_anything_is_reserved(
    comfy: ComfyClient, owner: Any, body: dict[str, Any]
) -> None:
    before = available_micros(owner)
    reply = comfy.post_json(f"{BASE}/task", body)
    assert reply.status_code in (400, 422), reply.content[:300]
    assert available_micros(owner) == before
