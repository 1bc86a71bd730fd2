"""ElevenLabs (nodes_elevenlabs.py), replayed through /proxy in sandbox mode.

Every node's call is sync. Speech (`v1/text-to-speech/{voice}`), dialogue, sound effects, voice changing
(`v1/speech-to-speech/{voice}`) and isolation answer with the audio file itself, in the node's
`?output_format=` (MP3 or Ogg Opus); speech-to-text and voices/add answer JSON. Text is charged by the
character, effects by the asked second, uploaded clips by the seconds their MP4 declares, transcriptions
by the started minute up to the last timed word, a voice clone flat. ElevenLabsVoiceSelector calls nothing.
"""

from __future__ import annotations

import io
import json
import math
import struct
from typing import Any

import pytest

from nodes.clips import mp4_seconds
from nodes.models import UsageStatus
from nodes.sandbox import audio
from nodes.sandbox.mp4 import mp4_bytes
from tests.nodes.proxy_support import ComfyClient, available_micros
from tests.nodes.vendors.replay import assert_charged, last_usage

BASE = "/proxy/elevenlabs/v1"
VOICE = "CwhRBWXzGAHq8TQ4Fs17"  # Roger, the first of the node's predefined voices
MP3 = "?output_format=mp3_44100_192"
OPUS = "?output_format=opus_48000_192"
SPEECH_TEXT = "Hello from the sandbox, this is a test of the speech node."
SETTINGS = {"stability": 0.5, "similarity_boost": 0.75, "speed": 1.0}


def _clip(seconds: int, name: str = "audio.mp4") -> io.BytesIO:
    """An MP4 like the nodes upload (they encode audio inputs as MP4/AAC): its `mvhd` gives the length."""
    clip = io.BytesIO(mp4_bytes(seed=1, seconds=seconds) if seconds <= 10 else _declared(seconds))
    clip.name = name
    return clip


def _declared(seconds: int) -> bytes:
    """A bare MP4 (`ftyp` + `moov/mvhd` v0, timescale 1000) declaring `seconds`: long clips stay tiny."""
    mvhd = bytes(4) + bytes(8) + struct.pack(">II", 1000, seconds * 1000) + bytes(80)
    moov = (
        struct.pack(">I4s", 8 + 8 + len(mvhd), b"moov") + struct.pack(">I4s", 8 + len(mvhd), b"mvhd") + mvhd
    )
    return struct.pack(">I4s4sI", 16, b"ftyp", b"isom", 512) + moov


def assert_mp3(data: bytes, *, bitrate: int = 192, rate: int = 44100) -> float:
    """Every byte is a chain of valid MPEG-1 Layer III frames at the asked rates; returns the length."""
    frames = audio.parse_frames(data)
    assert frames, data[:16]
    assert {(b, r) for b, r, _length in frames} == {(bitrate, rate)}
    assert data[0] == 0xFF
    assert data[1] & 0xE0 == 0xE0
    return audio.duration_seconds(data)


def assert_ogg_opus(data: bytes) -> None:
    pages = audio.parse_ogg_pages(data)
    assert pages[0][2][0].startswith(b"OpusHead")
    assert pages[0][0] & 0x02
    assert pages[1][2][0].startswith(b"OpusTags")
    assert pages[-1][0] & 0x04
    assert pages[-1][1] > audio.OPUS_PRE_SKIP


def test_the_silent_mp3_frames_chain_and_decode_to_their_length() -> None:
    data = audio.mp3_bytes(seconds=2)
    frames = audio.parse_frames(data)
    assert len(frames) == round(2 * 44100 / 1152)
    assert {length for _b, _r, length in frames} == {626, 627}  # 144 * 192000 / 44100 = 626.9…
    assert sum(length for _b, _r, length in frames) == len(data)
    assert abs(audio.duration_seconds(data) - 2) < 0.03
    assert audio.parse_frames(audio.mp3_bytes(seconds=1, bitrate_kbps=128, sample_rate=48000))[0] == (
        128,
        48000,
        384,
    )
    with pytest.raises(ValueError, match="sync"):
        audio.parse_frames(b"\x00" + data)
    with pytest.raises(ValueError, match="past the end"):
        audio.parse_frames(data[:-1])


