"""Read-side helpers for API keys (owner-scoped getters, the authentication lookup)."""

from __future__ import annotations

import functools
import hmac
from datetime import datetime
from uuid import UUID

from django.db import connection
from django.db.models import QuerySet
from django.utils import timezone

from accounts.models import ApiKey, User
from accounts.services.api_keys import api_key_digest, api_key_is_well_formed, api_key_lookup_prefix
from comfyweb.errors import not_found
from comfyweb.sql import column_count, execute_prepared, from_row, select_columns


def api_keys_for_user(*, user: User) -> QuerySet[ApiKey]:
    """All of the user's keys, newest first (the Keys page shows revoked and expired ones too)."""
    return ApiKey.objects.filter(user=user).order_by("-created_at", "-pk")


def api_keys_live_for_user(*, user: User, now: datetime | None = None) -> QuerySet[ApiKey]:
    now = now or timezone.now()
    return api_keys_for_user(user=user).filter(revoked_at__isnull=True).exclude(expires_at__lte=now)


def api_key_get_for_user(*, user: User, key_public_id: UUID | str) -> ApiKey:
    """The owner-scoped getter: another user's key, or a malformed id, is the same 404."""
    try:
        key_uuid = key_public_id if isinstance(key_public_id, UUID) else UUID(str(key_public_id))
        return ApiKey.objects.get(user=user, public_id=key_uuid)
    except (ApiKey.DoesNotExist, ValueError) as exc:
        raise not_found("No such API key.") from exc


def api_key_find_live(*, plaintext: str, now: datetime | None = None) -> ApiKey | None:
    """The live key (with its active user) that `plaintext` is, or None.

    Malformed values are refused before any query. The row is found by its non-secret prefix and the
    digest compared in constant time, so response timing says nothing about how much of a key matched."""
    if not api_key_is_well_formed(plaintext):
        return None
    digest = api_key_digest(plaintext)
    match = next(
        (
            key
            for key in _keys_with_prefix(api_key_lookup_prefix(plaintext))
            if hmac.compare_digest(key.digest, digest)
        ),
        None,
    )
    if match is None or not match.is_live(now=now or timezone.now()) or not match.user.is_active:
        return None
    return match


@functools.cache
def _keys_with_prefix_sql() -> str:
    return (
        f"SELECT {select_columns(ApiKey, 'k')}, {select_columns(User, 'u')} "  # noqa: S608 - no input
        f"FROM {ApiKey._meta.db_table} k JOIN {User._meta.db_table} u ON u.id = k.user_id "
        "WHERE k.prefix = %(prefix)s"
    )


def _keys_with_prefix(prefix: str) -> list[ApiKey]:
    """The keys (with their users) under a lookup prefix, in plain SQL: every API call runs this."""
    with connection.cursor() as cursor:
        execute_prepared(cursor, _keys_with_prefix_sql(), {"prefix": prefix}, {"prefix": "text"})
        rows = cursor.fetchall()
    split = column_count(ApiKey)
    keys = []
    for row in rows:
        key = from_row(ApiKey, row[:split])
        key.user = from_row(User, row[split:])
        keys.append(key)
    return keys
