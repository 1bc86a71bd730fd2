"""ElevenLabs (sync): speech, dialogue and sound effects from text; voice changing, isolation, transcription
and instant voice clones. Audio replies are the MP3 (or Ogg Opus) file itself, as ElevenLabs sends it.

Priced as ComfyUI's badges say: text by the character, audio by its length. The length of an uploaded
clip is read from its MP4 container (every node encodes its audio input as MP4/AAC before sending it);
a transcription only names a stored file, so it holds an hour and settles on the transcript's last word.
"""

from __future__ import annotations

import math
from typing import Any

from comfyweb.errors import ApiError
from nodes.clips import mp4_seconds
from nodes.engine.types import MB, BodyFormat, Call, LineItem, Outcome, Route, Vendor
from nodes.vendors.common import (
    JSON_CAP,
    SYNC_TTL,
    Check,
    choice,
    dig,
    each,
    file,
    fixed,
    named,
    seconds,
    text,
)

BADGE = "ComfyUI 0.30.0 price badge, nodes_elevenlabs.py (2026-12-08)"
PER_CHARACTER = 240  # µ$: the speech badges' "$0.24/1K chars"
PER_SECOND_CHANGED = 4_000  # µ$: speech-to-speech and isolation badges' "$0.24/minute"
# The sound-effect badge's "$0.14/minute" is 2,333⅓ µ$ a second: rounded up, so the hold is never below it.
PER_SECOND_EFFECT = 2_334
PER_MINUTE_TRANSCRIBED = 7_300  # µ$: the speech-to-text badge's "$0.0073/minute"
VOICE_CLONE = 150_000  # µ$: the instant voice clone badge's flat $0.15

SPEECH_MODELS = ("eleven_multilingual_v2", "eleven_v3")  # ElevenLabsTextToSpeech's model options
DIALOGUE_MODELS = ("eleven_v3",)
STS_MODELS = ("eleven_multilingual_sts_v2", "eleven_english_sts_v2")
STT_MODELS = ("scribe_v2",)
OUTPUT_FORMATS = ("mp3_44100_192", "opus_48000_192")  # the nodes' output_format options
# ElevenLabs' limits: a voice change takes at most 5 minutes of audio, an isolation an hour (ElevenLabs
# docs, 2026); a clip whose length cannot be read is held at them.
STS_MAX_SECONDS = 5 * 60
ISOLATION_MAX_SECONDS = 60 * 60
# A transcription names a stored file whose length the request does not carry: held at an hour, charged
# the started minutes up to the transcript's last word (ElevenLabs reports no cost).
STT_HOLD_MINUTES = 60
EFFECT_MAX_SECONDS = 30  # ElevenLabs' sound effects run 0.5-30 s; without duration_seconds it picks one
SPEECH_MAX_CHARACTERS = 10_000  # eleven_multilingual_v2's limit (eleven_v3: 5,000)
DIALOGUE_MAX_INPUTS = 10  # ElevenLabsTextToDialogue offers 1-10 entries
UPLOAD_CAP = 50 * MB  # ElevenLabs' own per-request file limit for voice changing


def _speech_price(call: Call) -> list[LineItem]:
    model = choice(call, "model_id", default="eleven_multilingual_v2", allowed=SPEECH_MODELS)
    value = call.body.value("text")
    if not isinstance(value, str) or not value:
        raise ApiError(400, "invalid_request", "text is required.")
    return each(f"{model}/character", len(value))


def _dialogue_price(call: Call) -> list[LineItem]:
    model = choice(call, "model_id", default="eleven_v3", allowed=DIALOGUE_MODELS)
    entries = call.body.value("inputs")
    if not isinstance(entries, list) or not 1 <= len(entries) <= DIALOGUE_MAX_INPUTS:
        raise ApiError(400, "invalid_request", f"inputs must list 1 to {DIALOGUE_MAX_INPUTS} entries.")
    texts = [entry.get("text") if isinstance(entry, dict) else None for entry in entries]
    if not all(isinstance(value, str) and value for value in texts):
        raise ApiError(400, "invalid_request", "Every dialogue entry needs its text.")
    return each(f"{model}/character", sum(len(str(value)) for value in texts))


