"""ElevenLabs v1: speech, dialogue, sound effects, voice changing and isolation answer with the audio file
itself (MP3, or Ogg Opus for `output_format=opus_…`); speech-to-text and voices/add answer JSON."""

from __future__ import annotations

import re
from typing import Any

from nodes.sandbox.audio import mp3_bytes, ogg_opus_bytes
from nodes.sandbox.jobs import Outcome, markers_in, prompt_seed
from nodes.sandbox.vendors.base import Call, Reply, Route, Vendor

NAME = "elevenlabs"
CHARACTERS_PER_SECOND = 15  # about how fast the voices speak
LONGEST = 30  # seconds: the sandbox keeps its files small
CHANGED_SECONDS = 3  # a voice change or isolation: the sandbox cannot read the clip's length
MP3_FORMAT = re.compile(r"mp3_(44100|48000|32000)_(\d{2,3})")
MP3_BITRATES = {32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320}


def error(status: int, code: str, message: str) -> dict[str, Any]:
    return {"detail": {"status": code, "message": message}}


def _refused(status: int, code: str, message: str) -> Reply:
    return Reply(status=status, body=error(status, code, message))


def _audio(call: Call, seconds: float) -> Reply:
    """The file in the asked `output_format`: Opus for `opus_*`, else MP3 at the asked rates (192k/44.1k)."""
    wanted = call.query.get("output_format", "") or "mp3_44100_128"
    if wanted.startswith("opus_"):
        return Reply(content=ogg_opus_bytes(seconds=seconds), content_type="audio/ogg")
    match = MP3_FORMAT.fullmatch(wanted)
    rate, bitrate = (int(match[1]), int(match[2])) if match else (44100, 128)
    if bitrate not in MP3_BITRATES:
        return _refused(422, "invalid_output_format", f"Unsupported output_format {wanted!r}.")
    return Reply(
        content=mp3_bytes(seconds=seconds, bitrate_kbps=bitrate, sample_rate=rate), content_type="audio/mpeg"
    )


def _spoken(call: Call, texts: list[str]) -> Reply:
    joined = " ".join(texts)
    markers = markers_in(joined)
    if markers.http500:
        return _refused(500, "internal_error", "Internal server error (sandbox [http500]).")
    if markers.outcome is Outcome.FAILED:
        return _refused(400, "generation_failed", "The generation failed (sandbox [fail]).")
    if markers.outcome is Outcome.MODERATED:
        return _refused(400, "content_against_policy", "The text was refused (sandbox [moderated]).")
    if not all(texts):
        return _refused(400, "invalid_request", "text is required.")
    return _audio(call, min(LONGEST, max(1.0, len(joined) / CHARACTERS_PER_SECOND)))


def speech(call: Call) -> Reply:
    return _spoken(call, [call.request.text("text")])


def dialogue(call: Call) -> Reply:
    entries = call.request.body.get("inputs")
    if not isinstance(entries, list) or not entries:
        return _refused(400, "invalid_request", "inputs is required.")
    return _spoken(
        call, [str(entry.get("text") or "") if isinstance(entry, dict) else "" for entry in entries]
    )


def sound(call: Call) -> Reply:
    if not call.request.text("text"):
        return _refused(400, "invalid_request", "text is required.")
    value = call.request.body.get("duration_seconds")
    length = float(value) if isinstance(value, int | float) and not isinstance(value, bool) else 5.0
    return _audio(call, min(LONGEST, max(0.5, length)))


def changed(call: Call) -> Reply:
    """Speech-to-speech and audio isolation: a multipart `audio` file in, audio out."""
    if "audio" not in call.request.file_fields:
        return _refused(400, "invalid_request", "The audio file is required.")
    return _audio(call, CHANGED_SECONDS)


def transcribe(call: Call) -> Reply:
    url = call.request.text("cloud_storage_url")
    if not url and "file" not in call.request.file_fields:
        return _refused(400, "invalid_request", "Provide a file or a cloud_storage_url.")
    markers = markers_in(url)
    if markers.outcome is not Outcome.SUCCEEDED:
        return _refused(400, "transcription_failed", "The transcription failed (sandbox marker).")
    spoken = ["this", "is", "the", "sandbox", "transcript"]
    granularity = call.request.text("timestamps_granularity") or "word"
    diarize = call.request.text("diarize").lower() == "true"
    words: list[dict[str, Any]] = []
    for index, word in enumerate(spoken):
        item: dict[str, Any] = {"text": word, "type": "word", "logprob": -0.05}
        if granularity != "none":
            item |= {"start": round(index * 0.4, 2), "end": round(index * 0.4 + 0.35, 2)}
        if diarize:
            item["speaker_id"] = "speaker_0"
        words.append(item)
    return Reply(
        body={
            "language_code": call.request.text("language_code") or "eng",
            "language_probability": 0.98,
            "text": "This is the sandbox transcript.",
            "words": words,
            "transcription_id": f"sandbox-{prompt_seed(url)}",
        }
    )


def add_voice(call: Call) -> Reply:
    if "files" not in call.request.file_fields:
        return _refused(400, "invalid_request", "At least one sample file is required.")
    if not call.request.text("name"):
        return _refused(400, "invalid_request", "name is required.")
    return Reply(
        body={"voice_id": f"sbx{prompt_seed(call.request.text('name')):010d}", "requires_verification": False}
    )


VOICE = r"(?P<voice>[A-Za-z0-9_\-]{1,64})"
VENDOR = Vendor(
    name=NAME,
    key_header="xi-api-key",
    key_prefix="",
    error=error,
    routes=(
        Route("POST", rf"v1/text-to-speech/{VOICE}", "sync", speech, media="audio"),
        Route("POST", r"v1/text-to-dialogue", "sync", dialogue, media="audio"),
        Route("POST", r"v1/sound-generation", "sync", sound, media="audio"),
        Route("POST", rf"v1/speech-to-speech/{VOICE}", "sync", changed, media="audio"),
        Route("POST", r"v1/audio-isolation", "sync", changed, media="audio"),
        Route("POST", r"v1/speech-to-text", "sync", transcribe, media="audio"),
        Route("POST", r"v1/voices/add", "sync", add_voice, media="audio"),
    ),
)
