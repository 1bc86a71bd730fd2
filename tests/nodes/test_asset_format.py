"""`Comfy-Asset-Format: url`: a binary reply (LTX's MP4, ElevenLabs' audio) answered as `{"url": …}` that
downloads the very same bytes, with nothing else about the call changed; JSON replies and clients that do
not ask keep getting what they got."""

from __future__ import annotations

from typing import Any

import pytest

from nodes.models import UsageStatus
from tests.nodes.conftest import fund_user
from tests.nodes.proxy_support import ComfyClient, available_micros
from tests.nodes.vendors.replay import assert_charged, assert_mp4, download
from tests.nodes.vendors.test_ltx import BASE, node_body

URL_FORMAT = {"Comfy-Asset-Format": "url"}


def _video(comfy: ComfyClient) -> Any:
    body = node_body("A majestic eagle soaring", "ltx-2-fast", duration=6, resolution="1920x1080", fps=25)
    return comfy.post_json(f"{BASE}/text-to-video", body)


@pytest.mark.django_db
def test_a_binary_reply_comes_as_a_url_to_the_same_bytes_when_asked(
    proxy_comfy: ComfyClient, owner: Any
) -> None:
    fund_user(owner, 10_000_000)
    plain = _video(proxy_comfy)
    assert plain.status_code == 200, plain.content[:300]
    assert plain["Content-Type"] == "video/mp4"
    before_charge = available_micros(owner)
    proxy_comfy.headers.update(URL_FORMAT)
    linked = _video(proxy_comfy)
    assert linked.status_code == 200, linked.content[:300]
    assert linked["Content-Type"] == "application/json"
    assert linked["X-Comfy-Credits-Used"] == plain["X-Comfy-Credits-Used"]
    url = linked.json()["url"]
    assert set(linked.json()) == {"url"}
    data = download(proxy_comfy, url)
    assert data == bytes(plain.content)  # the sandbox video is deterministic for one request
    assert_mp4(data)
    charge = before_charge - available_micros(owner)
    assert_charged(owner, before_charge, charge, status=UsageStatus.SUCCEEDED)
    assert charge > 0


@pytest.mark.django_db
def test_a_json_reply_and_a_refusal_stay_as_they_are(proxy_comfy: ComfyClient, owner: Any) -> None:
    fund_user(owner, 10_000_000)
    proxy_comfy.headers.update(URL_FORMAT)
    reply = proxy_comfy.post_json("/proxy/bfl/flux-pro-1.1-ultra/generate", {"prompt": "p"})
    assert reply.status_code == 200, reply.content[:300]
    assert reply["Content-Type"].startswith("application/json")
    assert "url" not in reply.json()
    refused = proxy_comfy.post_json(f"{BASE}/text-to-video", {"prompt": "p", "model": "no-such-model"})
    assert refused.status_code == 422, refused.content[:300]
    assert "error" in refused.json()