def _effect_price(call: Call) -> list[LineItem]:
    length = seconds(call, "duration_seconds", default=EFFECT_MAX_SECONDS, low=1, high=EFFECT_MAX_SECONDS)
    return each("eleven_sfx_v2/second", length)


# --- The length of an uploaded MP4 clip (nodes/vendors/mp4.py) ---------------------------------------------
def _file_part(call: Call, name: str) -> bytes | None:
    """The bytes of the multipart file field `name` (the first one), or None."""
    boundary = next(
        (
            part.split("=", 1)[1].strip().strip('"')
            for part in call.body.content_type.split(";")[1:]
            if part.strip().lower().startswith("boundary=")
        ),
        "",
    )
    if not boundary:
        return None
    for part in call.body.raw.split(b"--" + boundary.encode("latin-1")):
        head, separator, content = part.partition(b"\r\n\r\n")
        disposition = head.lower()
        if separator and f'name="{name}"'.encode() in disposition and b"filename=" in disposition:
            return content.removesuffix(b"\r\n")
    return None


def clip_seconds(call: Call, *, longest: int) -> int:
    """Started seconds of the uploaded `audio` clip; `longest` (the vendor's limit) when unreadable."""
    if "audio" not in call.body.files:
        raise ApiError(400, "invalid_request", "The audio file is required.")
    clip = _file_part(call, "audio")
    length = mp4_seconds(clip) if clip is not None else None
    if length is None:
        return longest
    if length > longest:
        raise ApiError(400, "out_of_range", f"The audio may run at most {longest} seconds.")
    return max(1, math.ceil(length))


def _sts_price(call: Call) -> list[LineItem]:
    model = choice(call, "model_id", default="eleven_english_sts_v2", allowed=STS_MODELS)
    return each(f"{model}/second", clip_seconds(call, longest=STS_MAX_SECONDS))


def _isolation_price(call: Call) -> list[LineItem]:
    return each("audio-isolation/second", clip_seconds(call, longest=ISOLATION_MAX_SECONDS))


def _stt_price(call: Call) -> list[LineItem]:
    model = choice(call, "model_id", default="scribe_v2", allowed=STT_MODELS)
    return each(f"{model}/minute", STT_HOLD_MINUTES)


def transcribed_minutes(data: Any, call: Call) -> list[LineItem] | None:
    """The started minutes up to the transcript's last timed word; None (the hold) without timings."""
    words = dig(data, "words")
    if not isinstance(words, list):
        return None
    ends = [
        float(word["end"])
        for word in words
        if isinstance(word, dict)
        and isinstance(word.get("end"), int | float)
        and not isinstance(word.get("end"), bool)
    ]
    if not ends or not all(math.isfinite(end) and end >= 0 for end in ends):
        return None
    model = str(call.body.value("model_id") or "scribe_v2")
    return each(f"{model}/minute", max(1, math.ceil(max(ends) / 60)))


def transcribed(data: Any, status: int) -> Outcome:
    return "success" if isinstance(dig(data, "text"), str) else "failure"


def cloned(data: Any, status: int) -> Outcome:
    return "success" if isinstance(dig(data, "voice_id"), str) and data["voice_id"] else "failure"


def error_message(data: Any) -> tuple[str, str]:
    """ElevenLabs errors: `{"detail": {"status", "message"}}` (a 422 lists FastAPI's `detail` items)."""
    detail = dig(data, "detail")
    if isinstance(detail, dict):
        return str(detail.get("message") or ""), str(detail.get("status") or "")
    if isinstance(detail, str):
        return detail, ""
    if isinstance(detail, list) and detail:
        return "; ".join(str(dig(item, "msg") or item) for item in detail)[:500], "validation_error"
    return "", ""


def _model(call: Call) -> str:
    value = call.body.value("model_id")
    return str(value) if isinstance(value, str) else ""


def _audio(
    path: str,
    price: Any,
    *,
    body: BodyFormat = "json",
    max_bytes: int = JSON_CAP,
    voice: bool = False,
    formatted: bool = True,
) -> Route:
    """An audio-out route: the reply is the file, in the `?output_format=` the node asks for (all but the
    isolation node send one, so it is required where they do)."""
    template = f"{path}/{{voice:id}}" if voice else path
    upstream = f"/{path}/{{voice}}" if voice else f"/{path}"
    return Route(
        "POST",
        template,
        upstream + ("?output_format={output_format}" if formatted else ""),
        "sync",
        body=body,
        price=price,
        model=_model if formatted else named("audio-isolation"),
        query={"output_format": "id"} if formatted else {},
        max_bytes=max_bytes,
        ttl=SYNC_TTL,
        timeout_seconds=300,
    )


