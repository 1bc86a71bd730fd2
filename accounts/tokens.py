"""Platform bearer tokens: short-lived, signed, bound to one signed-in browser (a Device).

    cwt_<django.core.signing payload>

The payload names the user and the device and carries a fragment of `user.get_session_auth_hash()`, so
a token dies with its device (sign-out, "sign out other browsers") and with a password change. The
signature and age are checked before any database query; the recognisable prefix lets us refuse foreign
tokens (comfy.org Firebase or Cloud JWTs) at once and lets secret scanners spot ours.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from django.conf import settings
from django.core import signing
from django.utils import timezone
from django.utils.crypto import constant_time_compare

from accounts.models import Device, User

# Not secrets: the prefix is public by design and the salt only separates signing purposes.
TOKEN_PREFIX = "cwt_"  # noqa: S105
TOKEN_SALT = "comfyweb.accounts.tokens.platform-bearer"  # noqa: S105
TOKEN_MAX_LENGTH = 512
AUTH_HASH_FRAGMENT_LENGTH = 20
# signing.dumps output: URL-safe base64 and ':' separators.
_TOKEN_RE = re.compile(r"cwt_[A-Za-z0-9_\-:.]+")


class InvalidTokenError(Exception):
    """The value is not a usable platform token (malformed, forged, expired, revoked …)."""


@dataclass(frozen=True)
class TokenClaims:
    user_public_id: UUID
    device_public_id: UUID
    auth_hash_fragment: str


def token_looks_like_ours(value: str) -> bool:
    return value.startswith(TOKEN_PREFIX)


def _auth_hash_fragment(user: User) -> str:
    return user.get_session_auth_hash()[:AUTH_HASH_FRAGMENT_LENGTH]


def token_issue(*, user: User, device: Device) -> str:
    payload = {"u": str(user.public_id), "d": str(device.public_id), "h": _auth_hash_fragment(user)}
    return TOKEN_PREFIX + signing.dumps(payload, salt=TOKEN_SALT, compress=False)


def token_expires_at(*, issued_at: datetime | None = None) -> datetime:
    return (issued_at or timezone.now()) + timedelta(seconds=settings.PLATFORM_TOKEN_TTL_SECONDS)


def token_claims(value: str) -> TokenClaims:
    """Check format, signature and age — no database. Raises InvalidTokenError."""
    if len(value) > TOKEN_MAX_LENGTH or _TOKEN_RE.fullmatch(value) is None:
        raise InvalidTokenError("malformed")
    try:
        payload: Any = signing.loads(
            value[len(TOKEN_PREFIX) :], salt=TOKEN_SALT, max_age=settings.PLATFORM_TOKEN_TTL_SECONDS
        )
        return TokenClaims(
            user_public_id=UUID(payload["u"]),
            device_public_id=UUID(payload["d"]),
            auth_hash_fragment=str(payload["h"]),
        )
    except (signing.BadSignature, KeyError, TypeError, ValueError) as exc:
        # SignatureExpired is a BadSignature too.
        raise InvalidTokenError("bad signature, expired or malformed payload") from exc


def token_resolve(claims: TokenClaims) -> tuple[User, Device]:
    """The live (user, device) a verified token stands for. Raises InvalidTokenError."""
    device = (
        Device.objects.select_related("user")
        .filter(public_id=claims.device_public_id, user__public_id=claims.user_public_id)
        .first()
    )
    if device is None or device.revoked_at is not None or not device.user.is_active:
        raise InvalidTokenError("device revoked or user inactive")
    if not constant_time_compare(_auth_hash_fragment(device.user), claims.auth_hash_fragment):
        raise InvalidTokenError("password changed")
    return device.user, device
