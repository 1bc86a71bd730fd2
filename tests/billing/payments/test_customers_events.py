"""GET /customers/events: the user's own events, newest first, paged as comfy-contract.md §8.1 #5."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from billing.models import CustomerEvent
from tests.billing.payments.helpers import api_key_for


def _events(user: Any, n: int, base: Any = None) -> None:
    base = base or timezone.now() - timedelta(days=1)
    for i in range(n):
        CustomerEvent.objects.create(
            user=user,
            event_type="credit_added",
            params={"amount": 100 * (i + 1)},
            created_at=base + timedelta(minutes=i),
        )


def test_it_pages_newest_first_in_the_contract_shape(client: Client, owner: Any) -> None:
    CustomerEvent.objects.filter(user=owner).delete()
    _events(owner, 15)
    body = client.get("/customers/events?page=2&limit=7", HTTP_X_API_KEY=api_key_for(owner)).json()
    assert set(body) == {"total", "events", "page", "limit", "totalPages"}
    assert (body["total"], body["page"], body["limit"], body["totalPages"]) == (15, 2, 7, 3)
    assert [e["params"]["amount"] for e in body["events"]] == [800, 700, 600, 500, 400, 300, 200]
    first = body["events"][0]
    assert set(first) == {"event_id", "event_type", "params", "createdAt"}
    assert first["event_type"] == "credit_added"
    assert first["createdAt"].endswith("Z")


def test_it_includes_account_created_and_purchases(client: Client, owner: Any) -> None:
    from tests.billing.support import fund, wallet_of

    fund(wallet_of(owner), 10_000_000)
    body = client.get("/customers/events", HTTP_X_API_KEY=api_key_for(owner)).json()
    types = [e["event_type"] for e in body["events"]]
    assert types[0] == "credit_added"
    assert body["events"][0]["params"]["amount"] == 1000
    assert "account_created" in types


def test_it_never_shows_another_users_events(client: Client, owner: Any, outsider: Any) -> None:
    _events(owner, 5)
    body = client.get("/customers/events?limit=100", HTTP_X_API_KEY=api_key_for(outsider)).json()
    assert all(e["params"].get("amount") is None for e in body["events"])
    assert body["total"] == CustomerEvent.objects.filter(user=outsider).count()
    assert client.get("/customers/events").status_code == 401


@pytest.mark.parametrize(
    "query",
    [
        "page=0",
        "page=-1",
        "page=abc",
        "limit=0",
        "limit=101",
        "limit=7.5",
        "page=%EF%BC%91",
        "limit=" + "9" * 40,
    ],
)
def test_it_refuses_bad_paging_with_400(client: Client, owner: Any, query: str) -> None:
    response = client.get(f"/customers/events?{query}", HTTP_X_API_KEY=api_key_for(owner))
    assert response.status_code == 400
    assert response.json()["error"]["type"] == "invalid_request"


def test_it_filters_by_date_range_and_type(client: Client, owner: Any) -> None:
    CustomerEvent.objects.filter(user=owner).delete()
    base = timezone.now() - timedelta(days=1)
    _events(owner, 10, base)  # one a minute from a day ago
    CustomerEvent.objects.create(user=owner, event_type="api_usage_completed", params={})
    start = (base + timedelta(minutes=3)).isoformat()
    end = (base + timedelta(minutes=5, seconds=30)).isoformat()
    key = api_key_for(owner)
    body = client.get(
        "/customers/events",
        {"start_date": start, "end_date": end, "filter": "credit_added"},
        HTTP_X_API_KEY=key,
    ).json()
    assert [e["params"]["amount"] for e in body["events"]] == [600, 500, 400]
    assert (
        client.get("/customers/events", {"filter": "api_usage_completed"}, HTTP_X_API_KEY=key).json()["total"]
        == 1
    )


@pytest.mark.parametrize(
    "query",
    [
        {"start_date": "yesterday"},
        {"end_date": "2026-01-01T00:00:00"},
        {"filter": "x;drop"},
        {"start_date": "2026-13-01T00:00:00Z"},
    ],
)
def test_it_refuses_bad_date_and_filter_parameters(client: Client, owner: Any, query: dict[str, str]) -> None:
    response = client.get("/customers/events", query, HTTP_X_API_KEY=api_key_for(owner))
    assert response.status_code == 400
    assert response.json()["error"]["type"] == "invalid_request"
