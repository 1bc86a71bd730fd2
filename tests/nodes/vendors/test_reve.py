"""Reve (nodes_reve.py), replayed through /proxy in sandbox mode.

Each node POSTs JSON with `Accept: image/webp` to `v1/image/create`, `…/edit` or `…/remix` and reads the
image from the body (sync). Charged the badge's base price by version and upscale factor, times
`test_time_scaling` (sent as null at 1 by edit and remix).
"""

from __future__ import annotations

from typing import Any

import pytest

from nodes.models import UsageStatus
from tests.nodes.proxy_support import ComfyClient, available_micros
from tests.nodes.vendors.replay import assert_charged, assert_png, last_usage

BASE = "/proxy/reve/v1/image"
B64 = "aGVsbG8="
UPSCALE_3X = [{"process": "upscale", "upscale_factor": 3}, {"process": "remove_background"}]
CASES: list[tuple[str, str, dict[str, Any], int]] = [
    (
        "ReveImageCreateNode",
        "create",
        {"prompt": "a fox", "aspect_ratio": "3:2", "version": "reve-create@20250915", "test_time_scaling": 1},
        34_320,
    ),
    (
        "ReveImageCreateNode-upscaled",
        "create",
        {
            "prompt": "a fox",
            "aspect_ratio": "16:9",
            "version": "reve-create@20250915",
            "test_time_scaling": 2,
            "postprocessing": UPSCALE_3X,
        },
        2 * 59_100,
    ),
    (
        "ReveImageEditNode",
        "edit",
        {
            "edit_instruction": "make it blue",
            "reference_image": B64,
            "aspect_ratio": None,
            "version": "reve-edit@20250915",
            "test_time_scaling": None,
            "postprocessing": None,
        },
        57_200,
    ),
    (
        "ReveImageEditNode-fast",
        "edit",
        {
            "edit_instruction": "make it blue",
            "reference_image": B64,
            "aspect_ratio": "1:1",
            "version": "reve-edit-fast@20251030",
            "test_time_scaling": None,
            "postprocessing": UPSCALE_3X,
        },
        10_010,
    ),
    (
        "ReveImageRemixNode",
        "remix",
        {
            "prompt": "the two together",
            "reference_images": [B64, B64],
            "aspect_ratio": None,
            "version": "reve-remix@20250915",
            "test_time_scaling": None,
            "postprocessing": [{"process": "upscale", "upscale_factor": 4}],
        },
        99_100,
    ),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("action", "body", "charge"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_each_node_gets_its_image_at_its_price(
    proxy_comfy: ComfyClient, owner: Any, action: str, body: dict[str, Any], charge: int
) -> None:
    before = available_micros(owner)
    reply = proxy_comfy.post_json(f"{BASE}/{action}", body, Accept="image/webp")
    assert reply.status_code == 200, reply.content[:300]
    assert_png(bytes(reply.content))
    assert_charged(owner, before, charge, status=UsageStatus.SUCCEEDED)


@pytest.mark.django_db
@pytest.mark.parametrize("marker", ["[fail]", "[moderated]"])
def test_a_refused_generation_charges_nothing(proxy_comfy: ComfyClient, owner: Any, marker: str) -> None:
    before = available_micros(owner)
    body = {**CASES[2][2], "edit_instruction": f"{marker} make it blue"}
    reply = proxy_comfy.post_json(f"{BASE}/edit", body, Accept="image/webp")
    assert reply.status_code >= 400
    assert available_micros(owner) == before
    assert last_usage(owner).charged_micros == 0


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("action", "body"),
    [
        ("create", {**CASES[0][2], "version": "reve-create@19990101"}),
        ("create", {**CASES[0][2], "test_time_scaling": 16}),
        ("create", {**CASES[0][2], "postprocessing": [{"process": "upscale", "upscale_factor": 8}]}),
        ("remix", {**CASES[4][2], "reference_images": [B64] * 7}),
        ("edit", {**CASES[2][2], "edit_instruction": "x" * 2561}),
    ],
)
def test_bad_input_is_refused_before_anything_is_reserved(
    proxy_comfy: ComfyClient, owner: Any, action: str, body: dict[str, Any]
) -> None:
    before = available_micros(owner)
    reply = proxy_comfy.post_json(f"{BASE}/{action}", body)
    assert 400 <= reply.status_code < 500, reply.content[:300]
    assert available_micros(owner) == before
