"""Find a user from whatever a ticket quotes: an e-mail, a key prefix, a Stripe id, a ComfyUI prompt id
(`Comfy-Job-Id`, stored as `UsageRecord.comfy_job_id`), a usage id or a hosted session id.

`kind="auto"` guesses from the shape of the text; every kind is one indexed lookup, capped at LIMIT rows.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import Q

from accounts.models import ApiKey, User
from accounts.services.api_keys import KEY_PREFIX, LOOKUP_PREFIX_LENGTH
from billing.payments.models import ChargeState, Purchase
from console import adapters
from nodes.models import UsageRecord

LIMIT = 25
MIN_PREFIX = 4

KINDS = {
    "auto": "Anything",
    "email": "E-mail",
    "key": "API key prefix",
    "stripe": "Stripe payment, charge or dispute id",
    "prompt": "ComfyUI prompt id (Comfy-Job-Id)",
    "usage": "Usage id",
    "session": "Hosted session id",
}


@dataclass(frozen=True)
class Match:
    user: User
    matched: str  # what the text matched, for the results list ("usage 1b2c…", "API key comfyui-ab12…")
    usage: UsageRecord | None = None


def _by_email(text: str) -> list[Match]:
    users = User.objects.filter(email__icontains=text).order_by("email")[:LIMIT]
    return [Match(user, f"e-mail {user.email}") for user in users]


def _by_key(text: str) -> list[Match]:
    prefix = text.removeprefix(KEY_PREFIX).rstrip(".…")[:LOOKUP_PREFIX_LENGTH]
    if len(prefix) < MIN_PREFIX:
        return []
    keys = ApiKey.objects.filter(prefix__startswith=prefix).select_related("user")[:LIMIT]
    return [Match(key.user, f"API key {key.name} ({KEY_PREFIX}{key.prefix}…)") for key in keys]


def _by_stripe(text: str) -> list[Match]:
    intents = set(
        ChargeState.objects.filter(Q(charge_id=text) | Q(dispute_id=text)).values_list(
            "payment_intent_id", flat=True
        )
    )
    purchases = Purchase.objects.filter(
        Q(checkout_session_id=text) | Q(payment_intent_id=text) | Q(payment_intent_id__in=intents)
    ).select_related("user")[:LIMIT]
    return [Match(p.user, f"purchase {p.public_id} ({p.get_status_display()})") for p in purchases]


def _usage_matches(rows: list[UsageRecord], what: str) -> list[Match]:
    return [Match(row.user, f"{what} → usage {row.public_id}", usage=row) for row in rows]


def _by_prompt(text: str) -> list[Match]:
    rows = UsageRecord.objects.filter(comfy_job_id=text).select_related("user").order_by("-created_at")
    return _usage_matches(list(rows[:LIMIT]), f"ComfyUI prompt {text}")


def _by_usage(text: str) -> list[Match]:
    try:
        public_id = uuid.UUID(text)
    except ValueError:
        return []
    rows = UsageRecord.objects.filter(public_id=public_id).select_related("user")
    return _usage_matches(list(rows), "usage id")


def _by_session(text: str) -> list[Match]:
    owner = adapters.hosted_session_owner(text)
    return [Match(owner, f"hosted session {text}")] if owner is not None else []


_FINDERS: dict[str, Callable[[str], list[Match]]] = {
    "email": _by_email,
    "key": _by_key,
    "stripe": _by_stripe,
    "prompt": _by_prompt,
    "usage": _by_usage,
    "session": _by_session,
}
_STRIPE_PREFIXES = ("cs_", "pi_", "ch_", "py_", "dp_", "du_")


def _guess(text: str) -> tuple[str, ...]:
    if "@" in text:
        return ("email",)
    if text.startswith(KEY_PREFIX):
        return ("key",)
    if text.startswith(_STRIPE_PREFIXES):
        return ("stripe",)
    # A UUID may be a usage id or a ComfyUI prompt id (ComfyUI's prompt ids are UUIDs too).
    return ("usage", "prompt", "session", "key", "email")


def user_search(*, text: str, kind: str = "auto") -> list[Match]:
    """Matches for `text`, first kind first, each user once per thing matched."""
    text = text.strip()
    if not text or len(text) > 300:
        return []
    kinds = _guess(text) if kind == "auto" else (kind,)
    matches: list[Match] = []
    for each in kinds:
        matches.extend(_FINDERS[each](text))
    return matches[:LIMIT]
