"""QuiverAI (nodes_quiver.py), replayed through /proxy in sandbox mode.

Both nodes are sync: POST `v1/svgs/generations` (`model`, `prompt`, `instructions`, `references[≤4]`,
sampling) or `v1/svgs/vectorizations` (`model`, `image{url}`, `auto_crop`, `target_size`, sampling) →
`{id, created, data: [{svg, mime_type}], usage}`. Flat per SVG by Arrow model.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Any

import pytest

from nodes.models import UsageStatus
from tests.nodes.proxy_support import ComfyClient, available_micros
from tests.nodes.vendors.replay import assert_charged

BASE = "/proxy/quiver/v1/svgs"
URL = "https://example.com/storage/upload.png"
SAMPLING = {"temperature": 1.0, "top_p": 1.0, "presence_penalty": 0.0}
TEXT = {"prompt": "a fox logo", "instructions": "flat colours", "references": [{"url": URL}], **SAMPLING}
IMAGE = {"image": {"url": URL}, "auto_crop": True, "target_size": 512, **SAMPLING}


def _assert_svg(markup: str) -> None:
    root = ET.fromstring(markup)  # noqa: S314 - our own sandbox's output
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert len(root) > 0


# (path under v1/svgs, body, model, charge), by the node that sends it.
CASES: dict[str, tuple[str, dict[str, Any], str, int]] = {
    "QuiverTextToSVGNode-1.1": ("generations", TEXT, "arrow-1.1", 286_000),
    "QuiverTextToSVGNode-preview": ("generations", TEXT, "arrow-preview", 429_000),
    "QuiverImageToSVGNode-max": ("vectorizations", IMAGE, "arrow-1.1-max", 357_500),
}


@pytest.mark.django_db
@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_each_node_gets_a_parseable_svg_at_its_price(
    proxy_comfy: ComfyClient, owner: Any, case: tuple[str, dict[str, Any], str, int]
) -> None:
    path, body, model, charge = case
    before = available_micros(owner)
    reply = proxy_comfy.post_json(f"{BASE}/{path}", {"model": model, **body})
    assert reply.status_code == 200, reply.content[:300]
    item = reply.json()["data"][0]
    assert item["mime_type"] == "image/svg+xml"
    _assert_svg(item["svg"])
    assert_charged(owner, before, charge, status=UsageStatus.SUCCEEDED)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("generations", {**TEXT, "model": "arrow-1.1", "prompt": "[fail] a fox"}),
        ("vectorizations", {**IMAGE, "model": "arrow-1.1", "image": {"url": URL + "?[moderated]"}}),
    ],
    ids=["text", "image"],
)
def test_a_refused_svg_charges_nothing(
    proxy_comfy: ComfyClient, owner: Any, path: str, body: dict[str, Any]
) -> None:
    before = available_micros(owner)
    reply = proxy_comfy.post_json(f"{BASE}/{path}", body)
    assert 400 <= reply.status_code < 500, reply.content[:300]
    assert available_micros(owner) == before


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("generations", {**TEXT, "model": "arrow-2"}),
        ("generations", {**TEXT, "references": [{"url": URL}] * 5}),
        ("vectorizations", {**IMAGE, "target_size": 8192}),
        ("vectorizations", {"model": "arrow-1.1"}),
    ],
)
def test_bad_input_is_refused_before_anything_is_reserved(
    proxy_comfy: ComfyClient, owner: Any, path: str, body: dict[str, Any]
) -> None:
    before = available_micros(owner)
    reply = proxy_comfy.post_json(f"{BASE}/{path}", body)
    assert 400 <= reply.status_code < 500, reply.content[:300]
    assert available_micros(owner) == before
