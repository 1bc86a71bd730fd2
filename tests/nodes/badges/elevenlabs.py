# ruff: noqa: ARG005 - every builder takes (widgets, inputs); most use only one of them
"""ElevenLabs (nodes_elevenlabs.py): what each node sends for given widget values.

The speech badges are rates ("$0.24/1K chars"): their requests carry exactly 1,000 characters, so one unit
of the rate is compared. ElevenLabsVoiceSelector has no badge and calls nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from tests.nodes.badge_requests import URL, Node, Req, one

MODULES = {"elevenlabs": "elevenlabs"}
BASE = "/proxy/elevenlabs/v1"
VOICE = "CwhRBWXzGAHq8TQ4Fs17"
FORMAT = "?output_format=mp3_44100_192"
RATE_CHARACTERS = 1_000  # the "/1K chars" of the speech badges


def _dialogue(w: Mapping[str, Any], inputs: Mapping[str, Any]) -> list[Req]:
    count = int(w.get("inputs", 2))
    share, rest = divmod(RATE_CHARACTERS, count)
    texts = ["x" * (share + (index < rest)) for index in range(count)]
    body = {
        "inputs": [{"text": text, "voice_id": VOICE} for text in texts],
        "model_id": "eleven_v3",
        "seed": 1,
    }
    return one(Req(f"{BASE}/text-to-dialogue{FORMAT}", body))


NODES = {
    "ElevenLabsTextToSpeech": Node(
        lambda w, i: one(
            Req(
                f"{BASE}/text-to-speech/{VOICE}{FORMAT}",
                {
                    "text": "x" * RATE_CHARACTERS,
                    "model_id": w.get("model", "eleven_multilingual_v2"),
                    "seed": 1,
                },
            )
        )
    ),
    "ElevenLabsTextToDialogue": Node(_dialogue),
    "ElevenLabsTextToSoundEffects": Node(
        lambda w, i: one(
            Req(
                f"{BASE}/sound-generation{FORMAT}",
                {"text": "p", "duration_seconds": w.get("model.duration", 30.0), "prompt_influence": 0.3},
            )
        )
    ),
    "ElevenLabsSpeechToSpeech": Node(
        lambda w, i: one(
            Req(
                f"{BASE}/speech-to-speech/{VOICE}{FORMAT}",
                {"model_id": w.get("model", "eleven_multilingual_sts_v2"), "voice_settings": "{}", "seed": 0},
                ("audio",),
            )
        )
    ),
    "ElevenLabsAudioIsolation": Node(lambda w, i: one(Req(f"{BASE}/audio-isolation", {}, ("audio",)))),
    "ElevenLabsSpeechToText": Node(
        lambda w, i: one(
            Req(f"{BASE}/speech-to-text", {"model_id": "scribe_v2", "cloud_storage_url": URL, "seed": 1})
        )
    ),
    "ElevenLabsInstantVoiceClone": Node(
        lambda w, i: one(
            Req(f"{BASE}/voices/add", {"name": "n", "remove_background_noise": "False"}, ("files",))
        )
    ),
}
_PER_MINUTE = "the badge is a per-minute rate ({}), not a maximum: "
DIFFERENCES = {
    "ElevenLabsTextToSoundEffects": _PER_MINUTE.format("$0.14/minute")
    + "an effect runs at most 30 s, held and charged by the started second at $0.14/60 (rounded up to "
    "2,334 µ$), so the longest effect costs $0.07",
    "ElevenLabsSpeechToSpeech": _PER_MINUTE.format("$0.24/minute")
    + "the platform charges the seconds the uploaded MP4 declares at $0.24/60; a clip it cannot read is "
    "held at ElevenLabs' 5-minute limit",
    "ElevenLabsAudioIsolation": _PER_MINUTE.format("$0.24/minute")
    + "the platform charges the seconds the uploaded MP4 declares at $0.24/60; a clip it cannot read is "
    "held at ElevenLabs' 1-hour limit",
    "ElevenLabsSpeechToText": _PER_MINUTE.format("$0.0073/minute")
    + "the request names a stored file of unknown length, so an hour is held and the started minutes up "
    "to the transcript's last timed word are charged",
}
