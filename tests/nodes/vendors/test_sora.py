"""OpenAI Sora 2 (nodes_sora.py OpenAIVideoSora2), replayed through /proxy in sandbox mode.

The node POSTs `/proxy/openai/v1/videos` as multipart (`model`, `prompt`, `seconds` "4" / "8" / "12", `size`,
and an optional `input_reference` PNG), polls GET `/proxy/openai/v1/videos/{id}` (`queued` → `in_progress` →
`completed` | `failed`), then downloads the MP4's bytes at `/proxy/openai/v1/videos/{id}/content`. Priced
per second by model and size, as the node's badge says.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from nodes.models import UsageStatus
from nodes.sandbox.media import png_bytes
from tests.nodes.conftest import fund_user
from tests.nodes.proxy_support import ComfyClient, available_micros
from tests.nodes.vendors.replay import assert_charged, assert_mp4, poll_until

PATH = "/proxy/openai/v1/videos"
TERMINAL = {"completed", "failed"}


@pytest.fixture
def comfy(proxy_comfy: ComfyClient, owner: Any) -> ComfyClient:
    fund_user(owner, 50_000_000)
    return proxy_comfy


def _status(data: Any) -> str:
    return str(data.get("status"))


@dataclass(frozen=True)
class Case:
    model: str
    size: str
    seconds: int
    image: bool
    charge: int


CASES = [
    Case("sora-2", "1280x720", 8, False, 8 * 100_000),
    Case("sora-2", "720x1280", 4, True, 4 * 100_000),
    Case("sora-2-pro", "1280x720", 12, False, 12 * 300_000),
    Case("sora-2-pro", "1792x1024", 8, True, 8 * 500_000),
    Case("sora-2-pro", "1024x1792", 4, False, 4 * 500_000),
]


def node_fields(case: Case, prompt: str = "waves at dusk") -> dict[str, Any]:
    fields: dict[str, Any] = {
        "model": case.model,
        "prompt": prompt,
        "seconds": str(case.seconds),
        "size": case.size,
    }
    if case.image:
        image = png_bytes(seed=1, width=64, height=64)
        fields["input_reference"] = SimpleUploadedFile("image.png", image, content_type="image/png")
    return fields


@pytest.mark.django_db
@pytest.mark.parametrize("case", CASES, ids=[f"{c.model}-{c.size}-{c.seconds}s" for c in CASES])
def test_sora_runs_to_its_per_second_price(comfy: ComfyClient, owner: Any, case: Case) -> None:
    before = available_micros(owner)
    reply = comfy.post_multipart(PATH, node_fields(case))
    assert reply.status_code == 200, reply.content[:300]
    created = reply.json()
    assert created["status"] in ("queued", "in_progress", "completed")
    final = poll_until(comfy, f"{PATH}/{created['id']}", _status, TERMINAL).json()
    assert final["status"] == "completed"
    usage = assert_charged(owner, before, case.charge, status=UsageStatus.SUCCEEDED)
    assert usage.quoted_micros == case.charge
    content = comfy.get(f"{PATH}/{created['id']}/content")
    assert content.status_code == 200, content.content[:300]
    assert content["Content-Type"] == "video/mp4"
    assert_mp4(bytes(content.content))


@pytest.mark.django_db
@pytest.mark.parametrize("marker", ["[fail]", "[moderated]"])
def test_a_failed_video_charges_nothing_and_has_no_content(
    comfy: ComfyClient, owner: Any, marker: str
) -> None:
    before = available_micros(owner)
    created = comfy.post_multipart(PATH, node_fields(CASES[0], f"{marker} waves")).json()
    final = poll_until(comfy, f"{PATH}/{created['id']}", _status, TERMINAL).json()
    assert final["status"] == "failed"
    assert final["error"]["code"]
    assert_charged(owner, before, 0, status=UsageStatus.FAILED)
    assert comfy.get(f"{PATH}/{created['id']}/content").status_code == 404


@pytest.mark.django_db
def test_a_vendor_error_charges_nothing(comfy: ComfyClient, owner: Any) -> None:
    before = available_micros(owner)
    reply = comfy.post_multipart(PATH, node_fields(CASES[0], "[http500] waves"))
    assert reply.status_code >= 500
    assert_charged(owner, before, 0, status=UsageStatus.UPSTREAM_ERROR)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "fields",
    [
        {"model": "sora-2", "size": "1792x1024", "seconds": "8"},  # the node refuses this too
        {"model": "sora-3", "size": "1280x720", "seconds": "8"},
        {"model": "sora-2", "size": "1280x720", "seconds": "10"},
        {"model": "sora-2-pro", "size": "1920x1080", "seconds": "4"},
    ],
)
def test_what_cannot_be_priced_is_refused_before_anything_is_reserved(
    comfy: ComfyClient, owner: Any, fields: dict[str, str]
) -> None:
    before = available_micros(owner)
    reply = comfy.post_multipart(PATH, {**fields, "prompt": "waves"})
    assert reply.status_code in (400, 422), reply.content[:300]
    assert available_micros(owner) == before


@pytest.mark.django_db
def test_another_callers_video_is_not_found(comfy: ComfyClient) -> None:
    assert comfy.get(f"{PATH}/video_not_one_of_yours").status_code == 404
    assert comfy.get(f"{PATH}/video_not_one_of_yours/content").status_code == 404
