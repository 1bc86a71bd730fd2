"""Ideogram P-Image (nodes_ideogram.py `IdeogramPImage`), replayed through /proxy in sandbox mode.

The node POSTs JSON `{prompt, quality, resolution, aspect_ratio: "16x9", prompt_upsampling, seed}` to
`text-to-image/p-image-ideogram` (sync) and reads `data[].url` and `data[0].prompt` (its `final_prompt`).
Charged the badge's price by quality tier and size class.
"""

from __future__ import annotations

import struct
from typing import Any

import pytest

from nodes.models import UsageStatus
from tests.nodes.proxy_support import ComfyClient, available_micros
from tests.nodes.vendors.replay import assert_charged, assert_png, download, last_usage

PATH = "/proxy/ideogram/text-to-image/p-image-ideogram"
PRICES = [
    ("VERY_LOW", "1K", 4_290),
    ("VERY_LOW", "2K", 8_580),
    ("LOW", "1K", 10_725),
    ("LOW", "2K", 21_450),
    ("MEDIUM", "1K", 14_300),
    ("MEDIUM", "2K", 28_600),
    ("HIGH", "1K", 21_450),
    ("HIGH", "2K", 42_900),
]
LONG_SIDE = {"1K": 1024, "2K": 2048}


def _body(quality: str = "MEDIUM", resolution: str = "1K", **extra: Any) -> dict[str, Any]:
    """What `IdeogramPImage.execute` sends (`IdeogramPImageRequest`), aspect ratio mapped to "16x9"."""
    return {
        "prompt": "a poster that says HELLO",
        "quality": quality,
        "resolution": resolution,
        "aspect_ratio": "16x9",
        "prompt_upsampling": "AUTO",
        "seed": 42,
        **extra,
    }


def _png_size(data: bytes) -> tuple[int, int]:
    width, height = struct.unpack(">II", data[16:24])  # IHDR, right after the signature
    return int(width), int(height)


@pytest.mark.django_db
@pytest.mark.parametrize(("quality", "resolution", "charge"), PRICES)
def test_the_node_gets_its_image_at_the_badge_price(
    proxy_comfy: ComfyClient, owner: Any, quality: str, resolution: str, charge: int
) -> None:
    before = available_micros(owner)
    reply = proxy_comfy.post_json(PATH, _body(quality, resolution))
    assert reply.status_code == 200, reply.content[:300]
    data = reply.json()["data"]
    assert len(data) == 1
    assert data[0]["prompt"].startswith("a poster that says HELLO")  # the node's final_prompt
    image = download(proxy_comfy, data[0]["url"])
    assert_png(image)
    width, height = _png_size(image)
    assert max(width, height) == LONG_SIDE[resolution]
    assert width * 9 == height * 16
    usage = assert_charged(owner, before, charge, status=UsageStatus.SUCCEEDED)
    assert usage.model == "P-Image"


@pytest.mark.django_db
def test_prompt_upsampling_off_returns_the_prompt_verbatim(proxy_comfy: ComfyClient, owner: Any) -> None:
    reply = proxy_comfy.post_json(PATH, _body(prompt_upsampling="OFF"))
    assert reply.status_code == 200, reply.content[:300]
    assert reply.json()["data"][0]["prompt"] == "a poster that says HELLO"


@pytest.mark.django_db
@pytest.mark.parametrize("marker", ["[fail]", "[moderated]", "[http500]"])
def test_a_refused_generation_charges_nothing(proxy_comfy: ComfyClient, owner: Any, marker: str) -> None:
    before = available_micros(owner)
    reply = proxy_comfy.post_json(PATH, _body(prompt=f"{marker} a poster"))
    if marker == "[moderated]":
        # Ideogram answers 200 with `is_image_safe: false` and no URL; the node raises its safety error.
        assert reply.status_code == 200
        assert reply.json()["data"][0]["is_image_safe"] is False
        assert "url" not in reply.json()["data"][0]
    else:
        assert reply.status_code >= 400
    assert available_micros(owner) == before
    assert last_usage(owner).charged_micros == 0


@pytest.mark.django_db
@pytest.mark.parametrize(
    "body",
    [
        _body(quality="ULTRA"),
        _body(resolution="4K"),
        _body(prompt_upsampling="MAYBE"),
        _body(prompt=""),
        _body(seed=-1),
    ],
)
def test_bad_input_is_refused_before_anything_is_reserved(
    proxy_comfy: ComfyClient, owner: Any, body: dict[str, Any]
) -> None:
    before = available_micros(owner)
    reply = proxy_comfy.post_json(PATH, body)
    assert 400 <= reply.status_code < 500, reply.content[:300]
    assert available_micros(owner) == before
