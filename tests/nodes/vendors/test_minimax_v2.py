"""MiniMax H3 (nodes_minimax.py MinimaxHailuo03*Node, API v2), replayed through /proxy in sandbox mode.

Every node POSTs `v2/video_generation` (model MiniMax-H3, a `content` list: the text, then frames or
references) → `task_id`, then polls GET `v2/query/video_generation/{task_id}` until `task.status` is
succeeded (failed, cancelled, expired end it too) → `task.content.url`, an MP4. Held at the badge: duration x
$0.1287/s at 768P or $0.1859/s at 2K, plus 15 s at that rate when reference videos are sent and $0.0572 per
reference image beyond the fifth; settled on the seconds MiniMax reports billed (`task.usage.total_seconds`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from nodes.models import UsageStatus
from nodes.vendors.minimax import h3_status
from tests.nodes.proxy_support import ComfyClient, available_micros
from tests.nodes.vendors.replay import assert_charged, assert_mp4, download, last_usage, poll_until

SUBMIT = "/proxy/minimax/v2/video_generation"
QUERY = "/proxy/minimax/v2/query/video_generation"
DONE = {"succeeded", "failed", "cancelled", "expired"}
URL = "https://example.com/storage/upload"
VIDEO_SECONDS = 4  # what the sandbox bills per reference video (nodes/sandbox/vendors/minimax.py)


def _text(prompt: str = "a fox in the snow") -> dict[str, Any]:
    return {"type": "text", "text": prompt}


def _image(role: str, n: int = 0) -> dict[str, Any]:
    return {"type": "image_url", "image_url": {"url": f"{URL}{n}.png"}, "role": role}


VIDEO = {"type": "video_url", "video_url": {"url": URL + ".mp4"}, "role": "reference_video"}
AUDIO = {"type": "audio_url", "audio_url": {"url": URL + ".mp3"}, "role": "reference_audio"}


def _body(content: list[dict[str, Any]], resolution: str, duration: int, ratio: str | None) -> dict[str, Any]:
    """_hailuo03_run_task's request as sent (ComfyUI drops None fields: no `ratio` for first/last frame)."""
    body = {
        "model": "MiniMax-H3",
        "content": content,
        "resolution": resolution,
        "duration": duration,
        "seed": 42,
        "aigc_watermark": False,
    }
    return body if ratio is None else {**body, "ratio": ratio}


@dataclass(frozen=True)
class Case:
    id: str
    body: dict[str, Any]
    quote: int  # micro-USD
    charge: int  # micro-USD: the billed seconds the sandbox reports


CASES = [
    Case("MinimaxHailuo03TextToVideoNode", _body([_text()], "768P", 5, "16:9"), 5 * 128_700, 5 * 128_700),
    Case(
        "MinimaxHailuo03TextToVideoNode-2K-15s",
        _body([_text()], "2K", 15, "21:9"),
        15 * 185_900,
        15 * 185_900,
    ),
    Case(
        "MinimaxHailuo03FirstLastFrameNode",
        _body([_text(), _image("first_frame"), _image("last_frame", 1)], "2K", 10, None),
        10 * 185_900,
        10 * 185_900,
    ),
    Case(
        "MinimaxHailuo03ReferenceNode-images",
        _body([_text(), *(_image("reference_image", n) for n in range(7))], "768P", 6, "adaptive"),
        6 * 128_700 + 2 * 57_200,
        6 * 128_700 + 2 * 57_200,  # two line items: no single row to settle in, so the quote
    ),
    Case(
        "MinimaxHailuo03ReferenceNode-videos",
        _body([_text(), _image("reference_image"), VIDEO, VIDEO, AUDIO], "768P", 5, "16:9"),
        (5 + 15) * 128_700,
        (5 + 2 * VIDEO_SECONDS) * 128_700,
    ),
]


def _status(reply: Any) -> str:
    return str(reply["task"]["status"])


@pytest.mark.django_db
@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_each_node_gets_its_video_at_its_price(proxy_comfy: ComfyClient, owner: Any, case: Case) -> None:
    before = available_micros(owner)
    reply = proxy_comfy.post_json(SUBMIT, case.body)
    assert reply.status_code == 200, reply.content[:300]
    assert last_usage(owner).quoted_micros == case.quote
    final = poll_until(proxy_comfy, f"{QUERY}/{reply.json()['task_id']}", _status, DONE).json()
    assert final["task"]["status"] == "succeeded"
    assert_charged(owner, before, case.charge, status=UsageStatus.SUCCEEDED)
    assert_mp4(download(proxy_comfy, final["task"]["content"]["url"]))


@pytest.mark.django_db
@pytest.mark.parametrize("marker", ["[fail]", "[moderated]"])
def test_a_failed_task_charges_nothing(proxy_comfy: ComfyClient, owner: Any, marker: str) -> None:
    before = available_micros(owner)
    body = _body([_text(f"{marker} a fox")], "768P", 5, "16:9")
    task_id = proxy_comfy.post_json(SUBMIT, body).json()["task_id"]
    final = poll_until(proxy_comfy, f"{QUERY}/{task_id}", _status, DONE).json()
    assert final["task"]["status"] == "failed"
    assert_charged(owner, before, 0, status=UsageStatus.FAILED)


@pytest.mark.django_db
def test_a_vendor_500_at_submit_charges_nothing(proxy_comfy: ComfyClient, owner: Any) -> None:
    before = available_micros(owner)
    reply = proxy_comfy.post_json(SUBMIT, _body([_text("[http500] a fox")], "768P", 5, "16:9"))
    assert reply.status_code >= 500
    assert available_micros(owner) == before


@pytest.mark.django_db
def test_someone_elses_task_is_not_found(proxy_comfy: ComfyClient) -> None:
    assert proxy_comfy.get(f"{QUERY}/not-a-task-of-mine").status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize(
    "body",
    [
        _body([_text()], "768P", 4, "16:9"),
        _body([_text()], "768P", 16, "16:9"),
        _body([_text()], "1080P", 5, "16:9"),
        {**_body([_text()], "768P", 5, "16:9"), "model": "MiniMax-H3-Max"},
        _body([], "768P", 5, "16:9"),
        _body([_image("first_frame")], "768P", 5, None),
        _body([_text(), *(_image("reference_image", n) for n in range(10))], "768P", 5, None),
        _body([_text(), VIDEO, VIDEO, VIDEO, VIDEO], "768P", 5, None),
        _body([_text(), {"type": "pdf_url"}], "768P", 5, None),
        {key: value for key, value in _body([_text()], "768P", 5, None).items() if key != "duration"},
    ],
    ids=["4s", "16s", "1080P", "max", "empty", "no-text", "10-images", "4-videos", "pdf", "no-duration"],
)
def test_bad_input_is_refused_before_anything_is_reserved(
    proxy_comfy: ComfyClient, owner: Any, body: dict[str, Any]
) -> None:
    before = available_micros(owner)
    reply = proxy_comfy.post_json(SUBMIT, body)
    assert 400 <= reply.status_code < 500, reply.content[:300]
    assert available_micros(owner) == before


@pytest.mark.parametrize(
    ("word", "outcome"),
    [
        ("succeeded", "success"),
        ("Success", "success"),
        ("failed", "failure"),
        ("CANCELLED", "failure"),
        ("expired", "failure"),
        ("queued", "pending"),
        ("running", "pending"),
        (None, "pending"),
    ],
)
def test_the_poll_ends_on_the_words_the_node_ends_on(word: str | None, outcome: str) -> None:
    assert h3_status({"task": {"id": "t", "status": word}}, 200) == outcome
