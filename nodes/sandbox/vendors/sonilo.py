"""Sonilo t2m / v2m generate: a form POST answered 200 with an NDJSON event stream carrying the audio."""

from __future__ import annotations

import base64
import json
from typing import Any

from nodes.sandbox.audio import mp3_bytes
from nodes.sandbox.jobs import Outcome, markers_in
from nodes.sandbox.vendors.base import Call, Reply, Route, Vendor

NAME = "sonilo"
LONGEST = 30  # seconds of audio the sandbox makes at most (its files stay small)
VIDEO_SECONDS = 5.0  # the sandbox cannot watch the video: it reports the sandbox's own 5 s clips
CHUNK = 16 * 1024  # audio bytes per `audio_chunk` event
BITRATE = 128


def error(status: int, code: str, message: str) -> dict[str, Any]:
    return {"detail": {"code": code.upper(), "message": message}}


def _stream(events: list[dict[str, Any]]) -> Reply:
    body = "".join(json.dumps(event) + "\n" for event in events).encode()
    return Reply(content=body, content_type="application/x-ndjson")


def _chunks(audio: bytes, stream_index: int) -> list[dict[str, Any]]:
    return [
        {
            "type": "audio_chunk",
            "stream_index": stream_index,
            "data": base64.b64encode(audio[i : i + CHUNK]).decode(),
        }
        for i in range(0, len(audio), CHUNK)
    ]


def _refusal(call: Call, source: str) -> Reply | None:
    """A `[moderated]` marker: Sonilo's in-stream `error` event after a 200 (the HTTP call succeeded)."""
    markers = markers_in(source)
    if markers.outcome is Outcome.MODERATED:
        return _stream(
            [{"type": "error", "code": "CONTENT_MODERATED", "message": "Refused (sandbox [moderated])."}]
        )
    if markers.outcome is Outcome.FAILED:
        return _stream(
            [{"type": "error", "code": "GENERATION_FAILED", "message": "Failed (sandbox [fail])."}]
        )
    return None


def text_to_music(call: Call) -> Reply:
    prompt = call.request.text("prompt")
    if not prompt.strip():
        return Reply(status=422, body=error(422, "invalid_request", "prompt is required."))
    if refused := _refusal(call, prompt):
        return refused
    seconds = min(LONGEST, max(1, call.request.number("duration") or 30))
    audio = mp3_bytes(seconds=seconds, bitrate_kbps=BITRATE)
    return _stream([{"type": "title", "title": "Sandbox Song"}, *_chunks(audio, 0), {"type": "complete"}])


def video_to_music(call: Call) -> Reply:
    video_url = call.request.text("video_url")
    if not video_url:
        return Reply(status=422, body=error(422, "invalid_request", "video_url is required."))
    if refused := _refusal(call, f"{video_url} {call.request.text('prompt')}"):
        return refused
    audio = mp3_bytes(seconds=VIDEO_SECONDS, bitrate_kbps=BITRATE)
    return _stream(
        [
            {"type": "duration", "duration_sec": VIDEO_SECONDS},
            {"type": "titles", "titles": ["Sandbox Score", "Sandbox Score (alt)"]},
            *_chunks(audio, 0),
            *_chunks(audio, 1),
            {"type": "complete"},
        ]
    )


VENDOR = Vendor(
    name=NAME,
    key_header="Authorization",
    key_prefix="Bearer ",
    error=error,
    routes=(
        Route("POST", r"t2m/generate", "sync", text_to_music, media="audio"),
        Route("POST", r"v2m/generate", "sync", video_to_music, media="audio"),
    ),
)
