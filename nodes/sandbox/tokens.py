"""Signed, stateless identifiers: job ids, integer ids (for vendors that type ids as int) and file tokens.

The sandbox keeps no state: everything a later request needs (when a job started, how it ends, what it
made) travels inside an id signed with SECRET_KEY, so any web process answers any poll.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core import signing

JOB_SALT = "comfyweb.sandbox.job"
FILE_SALT = "comfyweb.sandbox.file"
# '.' is outside the URL-safe base64 alphabet, so tokens stay one path segment without ':'.
SEPARATOR = "."


def sign_payload(payload: list[Any], *, salt: str, timestamped: bool = False) -> str:
    signer_class = signing.TimestampSigner if timestamped else signing.Signer
    return signer_class(salt=salt, sep=SEPARATOR).sign_object(payload, compress=True)


def unsign_payload(
    token: str, *, salt: str, max_age_seconds: int | None = None, timestamped: bool = False
) -> list[Any] | None:
    """The payload of a token signed for `salt`, or None if it is forged, altered, expired or malformed."""
    if len(token) > 2048:
        return None
    try:
        if timestamped:
            value = signing.TimestampSigner(salt=salt, sep=SEPARATOR).unsign_object(
                token, max_age=max_age_seconds
            )
        else:
            value = signing.Signer(salt=salt, sep=SEPARATOR).unsign_object(token)
    except (signing.BadSignature, ValueError, UnicodeDecodeError):
        return None
    return value if isinstance(value, list) else None


# --- integer ids --------------------------------------------------------------------------------------
# Layout (63 bits, so the id fits a signed 64-bit integer everywhere):
#   seconds since INT_EPOCH (31) | outcome (2) | slow (1) | seed (14) | truncated HMAC (15)
INT_EPOCH = 1_700_000_000
_MAC_BITS = 15
_SEED_BITS = 14


@dataclass(frozen=True)
class IntId:
    created: int
    outcome: int
    slow: bool
    seed: int


def _int_mac(body: int, salt: str) -> int:
    digest = hmac.new(settings.SECRET_KEY.encode(), f"{salt}:{body}".encode(), hashlib.sha256).digest()
    return int.from_bytes(digest[:2], "big") >> (16 - _MAC_BITS)


def int_id_encode(*, salt: str, created: int, outcome: int, slow: bool, seed: int) -> int:
    age = max(0, created - INT_EPOCH) & ((1 << 31) - 1)
    body = (((age << 2 | outcome) << 1 | int(slow)) << _SEED_BITS) | (seed & ((1 << _SEED_BITS) - 1))
    return body << _MAC_BITS | _int_mac(body, salt)


def int_id_decode(value: int, *, salt: str) -> IntId | None:
    if not 0 < value < 1 << 63:
        return None
    body, mac = value >> _MAC_BITS, value & ((1 << _MAC_BITS) - 1)
    if not hmac.compare_digest(mac.to_bytes(2, "big"), _int_mac(body, salt).to_bytes(2, "big")):
        return None
    seed = body & ((1 << _SEED_BITS) - 1)
    slow = bool(body >> _SEED_BITS & 1)
    outcome = body >> (_SEED_BITS + 1) & 0b11
    created = (body >> (_SEED_BITS + 3)) + INT_EPOCH
    return IntId(created=created, outcome=outcome, slow=slow, seed=seed)


def parse_int(text: str | None) -> int | None:
    if text is None or not (text.isascii() and text.isdigit()) or len(text) > 19:
        return None
    return int(text)