def test_the_ogg_opus_pages_carry_their_crc_and_length() -> None:
    data = audio.ogg_opus_bytes(seconds=1.5)
    assert_ogg_opus(data)
    assert audio.parse_ogg_pages(data)[-1][1] == audio.OPUS_PRE_SKIP + 75 * audio.OPUS_FRAME
    broken = bytearray(data)
    broken[-1] ^= 0xFF
    with pytest.raises(ValueError, match="CRC"):
        audio.parse_ogg_pages(bytes(broken))


def test_the_clip_length_is_read_from_the_mp4_container() -> None:
    assert mp4_seconds(mp4_bytes(seed=1, seconds=3)) == 3
    assert mp4_seconds(_declared(301)) == 301
    assert mp4_seconds(b"not an mp4") is None


@pytest.mark.django_db
@pytest.mark.parametrize("model", ["eleven_multilingual_v2", "eleven_v3"])
def test_text_to_speech_is_charged_by_the_character(proxy_comfy: ComfyClient, owner: Any, model: str) -> None:
    before = available_micros(owner)
    body = {
        "text": SPEECH_TEXT,
        "model_id": model,
        "voice_settings": {**SETTINGS, "use_speaker_boost": False, "style": 0.0},
        "seed": 1,
        "apply_text_normalization": "auto",
    }
    reply = proxy_comfy.post_json(f"{BASE}/text-to-speech/{VOICE}{MP3}", body)
    assert reply.status_code == 200, reply.content[:300]
    assert reply["Content-Type"] == "audio/mpeg"
    assert assert_mp3(bytes(reply.content)) >= 1
    usage = assert_charged(owner, before, len(SPEECH_TEXT) * 240, status=UsageStatus.SUCCEEDED)
    assert usage.model == model


@pytest.mark.django_db
def test_text_to_speech_in_opus_is_an_ogg_opus_file(proxy_comfy: ComfyClient, owner: Any) -> None:
    body = {"text": "Opus please.", "model_id": "eleven_v3", "voice_settings": SETTINGS, "seed": 1}
    reply = proxy_comfy.post_json(f"{BASE}/text-to-speech/{VOICE}{OPUS}", body)
    assert reply.status_code == 200, reply.content[:300]
    assert_ogg_opus(bytes(reply.content))


@pytest.mark.django_db
def test_text_to_dialogue_is_charged_for_every_entry(proxy_comfy: ComfyClient, owner: Any) -> None:
    before = available_micros(owner)
    inputs = [
        {"text": "Hi there.", "voice_id": VOICE},
        {"text": "Hello back!", "voice_id": "JBFqnCBsd6RMkjVDRZzb"},
    ]
    body = {
        "inputs": inputs,
        "model_id": "eleven_v3",
        "settings": {"stability": 0.5},
        "seed": 1,
        "apply_text_normalization": "auto",
    }
    reply = proxy_comfy.post_json(f"{BASE}/text-to-dialogue{MP3}", body)
    assert reply.status_code == 200, reply.content[:300]
    assert_mp3(bytes(reply.content))
    assert_charged(owner, before, (9 + 11) * 240, status=UsageStatus.SUCCEEDED)


