"""quality.md §4 across the account and payment APIs: malformed, oversize and hostile input gets a 4xx in
the one error shape and writes nothing (B-01, B-02, B-04, B-09, B-10, B-13), whichever endpoint it hits.

The endpoint modules test their own field rules; this module runs the same hostile bodies, queries and
path segments against every endpoint, so a new endpoint that skips the strict parser shows up here.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.apps import apps
from django.test import Client

from accounts.services.api_keys import api_key_create

pytestmark = pytest.mark.django_db

POST_ENDPOINTS = [
    "/customers",
    "/customers/api-keys",
    "/customers/credit",
    "/customers/billing",
    "/customers/quote",
]
GET_ENDPOINTS = ["/customers/me", "/customers/api-keys", "/customers/balance", "/customers/events"]
WEBHOOK = "/billing/stripe/webhook"

HOSTILE_BODIES: list[tuple[str, bytes, str, int]] = [
    ("oversize", b'{"name": "' + b"x" * (2_621_440 + 10) + b'"}', "application/json", 413),
    ("not utf-8", b'{"name": "\xff\xfe"}', "application/json", 400),
    ("deep nesting", b"[" * 100_000 + b"]" * 100_000, "application/json", 400),
    ("5,000 digits", b'{"amount_micros": ' + b"9" * 5000 + b"}", "application/json", 400),
    ("truncated", b'{"name": "x"', "application/json", 400),
    ("top-level scalar", b"12", "application/json", 400),
    ("NaN", b'{"amount_micros": NaN}', "application/json", 400),
    ("duplicate keys", b'{"name": "a", "name": "b"}', "application/json", 400),
    ("wrong content type", b'{"name": "x"}', "text/plain", 415),
]


def _row_counts() -> dict[str, int]:
    models = [
        model
        for label in ("accounts", "billing", "payments")
        for model in apps.get_app_config(label).get_models()
    ]
    return {model._meta.label: model._default_manager.count() for model in models}


def _assert_error_shape(response: Any, status: int) -> None:
    assert response.status_code == status, response.content[:300]
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) >= {"error", "message", "code"}
    assert body["error"]["type"]
    assert body["error"]["message"] == body["message"]


@pytest.fixture
def key(owner: Any) -> str:
    return api_key_create(user=owner, name="comfyui")[1]


# /customers/billing is usually bodiless: it reads a JSON body only and ignores one of another type.
BODY_CASES = [
    pytest.param(path, raw, content_type, status, id=f"{name}-{path}")
    for path in POST_ENDPOINTS
    for name, raw, content_type, status in HOSTILE_BODIES
    if not (path == "/customers/billing" and content_type != "application/json")
]


@pytest.mark.parametrize(("path", "raw", "content_type", "status"), BODY_CASES)
def test_it_refuses_hostile_bodies_on_every_api_and_writes_nothing(
    key: str, path: str, raw: bytes, content_type: str, status: int
) -> None:
    before = _row_counts()
    response = Client().generic("POST", path, raw, content_type=content_type, HTTP_X_API_KEY=key)
    _assert_error_shape(response, status)
    assert _row_counts() == before


@pytest.mark.parametrize(
    ("raw", "status"),
    [(raw, 413 if name == "oversize" else 400) for name, raw, _, _ in HOSTILE_BODIES],
    ids=[case[0] for case in HOSTILE_BODIES],
)
def test_it_refuses_hostile_webhook_bodies_and_writes_nothing(db: None, raw: bytes, status: int) -> None:
    before = _row_counts()
    response = Client().generic(
        "POST", WEBHOOK, raw, content_type="application/json", HTTP_STRIPE_SIGNATURE="t=1,v1=00"
    )
    _assert_error_shape(response, status)
    assert _row_counts() == before


@pytest.mark.parametrize("path", POST_ENDPOINTS + GET_ENDPOINTS)
def test_it_refuses_callers_without_a_credential_in_the_one_shape(owner: Any, path: str) -> None:
    client = Client()
    client.force_login(owner)  # a browser session is never a credential on these APIs
    before = _row_counts()
    method = "POST" if path in POST_ENDPOINTS and path != "/customers/api-keys" else "GET"
    response = client.generic(method, path, b"{}", content_type="application/json")
    _assert_error_shape(response, 401)
    assert _row_counts() == before


@pytest.mark.parametrize(
    "query",
    [
        "page=%ff",
        "limit=%00",
        "page=99999999999999999999",
        "limit=1e309",
        "page=-1",
        "start_date=%ff%fe",
        "end_date=2026-01-01T00:00:00",
        "filter=%00",
        "filter=" + "a" * 5000,
    ],
)
def test_it_refuses_hostile_event_queries_with_400(key: str, query: str) -> None:
    response = Client().get(f"/customers/events?{query}", HTTP_X_API_KEY=key)
    _assert_error_shape(response, 400)


@pytest.mark.parametrize("key_id", ["..%2f..%2fcustomers", "%00", "x" * 5000, "%ff", "00000000-0000"])
def test_it_answers_hostile_key_ids_with_404_and_revokes_nothing(key: str, key_id: str) -> None:
    before = _row_counts()
    response = Client().delete(f"/customers/api-keys/{key_id}", HTTP_X_API_KEY=key)
    _assert_error_shape(response, 404)
    assert _row_counts() == before
