"""Sonilo (nodes_sonilo.py), replayed through /proxy in sandbox mode.

Both nodes POST an urlencoded form (aiohttp's FormData without files) and read the NDJSON reply line by
line: `duration` / `title(s)` events, base64 `audio_chunk`s per `stream_index` (the node keeps stream 0),
then `complete`; an `error` event fails the node after a 200. Text to music is charged its `duration` at
$0.0025/s; video to music is held at 360 s and charged the seconds of Sonilo's `duration` event at $0.009.
"""

from __future__ import annotations

import base64
import json
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest

from nodes.engine import replies
from nodes.models import UsageStatus
from nodes.sandbox import audio
from tests.nodes.proxy_support import ComfyClient, available_micros
from tests.nodes.vendors.replay import assert_charged, last_usage

BASE = "/proxy/sonilo"
VIDEO_URL = "https://example.com/storage/clip.mp4"


def _events(content: bytes) -> list[dict[str, Any]]:
    return [json.loads(line) for line in content.decode().splitlines() if line.strip()]


def _first_stream(events: list[dict[str, Any]]) -> bytes:
    """What the node keeps: stream 0's chunks, joined."""
    chunks = [e["data"] for e in events if e["type"] == "audio_chunk" and e.get("stream_index", 0) == 0]
    return b"".join(base64.b64decode(chunk) for chunk in chunks)


@pytest.mark.django_db
@pytest.mark.parametrize("duration", [1, 30, 360])
def test_text_to_music_is_charged_its_duration(proxy_comfy: ComfyClient, owner: Any, duration: int) -> None:
    before = available_micros(owner)
    reply = proxy_comfy.post_form(
        f"{BASE}/t2m/generate", urlencode({"prompt": "calm piano", "duration": duration})
    )
    assert reply.status_code == 200, reply.content[:300]
    events = _events(bytes(reply.content))
    assert events[-1] == {"type": "complete"}
    assert any(e["type"] == "title" for e in events)
    music = _first_stream(events)
    assert audio.parse_frames(music)  # a chain of valid MPEG-1 Layer III frames
    assert abs(audio.duration_seconds(music) - min(duration, 30)) < 0.05
    usage = assert_charged(owner, before, duration * 2_500, status=UsageStatus.SUCCEEDED)
    assert usage.model == "sonilo-t2m"


@pytest.mark.django_db
@pytest.mark.parametrize("prompt", [None, "epic drums"])
def test_video_to_music_is_charged_the_reported_video_length(
    proxy_comfy: ComfyClient, owner: Any, prompt: str | None
) -> None:
    before = available_micros(owner)
    form = {"video_url": VIDEO_URL, **({"prompt": prompt} if prompt else {})}
    reply = proxy_comfy.post_form(f"{BASE}/v2m/generate", urlencode(form))
    assert reply.status_code == 200, reply.content[:300]
    events = _events(bytes(reply.content))
    length = next(e["duration_sec"] for e in events if e["type"] == "duration")
    assert {e["stream_index"] for e in events if e["type"] == "audio_chunk"} == {0, 1}
    assert abs(audio.duration_seconds(_first_stream(events)) - length) < 0.05
    usage = assert_charged(owner, before, 5 * 9_000, status=UsageStatus.SUCCEEDED)
    assert usage.quoted_micros == 360 * 9_000


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("path", "form"),
    [
        ("t2m/generate", {"prompt": "[moderated] song", "duration": 10}),
        ("t2m/generate", {"prompt": "[fail] song", "duration": 10}),
        ("t2m/generate", {"prompt": "[http500] song", "duration": 10}),
        ("v2m/generate", {"video_url": VIDEO_URL, "prompt": "[moderated] score"}),
        ("v2m/generate", {"video_url": f"{VIDEO_URL}?[fail]"}),
    ],
)
def test_a_failed_generation_charges_nothing(
    proxy_comfy: ComfyClient, owner: Any, path: str, form: dict[str, Any]
) -> None:
    before = available_micros(owner)
    reply = proxy_comfy.post_form(f"{BASE}/{path}", urlencode(form))
    if reply.status_code == 200:  # Sonilo's in-stream error: the node raises on the `error` event
        assert _events(bytes(reply.content))[-1]["type"] == "error"
    assert available_micros(owner) == before
    assert last_usage(owner).charged_micros == 0


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("path", "form"),
    [
        ("t2m/generate", {"prompt": "song", "duration": 361}),
        ("t2m/generate", {"prompt": "song", "duration": 0}),
        ("t2m/generate", {"prompt": "x" * 1_001, "duration": 10}),
        ("t2m/generate", {"duration": 10}),
        ("v2m/generate", {"prompt": "no video"}),
    ],
)
def test_bad_input_is_refused_before_anything_is_reserved(
    proxy_comfy: ComfyClient, owner: Any, path: str, form: dict[str, Any]
) -> None:
    before = available_micros(owner)
    reply = proxy_comfy.post_form(f"{BASE}/{path}", urlencode(form))
    assert 400 <= reply.status_code < 500, reply.content[:300]
    assert available_micros(owner) == before


def test_the_engine_reads_an_ndjson_reply_as_its_events() -> None:
    """The one engine change for Sonilo: NDJSON replies reach `Route.status` / `Route.cost` as a list."""
    ndjson = {"content-type": "application/x-ndjson"}
    lines = b'{"type": "duration", "duration_sec": 4.2}\n\n{"type": "complete"}\n'
    assert replies.json_or_none(httpx.Response(200, headers=ndjson, content=lines)) == [
        {"type": "duration", "duration_sec": 4.2},
        {"type": "complete"},
    ]
    assert replies.json_or_none(httpx.Response(200, headers=ndjson, content=b'{"a": 1}\n{"b"\n')) is None
    assert replies.json_or_none(httpx.Response(200, headers=ndjson, content=b'{"a": 1}\n[2]\n')) is None
    assert replies.json_or_none(httpx.Response(200, content=b'{"a": 1}')) == {"a": 1}
    assert replies.json_or_none(httpx.Response(200, content=b'{"a": 1')) is None
