"""Scoped API keys: an expiry and a spend limit, for credentials a browser page may see (the hosted canvas).

The /proxy engine must enforce the limit at reservation time: inside the admission transaction, call
`key_spend_check(key=..., amount_micros=quote)` before the reservation (it locks the key row and refuses
with 402 when the quote exceeds the allowance).
Expiry is enforced at authentication (`ApiKey.is_live`, used by `accounts.selectors.api_key_find_live`).
"""

from __future__ import annotations

from datetime import datetime

from django.db.models import Case, F, Sum, When
from django.utils import timezone

from accounts.models import ApiKey, User
from accounts.services.api_keys import (
    api_key_digest,
    api_key_is_well_formed,
    api_key_lookup_prefix,
)
from comfyweb.errors import ApiError, invalid_request


def key_spent_micros(*, key: ApiKey) -> int:
    """What the key's calls have captured, plus what their open holds still reserve (read from the
    holds, the ledger's own record, not from the usage rows' copies)."""
    from nodes.models import UsageRecord

    committed = Case(
        When(hold__status="open", then=F("hold__amount_micros")),
        default=F("hold__captured_micros"),
    )
    total = UsageRecord.objects.filter(api_key=key).aggregate(total=Sum(committed))["total"]
    return int(total or 0)


def key_spend_allowance(*, key: ApiKey, lock: bool = False) -> int | None:
    """How much more (micro-USD) may be reserved through `key`: None = no key limit (the wallet decides).

    With `lock=True` (inside a transaction) the key row is locked first, so two concurrent reservations
    through one key cannot both pass the check: call it in the same transaction as the reservation."""
    if lock:
        ApiKey.objects.select_for_update().filter(pk=key.pk).values_list("pk").first()
    limit = ApiKey.objects.filter(pk=key.pk).values_list("spend_limit_micros", flat=True).first()
    if limit is None:
        return None
    return max(0, int(limit) - key_spent_micros(key=key))


def api_key_create_scoped(
    *, user: User, name: str, plaintext: str, expires_at: datetime, spend_limit_micros: int
) -> ApiKey:
    """A machine-made key with a required expiry and spend limit (the canvas session's credential).

    The caller supplies the plaintext (the canvas derives it, so it never has to be stored). Not counted
    against API_KEYS_MAX_LIVE_PER_USER: the canvas allows one live session per user."""
    if not api_key_is_well_formed(plaintext):
        raise invalid_request("plaintext: not a well-formed API key.")
    if expires_at <= timezone.now():
        raise invalid_request("expires_at: the expiry must be in the future.")
    if spend_limit_micros < 0:
        raise invalid_request("spend_limit_micros: must not be negative.")
    return ApiKey.objects.create(
        user=user,
        name=name[:100],
        prefix=api_key_lookup_prefix(plaintext),
        digest=api_key_digest(plaintext),
        expires_at=expires_at,
        spend_limit_micros=spend_limit_micros,
    )


def api_key_expire_now(*, key: ApiKey) -> None:
    """Revoke a scoped key at once (the session it belonged to ended)."""
    ApiKey.objects.filter(pk=key.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())


def key_spend_check(*, key: ApiKey, amount_micros: int) -> None:
    """Refuse (402 `key_spend_limit`) reserving `amount_micros` through a key whose limit it would pass.

    For the /proxy admission: call it inside the reservation's transaction, before credits_reserve. Keys
    without a limit return at once with no query (their `spend_limit_micros` came with the key's row)."""
    if key.spend_limit_micros is None:
        return
    allowance = key_spend_allowance(key=key, lock=True)
    if allowance is not None and amount_micros > allowance:
        raise ApiError(
            402,
            "key_spend_limit",
            "This key has reached its spending limit (a hosted session's key can spend only what the "
            "session allows). Start a new session or use another key.",
        )
