"""HitPaw through /proxy in sandbox mode: submit → POST task-status, settled on `consume_coins`."""

from __future__ import annotations

from typing import Any

import pytest

from nodes.models import UsageRecord
from tests.nodes.proxy_support import ComfyClient, available_micros

CASES = [
    (
        "image",
        "/proxy/hitpaw/api/photo-enhancer",
        {"model_name": "generative_4x", "img_url": "https://x/a.png", "extension": ".png", "exif": False},
        150_000,
        b"\x89PNG",
    ),
    (
        "video",
        "/proxy/hitpaw/api/video-enhancer",
        {
            "model_name": "generative_1x",
            "video_url": "https://x/a.mp4",
            "extension": ".mp4",
            "resolution": [1920, 1080],
            "original_resolution": [1280, 720],
        },
        150_000 * 3600,
        b"ftyp",
    ),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("kind", "path", "body", "quote", "magic"), CASES, ids=[c[0] for c in CASES])
@pytest.mark.parametrize("fail", [False, True], ids=["ok", "fail"])
def test_it_settles_on_reported_coins(  # noqa: PLR0917 - pytest parameters
    proxy_comfy: ComfyClient,
    owner: Any,
    kind: str,
    path: str,
    body: dict[str, Any],
    quote: int,
    magic: bytes,
    fail: bool,
) -> None:
    from tests.nodes.conftest import fund_user

    fund_user(owner, quote)
    if fail:
        body = {**body, "img_url" if kind == "image" else "video_url": "https://x/[fail].bin"}
    before = available_micros(owner)
    reply = proxy_comfy.post_json(path, body)
    assert reply.status_code == 200, reply.content[:300]
    assert UsageRecord.objects.get(user=owner).quoted_micros == quote
    data = reply.json()["data"]
    poll = proxy_comfy.post_json("/proxy/hitpaw/api/task-status", {"job_id": data["job_id"]})
    assert poll.status_code == 200, poll.content[:300]
    status = poll.json()["data"]
    charge = 0 if fail else data["consume_coins"] * 1000
    assert status["status"] == ("FAILED" if fail else "COMPLETED")
    assert before - available_micros(owner) == charge
    if not fail:
        download = proxy_comfy.get_absolute(status["res_url"])
        content = b"".join(download.streaming_content) if download.streaming else download.content
        assert magic in content[:16]
