"""The customer event feed behind `GET /customers/events` (comfy-contract.md §8.4)."""

from __future__ import annotations

from typing import Any

from accounts.models import User
from billing.models import CustomerEvent
from billing.services._common import busy_means_retry
from comfyweb.sql import insert_or_conflict, insert_row


def event_insert(
    *, user_id: int, event_type: str, params: dict[str, Any], key: str | None = None
) -> CustomerEvent:
    event = CustomerEvent(user_id=user_id, event_type=event_type, params=params, key=key)
    if key is None:
        insert_row(event)  # plain SQL: this runs once per /proxy call
        return event
    if insert_or_conflict(event):
        return event
    return CustomerEvent.objects.get(key=key)


@busy_means_retry
def customer_event_record(
    *, user: User, event_type: str, params: dict[str, Any], key: str | None = None
) -> CustomerEvent:
    """Append an event; with a `key`, at most once (a repeat returns the first event)."""
    return event_insert(user_id=user.pk, event_type=event_type, params=params, key=key)