VENDOR = Vendor(
    name="elevenlabs",
    title="ElevenLabs",
    live_base="https://api.elevenlabs.io",  # elevenlabs.io/docs/api-reference (2026-12-08)
    sandbox_base="/elevenlabs",
    key_header="xi-api-key",
    error_message=error_message,
    routes=(
        _audio("v1/text-to-speech", _speech_price, voice=True),
        _audio("v1/text-to-dialogue", _dialogue_price),
        _audio("v1/sound-generation", _effect_price),
        _audio("v1/speech-to-speech", _sts_price, body="multipart", max_bytes=UPLOAD_CAP, voice=True),
        _audio(
            "v1/audio-isolation", _isolation_price, body="multipart", max_bytes=UPLOAD_CAP, formatted=False
        ),
        Route(
            "POST",
            "v1/speech-to-text",
            "/v1/speech-to-text",
            "sync",
            body="multipart",
            price=_stt_price,
            model=_model,
            status=transcribed,
            cost=transcribed_minutes,
            max_bytes=UPLOAD_CAP,
            ttl=SYNC_TTL,
            timeout_seconds=600,
        ),
        Route(
            "POST",
            "v1/voices/add",
            "/v1/voices/add",
            "sync",
            body="multipart",
            price=fixed("instant-voice-clone/voice"),
            model=named("instant-voice-clone"),
            status=cloned,
            max_bytes=UPLOAD_CAP,
            ttl=SYNC_TTL,
        ),
    ),
    prices={
        **{f"{model}/character": ("character", PER_CHARACTER, BADGE) for model in SPEECH_MODELS},
        "eleven_sfx_v2/second": ("second", PER_SECOND_EFFECT, BADGE),
        **{f"{model}/second": ("second", PER_SECOND_CHANGED, BADGE) for model in STS_MODELS},
        "audio-isolation/second": ("second", PER_SECOND_CHANGED, BADGE),
        **{f"{model}/minute": ("minute", PER_MINUTE_TRANSCRIBED, BADGE) for model in STT_MODELS},
        "instant-voice-clone/voice": ("voice", VOICE_CLONE, BADGE),
    },
    model_names={
        "eleven_multilingual_v2": "Eleven Multilingual v2",
        "eleven_v3": "Eleven v3",
        "eleven_sfx_v2": "Eleven sound effects v2",
        "eleven_multilingual_sts_v2": "Eleven Multilingual speech-to-speech v2",
        "eleven_english_sts_v2": "Eleven English speech-to-speech v2",
        "audio-isolation": "ElevenLabs Voice Isolator",
        "scribe_v2": "Scribe v2",
        "instant-voice-clone": "ElevenLabs Instant Voice Clone",
    },
)

# Validated before reserving (nodes/validation.py).
CHECKS: dict[str, tuple[Check, ...]] = {
    "POST v1/text-to-speech/{voice}": (
        text("text", max_length=SPEECH_MAX_CHARACTERS),
        text("model_id"),
        Check("voice_settings", "object"),
    ),
    "POST v1/text-to-dialogue": (
        Check("inputs", "list", required=True, max_length=DIALOGUE_MAX_INPUTS),
        text("inputs.0.text", max_length=SPEECH_MAX_CHARACTERS // 2),
        text("inputs.0.voice_id", max_length=100),
    ),
    "POST v1/sound-generation": (
        text("text", max_length=1_000),
        Check("prompt_influence", "number", low=0, high=1),
    ),
    "POST v1/speech-to-speech/{voice}": (file("audio"), text("model_id"), text("voice_settings")),
    "POST v1/audio-isolation": (file("audio"),),
    "POST v1/speech-to-text": (
        text("model_id"),
        text("cloud_storage_url", max_length=4_096),
        Check("num_speakers", "int", low=1, high=32),
    ),
    "POST v1/voices/add": (text("name", max_length=200), file("files")),
}
