"""Magnific (nodes_magnific.py, /proxy/freepik), replayed through /proxy in sandbox mode.

Every node submits JSON with an uploaded image URL → `data.task_id` (status `CREATED`), and polls GET
`{same path}/{task_id}` (`CREATED` → `IN_PROGRESS` → `COMPLETED` with `generated[]`, or `FAILED`); the
skin enhancer submits to `skin-enhancer/{creative|faithful|flexible}` and polls `skin-enhancer/{task_id}`.
Freepik reports no cost: a finished task is charged its quote (upscales: the badge's top for the scale).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from nodes.models import UsageStatus
from tests.nodes.conftest import fund_user
from tests.nodes.proxy_support import ComfyClient, available_micros
from tests.nodes.vendors.replay import assert_charged, assert_png, download, poll_until

BASE = "/proxy/freepik/v1/ai"
DONE = {"COMPLETED", "FAILED"}
URL = "https://example.com/storage/upload.png"


@pytest.fixture
def comfy(proxy_comfy: ComfyClient, owner: Any) -> ComfyClient:
    fund_user(owner, 20_000_000)
    return proxy_comfy


def _status(body: Any) -> str:
    return str((body.get("data") or {}).get("status"))


@dataclass(frozen=True)
class Task:
    id: str  # the node
    submit: str  # path under /proxy/freepik/v1/ai
    poll: str
    body: dict[str, Any]
    charge: int


TASKS = [
    Task(
        "MagnificImageUpscalerCreativeNode",
        "image-upscaler",
        "image-upscaler",
        {
            "image": URL,
            "scale_factor": "4x",
            "optimized_for": "soft_portraits",
            "prompt": "crisp detail",
            "creativity": 2,
            "hdr": 0,
            "resemblance": 1,
            "fractality": 0,
            "engine": "magnific_sparkle",
        },
        844_000,
    ),
    Task(
        "MagnificImageUpscalerPreciseV2Node",
        "image-upscaler-precision-v2",
        "image-upscaler-precision-v2",
        {
            "image": URL,
            "sharpen": 7,
            "smart_grain": 7,
            "ultra_detail": 30,
            "flavor": "photo",
            "scale_factor": 2,
        },
        2_045_000,
    ),
    Task(
        "MagnificImageStyleTransferNode",
        "image-style-transfer",
        "image-style-transfer",
        {
            "image": URL,
            "reference_image": URL,
            "prompt": "oil painting",
            "style_strength": 100,
            "structure_strength": 50,
            "is_portrait": True,
            "portrait_style": "pop",
            "portrait_beautifier": None,
            "flavor": "faithful",
            "engine": "balanced",
            "fixed_generation": True,
        },
        110_000,
    ),
    Task(
        "MagnificImageRelightNode",
        "image-relight",
        "image-relight",
        {
            "image": URL,
            "prompt": "golden hour",
            "transfer_light_from_reference_image": None,
            "light_transfer_strength": 100,
            "interpolate_from_original": False,
            "change_background": True,
            "style": "standard",
            "preserve_details": True,
            "advanced_settings": {
                "whites": 50,
                "blacks": 50,
                "brightness": 50,
                "contrast": 50,
                "saturation": 50,
                "engine": "automatic",
                "transfer_light_a": "automatic",
                "transfer_light_b": "automatic",
                "fixed_generation": True,
            },
        },
        110_000,
    ),
    Task(
        "MagnificImageSkinEnhancerNode-creative",
        "skin-enhancer/creative",
        "skin-enhancer",
        {"image": URL, "sharpen": 0, "smart_grain": 2},
        290_000,
    ),
    Task(
        "MagnificImageSkinEnhancerNode-faithful",
        "skin-enhancer/faithful",
        "skin-enhancer",
        {"image": URL, "sharpen": 0, "smart_grain": 2, "skin_detail": 80},
        370_000,
    ),
    Task(
        "MagnificImageSkinEnhancerNode-flexible",
        "skin-enhancer/flexible",
        "skin-enhancer",
        {"image": URL, "sharpen": 0, "smart_grain": 2, "optimized_for": "enhance_skin"},
        450_000,
    ),
]


@pytest.mark.django_db
@pytest.mark.parametrize("task", TASKS, ids=[task.id for task in TASKS])
def test_each_node_runs_to_its_charge(comfy: ComfyClient, owner: Any, task: Task) -> None:
    before = available_micros(owner)
    reply = comfy.post_json(f"{BASE}/{task.submit}", task.body)
    assert reply.status_code == 200, reply.content[:300]
    created = reply.json()["data"]
    assert created["status"] == "CREATED"
    final = poll_until(comfy, f"{BASE}/{task.poll}/{created['task_id']}", _status, DONE).json()["data"]
    assert final["status"] == "COMPLETED"
    usage = assert_charged(owner, before, task.charge, status=UsageStatus.SUCCEEDED)
    assert usage.quoted_micros == task.charge
    assert_png(download(comfy, final["generated"][0]))


@pytest.mark.django_db
@pytest.mark.parametrize("task", [TASKS[0], TASKS[4]], ids=["upscaler", "skin-enhancer"])
def test_a_failed_task_charges_nothing(comfy: ComfyClient, owner: Any, task: Task) -> None:
    before = available_micros(owner)
    body = {**task.body, "image": URL + "?[fail]"}
    created = comfy.post_json(f"{BASE}/{task.submit}", body).json()["data"]
    final = poll_until(comfy, f"{BASE}/{task.poll}/{created['task_id']}", _status, DONE).json()
    assert _status(final) == "FAILED"
    assert_charged(owner, before, 0, status=UsageStatus.FAILED)


@pytest.mark.django_db
def test_a_poll_of_another_task_kind_is_not_found(comfy: ComfyClient, owner: Any) -> None:
    created = comfy.post_json(f"{BASE}/image-relight", TASKS[3].body).json()["data"]
    assert comfy.get(f"{BASE}/image-style-transfer/{created['task_id']}").status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("path", "body", "status"),
    [
        ("image-upscaler", {**TASKS[0].body, "scale_factor": "32x"}, 422),
        ("image-upscaler-precision-v2", {**TASKS[1].body, "scale_factor": 3}, 422),
        ("image-relight", {"prompt": "no image"}, 400),
        ("skin-enhancer/gentle", TASKS[4].body, 405),  # only a poll has that shape
    ],
)
def test_bad_input_is_refused_before_anything_is_reserved(
    comfy: ComfyClient, owner: Any, path: str, body: dict[str, Any], status: int
) -> None:
    before = available_micros(owner)
    reply = comfy.post_json(f"{BASE}/{path}", body)
    assert reply.status_code == status, reply.content[:300]
    assert available_micros(owner) == before