@pytest.mark.django_db
@pytest.mark.parametrize(("duration", "charged_seconds"), [(5.0, 5), (0.5, 1), (12.3, 13), (30.0, 30)])
def test_sound_effects_are_charged_by_the_asked_second(
    proxy_comfy: ComfyClient, owner: Any, duration: float, charged_seconds: int
) -> None:
    before = available_micros(owner)
    body = {"text": "a door creaks", "duration_seconds": duration, "prompt_influence": 0.3, "loop": False}
    reply = proxy_comfy.post_json(f"{BASE}/sound-generation{MP3}", body)
    assert reply.status_code == 200, reply.content[:300]
    length = assert_mp3(bytes(reply.content))
    assert abs(length - max(duration, 0.5)) < 0.05
    assert_charged(owner, before, charged_seconds * 2_334, status=UsageStatus.SUCCEEDED)


@pytest.mark.django_db
@pytest.mark.parametrize("model", ["eleven_multilingual_sts_v2", "eleven_english_sts_v2"])
def test_speech_to_speech_is_charged_by_the_clip_length(
    proxy_comfy: ComfyClient, owner: Any, model: str
) -> None:
    before = available_micros(owner)
    settings = json.dumps({**SETTINGS, "style": 0.0, "use_speaker_boost": False})
    fields = {
        "model_id": model,
        "voice_settings": settings,
        "seed": "0",
        "remove_background_noise": "False",
        "audio": _clip(4),
    }
    reply = proxy_comfy.post_multipart(f"{BASE}/speech-to-speech/{VOICE}{MP3}", fields)
    assert reply.status_code == 200, reply.content[:300]
    assert_mp3(bytes(reply.content))
    assert_charged(owner, before, 4 * 4_000, status=UsageStatus.SUCCEEDED)


@pytest.mark.django_db
def test_audio_isolation_is_charged_by_the_clip_length(proxy_comfy: ComfyClient, owner: Any) -> None:
    before = available_micros(owner)
    reply = proxy_comfy.post_multipart(f"{BASE}/audio-isolation", {"audio": _clip(7)})
    assert reply.status_code == 200, reply.content[:300]
    assert_mp3(bytes(reply.content), bitrate=128)  # no output_format: ElevenLabs' mp3_44100_128
    assert_charged(owner, before, 7 * 4_000, status=UsageStatus.SUCCEEDED)


@pytest.mark.django_db
def test_a_clip_whose_length_cannot_be_read_is_held_at_the_vendors_limit(
    proxy_comfy: ComfyClient, owner: Any
) -> None:
    before = available_micros(owner)
    clip = io.BytesIO(b"RIFF....WAVEfmt not an mp4")
    clip.name = "audio.wav"
    reply = proxy_comfy.post_multipart(f"{BASE}/audio-isolation", {"audio": clip})
    assert reply.status_code == 200, reply.content[:300]
    assert_charged(owner, before, 3_600 * 4_000, status=UsageStatus.SUCCEEDED)


@pytest.mark.django_db
@pytest.mark.parametrize(("granularity", "diarize"), [("word", "False"), ("character", "True")])
def test_speech_to_text_settles_on_the_transcribed_minutes(
    proxy_comfy: ComfyClient, owner: Any, granularity: str, diarize: str
) -> None:
    before = available_micros(owner)
    fields = {
        "model_id": "scribe_v2",
        "cloud_storage_url": "https://example.com/storage/clip.mp4",
        "tag_audio_events": "False",
        "timestamps_granularity": granularity,
        "diarize": diarize,
        "seed": "1",
        "temperature": "0.0",
    }
    if diarize == "True":
        fields["diarization_threshold"] = "0.22"
    else:
        fields["num_speakers"] = "2"
    reply = proxy_comfy.post_multipart(f"{BASE}/speech-to-text", fields)
    assert reply.status_code == 200, reply.content[:300]
    data = reply.json()
    assert data["text"]
    assert data["language_code"]
    last = max(word["end"] for word in data["words"])
    usage = assert_charged(owner, before, math.ceil(last / 60) * 7_300, status=UsageStatus.SUCCEEDED)
    assert usage.quoted_micros == 60 * 7_300


