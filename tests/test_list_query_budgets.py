"""O-06: the list pages and list APIs cost the same number of queries at 10 rows as at 50 (no N+1).

Each case adds rows for one user, warms the page up once (the first request of a session registers its
device, the first use of a key writes last_used_at), counts the queries at 10 rows, adds 40 more and
requires the same count.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from accounts.models import ApiKey
from accounts.services.api_keys import api_key_create, api_key_digest, api_key_generate, api_key_lookup_prefix
from billing.selectors import wallet_get_for_user
from billing.services import credits_reserve, customer_event_record
from tests.billing.support import fund, later

pytestmark = pytest.mark.django_db


def _history_rows(user: Any, count: int) -> None:
    wallet = wallet_get_for_user(user=user)
    for _ in range(count):
        fund(wallet, 2_000_000)
        credits_reserve(wallet=wallet, amount_micros=1_000, expires_at=later(), key=uuid.uuid4().hex)


def _keys(user: Any, count: int) -> None:
    for n in range(count):
        plaintext = api_key_generate()
        ApiKey.objects.create(
            user=user,
            name=f"key {n}",
            prefix=api_key_lookup_prefix(plaintext),
            digest=api_key_digest(plaintext),
        )


def _events(user: Any, count: int) -> None:
    for n in range(count):
        customer_event_record(user=user, event_type="api_usage_completed", params={"n": n})


CASES: dict[str, tuple[str, Callable[[Any, int], None], bool]] = {
    "credits page history": ("/credits", _history_rows, False),
    "keys page": ("/keys", _keys, False),
    "customers events": ("/customers/events?limit=100", _events, True),
    "customers api keys": ("/customers/api-keys", _keys, True),
}


@pytest.mark.parametrize("case", list(CASES))
def test_it_costs_the_same_queries_at_10_and_50_rows(
    case: str, owner: Any, django_assert_num_queries: Any
) -> None:
    path, add_rows, by_api_key = CASES[case]
    client = Client()
    headers: dict[str, str] = {}
    if by_api_key:
        _, plaintext = api_key_create(user=owner, name="budget")
        headers = {"X-API-KEY": plaintext}
    else:
        client.force_login(owner)
    add_rows(owner, 10)
    assert client.get(path, headers=headers).status_code == 200  # warm-up
    with CaptureQueriesContext(connection) as at_10:
        assert client.get(path, headers=headers).status_code == 200
    queries = len(at_10)  # counted now: a later request clears the connection's query log
    add_rows(owner, 40)
    with django_assert_num_queries(queries):
        response = client.get(path, headers=headers)
    assert response.status_code == 200
    if case == "customers events":
        assert len(response.json()["events"]) == 51  # 50 rows and the account_created event
    if case == "customers api keys":
        assert len(response.json()["api_keys"]) == 51
