"""Coalesced last_used_at: ≤ 1 write per key per minute (quality.md A-09)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.db import connection
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import ApiKey
from accounts.services.api_keys import api_key_create, api_key_touch
from comfyweb.auth import authenticate_request

rf = RequestFactory()


def _last_used_writes(queries: CaptureQueriesContext) -> int:
    return sum(q["sql"].startswith("UPDATE") and "last_used_at" in q["sql"] for q in queries.captured_queries)


@pytest.mark.django_db
def test_it_writes_last_used_at_at_most_once_per_minute_over_1000_calls(owner: Any) -> None:
    key, plaintext = api_key_create(user=owner, name="k")
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock, CaptureQueriesContext(connection) as queries:
        for call in range(1000):
            # 1,000 calls spread over 100 simulated seconds: the minute boundary is crossed once.
            clock.move_to(start + timedelta(seconds=call / 10))
            authenticate_request(rf.get("/customers/me", headers={"X-API-KEY": plaintext}))
    assert _last_used_writes(queries) == 2
    key.refresh_from_db()
    assert key.last_used_at is not None
    assert key.last_used_at >= start + timedelta(seconds=60)


@pytest.mark.django_db
def test_it_records_last_used_at_through_the_api(owner: Any) -> None:
    key, plaintext = api_key_create(user=owner, name="k")
    assert key.last_used_at is None
    Client().get("/customers/api-keys", headers={"X-API-KEY": plaintext})
    key.refresh_from_db()
    assert key.last_used_at is not None


@pytest.mark.django_db
def test_it_does_not_write_when_another_worker_already_did(owner: Any) -> None:
    """A stale in-memory copy (another worker's view) must not cause a second write."""
    key, _ = api_key_create(user=owner, name="k")
    stale_copy = ApiKey.objects.get(pk=key.pk)
    assert api_key_touch(api_key=key) is True
    assert api_key_touch(api_key=stale_copy) is False