@pytest.mark.django_db
def test_speech_to_text_without_timings_is_charged_the_hold(proxy_comfy: ComfyClient, owner: Any) -> None:
    before = available_micros(owner)
    fields = {
        "model_id": "scribe_v2",
        "cloud_storage_url": "https://example.com/storage/clip.mp4",
        "timestamps_granularity": "none",
        "seed": "1",
    }
    reply = proxy_comfy.post_multipart(f"{BASE}/speech-to-text", fields)
    assert reply.status_code == 200, reply.content[:300]
    assert_charged(owner, before, 60 * 7_300, status=UsageStatus.SUCCEEDED)


@pytest.mark.django_db
def test_an_instant_voice_clone_is_charged_flat(proxy_comfy: ComfyClient, owner: Any) -> None:
    before = available_micros(owner)
    fields = {
        "name": "0b7e9c1e-5f0e-4a4e-9a57-3f1c5b7d2e10",
        "remove_background_noise": "False",
        "files": [_clip(3, "audio1.mp4"), _clip(2, "audio2.mp4")],
    }
    reply = proxy_comfy.post_multipart(f"{BASE}/voices/add", fields)
    assert reply.status_code == 200, reply.content[:300]
    assert reply.json()["voice_id"]
    assert_charged(owner, before, 150_000, status=UsageStatus.SUCCEEDED)


@pytest.mark.django_db
@pytest.mark.parametrize("marker", ["[fail]", "[moderated]", "[http500]"])
def test_a_refused_speech_charges_nothing(proxy_comfy: ComfyClient, owner: Any, marker: str) -> None:
    before = available_micros(owner)
    body = {"text": f"{marker} hello", "model_id": "eleven_v3", "voice_settings": SETTINGS, "seed": 1}
    reply = proxy_comfy.post_json(f"{BASE}/text-to-speech/{VOICE}{MP3}", body)
    assert reply.status_code >= 400
    assert available_micros(owner) == before
    assert last_usage(owner).charged_micros == 0


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("path", "body"),
    [
        (f"text-to-speech/{VOICE}{MP3}", {"text": "", "model_id": "eleven_v3", "seed": 1}),
        (f"text-to-speech/{VOICE}{MP3}", {"text": "hi", "model_id": "eleven_turbo_v9", "seed": 1}),
        (f"text-to-speech/{VOICE}{MP3}", {"text": "x" * 10_001, "model_id": "eleven_v3", "seed": 1}),
        ("text-to-dialogue", {"inputs": [], "model_id": "eleven_v3"}),
        ("text-to-dialogue", {"inputs": [{"text": "hi", "voice_id": VOICE}] * 11, "model_id": "eleven_v3"}),
        ("sound-generation", {"text": "boom", "duration_seconds": 31, "prompt_influence": 0.3}),
        ("sound-generation", {"text": "boom", "duration_seconds": 5, "prompt_influence": 2}),
    ],
)
def test_bad_input_is_refused_before_anything_is_reserved(
    proxy_comfy: ComfyClient, owner: Any, path: str, body: dict[str, Any]
) -> None:
    before = available_micros(owner)
    reply = proxy_comfy.post_json(f"{BASE}/{path}", body)
    assert 400 <= reply.status_code < 500, reply.content[:300]
    assert available_micros(owner) == before


@pytest.mark.django_db
def test_a_voice_change_without_audio_or_over_five_minutes_is_refused(
    proxy_comfy: ComfyClient, owner: Any
) -> None:
    before = available_micros(owner)
    fields: dict[str, Any] = {"model_id": "eleven_english_sts_v2", "voice_settings": "{}", "seed": "0"}
    assert proxy_comfy.post_multipart(f"{BASE}/speech-to-speech/{VOICE}", fields).status_code == 400
    too_long = {**fields, "audio": _clip(301)}
    assert proxy_comfy.post_multipart(f"{BASE}/speech-to-speech/{VOICE}", too_long).status_code == 400
    assert available_micros(owner) == before
