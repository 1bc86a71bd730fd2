"""Replaying a ComfyUI node's calls through /proxy in sandbox mode: submit, poll, charge, decode outputs."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from nodes.models import UsageRecord, UsageStatus
from tests.nodes.proxy_support import ComfyClient, available_micros

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
# A sync call's sandbox markers → the usage status it ends in, charged nothing (pytest parameters).
SYNC_MARKERS = [
    ("[fail]", UsageStatus.REJECTED),
    ("[moderated]", UsageStatus.MODERATED),
    ("[http500]", UsageStatus.UPSTREAM_ERROR),
]
WAV_MAGIC = b"RIFF"


def download(comfy: ComfyClient, url: str) -> bytes:
    reply = comfy.get_absolute(url)
    assert reply.status_code == 200, url
    return b"".join(reply.streaming_content) if reply.streaming else bytes(reply.content)


def assert_png(data: bytes) -> None:
    assert data.startswith(PNG_MAGIC), data[:16]


def assert_mp4(data: bytes) -> None:
    assert data[4:8] == b"ftyp", data[:16]


def assert_wav(data: bytes) -> None:
    assert data.startswith(WAV_MAGIC), data[:16]
    assert data[8:12] == b"WAVE", data[:16]


def poll_until(
    comfy: ComfyClient, path: str, status: Callable[[Any], str], terminal: set[str], rounds: int = 20
) -> Any:
    """GET `path` as the node's poll_op does, until `status(reply)` is one of `terminal`."""
    for _ in range(rounds):
        reply = comfy.get(path)
        assert reply.status_code == 200, reply.content[:300]
        if status(reply.json()) in terminal:
            return reply
    raise AssertionError("the job never reached a terminal status")


def last_usage(owner: Any) -> UsageRecord:
    return UsageRecord.objects.filter(user=owner).latest("created_at")


def assert_charged(owner: Any, before: int, charge: int, *, status: UsageStatus) -> UsageRecord:
    usage = last_usage(owner)
    assert usage.status == status, (usage.status, usage.message)
    assert usage.charged_micros == charge
    assert before - available_micros(owner) == charge
    return usage
