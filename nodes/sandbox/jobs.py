"""The one job engine behind every asynchronous sandbox vendor: markers → outcome, signed job ids, phases.

A job goes queued (first quarter of its time) → processing → terminal. Its outcome is fixed at submit time
from the prompt's markers and sealed into the signed id, together with when it started and how long it
takes, so a poll is a pure function of (id, now).
"""

from __future__ import annotations

import enum
import hashlib
import time
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings

from nodes.sandbox.files import OutputFile
from nodes.sandbox.tokens import JOB_SALT, sign_payload, unsign_payload

SLOW_FACTOR = 10
# Polls may go on for hours (comfy-contract.md §4): ids stay answerable for a week.
JOB_MAX_AGE_MS = 7 * 24 * 3600 * 1000


class Outcome(enum.IntEnum):
    SUCCEEDED = 0
    FAILED = 1
    MODERATED = 2


class Phase(enum.Enum):
    QUEUED = "queued"
    PROCESSING = "processing"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    MODERATED = "moderated"


@dataclass(frozen=True)
class Markers:
    outcome: Outcome = Outcome.SUCCEEDED
    slow: bool = False
    http500: bool = False


def markers_in(prompt: str) -> Markers:
    text = prompt.lower()
    outcome = Outcome.SUCCEEDED
    if "[moderated]" in text:
        outcome = Outcome.MODERATED
    if "[fail]" in text:
        outcome = Outcome.FAILED
    return Markers(outcome=outcome, slow="[slow]" in text, http500="[http500]" in text)


def prompt_seed(prompt: str) -> int:
    """Colours follow the prompt, so the same prompt looks the same everywhere."""
    return int.from_bytes(hashlib.sha256(prompt.encode()).digest()[:4], "big")


def now_ms() -> int:
    return int(time.time() * 1000)


def job_duration_ms(markers: Markers) -> int:
    return int(settings.SANDBOX_JOB_SECONDS * 1000 * (SLOW_FACTOR if markers.slow else 1))


@dataclass(frozen=True)
class Job:
    vendor: str
    media: str  # image | video | audio | svg
    outcome: Outcome
    created_ms: int
    duration_ms: int
    seed: int
    count: int = 1
    width: int = 512
    height: int = 512
    seconds: int = 2
    extra: dict[str, Any] = field(default_factory=dict)

    def token(self) -> str:
        return sign_payload(
            [
                self.vendor,
                self.media,
                int(self.outcome),
                self.created_ms,
                self.duration_ms,
                self.seed,
                self.count,
                self.width,
                self.height,
                self.seconds,
                self.extra,
            ],
            salt=JOB_SALT,
        )

    def phase(self, at_ms: int | None = None) -> Phase:
        elapsed = (now_ms() if at_ms is None else at_ms) - self.created_ms
        if elapsed >= self.duration_ms:
            return {
                Outcome.SUCCEEDED: Phase.SUCCEEDED,
                Outcome.FAILED: Phase.FAILED,
                Outcome.MODERATED: Phase.MODERATED,
            }[self.outcome]
        return Phase.QUEUED if elapsed < self.duration_ms / 4 else Phase.PROCESSING

    def progress(self, at_ms: int | None = None) -> float:
        if self.duration_ms <= 0:
            return 1.0
        elapsed = (now_ms() if at_ms is None else at_ms) - self.created_ms
        return round(max(0.0, min(1.0, elapsed / self.duration_ms)), 2)

    def outputs(self) -> list[OutputFile]:
        ext = {"image": "png", "video": "mp4", "audio": "wav", "svg": "svg"}[self.media]
        return [
            OutputFile(
                ext=ext, seed=self.seed + index, width=self.width, height=self.height, seconds=self.seconds
            )
            for index in range(self.count)
        ]


def job_from_token(token: str, *, vendor: str) -> Job | None:
    """The job a vendor's id names, or None when the id is forged, foreign to `vendor`, or too old."""
    payload = unsign_payload(token, salt=JOB_SALT)
    if payload is None or len(payload) != 11 or payload[0] != vendor:
        return None
    job = Job(
        vendor=payload[0],
        media=payload[1],
        outcome=Outcome(payload[2]),
        created_ms=payload[3],
        duration_ms=payload[4],
        seed=payload[5],
        count=payload[6],
        width=payload[7],
        height=payload[8],
        seconds=payload[9],
        extra=payload[10],
    )
    if now_ms() - job.created_ms > JOB_MAX_AGE_MS:
        return None
    return job
