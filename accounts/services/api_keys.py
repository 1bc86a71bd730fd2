"""API keys: `comfyui-` + 64 random characters, stored as a SHA-256 digest plus a lookup prefix.

The plaintext exists only in the return value of `api_key_create`; it is never stored, logged or put in
a URL (style.md habit 8, quality.md A1-A3). The digest is a plain SHA-256, not keyed with SECRET_KEY, so
rotating SECRET_KEY never breaks keys; 64 characters from 62 symbols (≈ 381 bits) make a fast hash safe.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import string
from datetime import datetime, timedelta
from uuid import UUID

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from accounts.models import ApiKey, User
from comfyweb.errors import ApiError, invalid_request

KEY_PREFIX = "comfyui-"
KEY_BODY_LENGTH = 64
KEY_LENGTH = len(KEY_PREFIX) + KEY_BODY_LENGTH  # 72: the frontend's form insists on exactly this
# Header-safe: no characters that need quoting, trimming or escaping anywhere a key travels.
KEY_ALPHABET = string.ascii_letters + string.digits
# Characters after "comfyui-" kept in clear for the lookup and for display ("comfyui-AbCd…").
LOOKUP_PREFIX_LENGTH = 12
KEY_RE = re.compile(rf"{KEY_PREFIX}[A-Za-z0-9]{{{KEY_BODY_LENGTH}}}")

NAME_MAX_LENGTH = 100
DESCRIPTION_MAX_LENGTH = 500


def api_key_generate() -> str:
    return KEY_PREFIX + "".join(secrets.choice(KEY_ALPHABET) for _ in range(KEY_BODY_LENGTH))


def api_key_is_well_formed(value: str) -> bool:
    """The format check that runs before any database query (quality.md A3)."""
    return len(value) == KEY_LENGTH and KEY_RE.fullmatch(value) is not None


def api_key_digest(plaintext: str) -> str:
    return hashlib.sha256(plaintext.encode("ascii")).hexdigest()


def api_key_lookup_prefix(plaintext: str) -> str:
    return plaintext[len(KEY_PREFIX) : len(KEY_PREFIX) + LOOKUP_PREFIX_LENGTH]


def _clean_text(value: str, *, field: str, max_length: int, required: bool) -> str:
    cleaned = value.strip()
    if required and not cleaned:
        raise invalid_request(f"{field}: this field is required.")
    if len(cleaned) > max_length:
        raise invalid_request(f"{field}: at most {max_length} characters.")
    if any(ord(char) < 32 or ord(char) == 127 for char in cleaned):
        raise invalid_request(f"{field}: control characters are not allowed.")
    return cleaned


def api_key_create(
    *,
    user: User,
    name: str,
    description: str = "",
    expires_at: datetime | None = None,
    spend_limit_micros: int | None = None,
) -> tuple[ApiKey, str]:
    """Create a key and return it with its plaintext — the only time the plaintext exists."""
    from accounts.selectors import api_keys_live_for_user

    if not user.is_verified:
        raise ApiError(403, "email_not_verified", "Confirm your e-mail address before creating API keys.")
    name = _clean_text(name, field="name", max_length=NAME_MAX_LENGTH, required=True)
    description = _clean_text(
        description, field="description", max_length=DESCRIPTION_MAX_LENGTH, required=False
    )
    now = timezone.now()
    if expires_at is not None and expires_at <= now:
        raise invalid_request("expires_at: the expiry must be in the future.")
    if spend_limit_micros is not None and spend_limit_micros <= 0:
        raise invalid_request("spend_limit: a spending limit must be more than zero.")
    plaintext = api_key_generate()
    limit = settings.API_KEYS_MAX_LIVE_PER_USER
    with transaction.atomic():
        # Lock the user row first so two concurrent creates cannot both see 24 live keys and both insert.
        User.objects.select_for_update().filter(pk=user.pk).values_list("pk").get()
        if api_keys_live_for_user(user=user, now=now).count() >= limit:
            raise ApiError(
                409,
                "key_limit_reached",
                f"You already have {limit} active API keys. Revoke one you no longer use first.",
            )
        api_key = ApiKey.objects.create(
            user=user,
            name=name,
            description=description,
            prefix=api_key_lookup_prefix(plaintext),
            digest=api_key_digest(plaintext),
            created_at=now,
            expires_at=expires_at,
            spend_limit_micros=spend_limit_micros,
        )
    return api_key, plaintext


def api_key_revoke(*, user: User, key_public_id: UUID | str) -> ApiKey:
    """Revoke one of the user's own keys; someone else's id (or a malformed one) is a 404. Idempotent."""
    from accounts.selectors import api_key_get_for_user

    api_key = api_key_get_for_user(user=user, key_public_id=key_public_id)
    now = timezone.now()
    ApiKey.objects.filter(pk=api_key.pk, revoked_at__isnull=True).update(revoked_at=now)
    api_key.refresh_from_db(fields=["revoked_at"])
    return api_key


def api_keys_revoke_for_admin(*, keys: list[ApiKey]) -> int:
    """The admin's bulk revoke (staff act on any user's keys; metadata only)."""
    return ApiKey.objects.filter(pk__in=[key.pk for key in keys], revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )


def api_key_touch(*, api_key: ApiKey, now: datetime | None = None) -> bool:
    """Coalesced last_used_at: at most one write per key per resolution window, across all workers.

    The in-memory check saves the query on the hot path; the conditional UPDATE is what makes it hold
    when several workers see a stale value at once."""
    now = now or timezone.now()
    window = timedelta(seconds=settings.API_KEY_LAST_USED_RESOLUTION_SECONDS)
    if api_key.last_used_at is not None and api_key.last_used_at > now - window:
        return False
    stale = Q(last_used_at__isnull=True) | Q(last_used_at__lte=now - window)
    updated = ApiKey.objects.filter(stale, pk=api_key.pk).update(last_used_at=now)
    api_key.last_used_at = now
    return updated == 1
