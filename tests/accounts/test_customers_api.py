"""The `/customers` API (comfy-contract.md §8.1 #1, #6-#9, #11), outsiders and bad input (quality.md §4)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from accounts.models import ApiKey, User
from accounts.services.api_keys import api_key_create
from comfyweb.times import rfc3339

pytestmark = pytest.mark.django_db


def _client(user: Any) -> tuple[Client, str]:
    _, plaintext = api_key_create(user=user, name="ComfyUI")
    return Client(headers={"X-API-KEY": plaintext}), plaintext


def _assert_error_shape(response: Any, status: int, error_type: str | None = None) -> dict[str, Any]:
    assert response.status_code == status, response.content[:300]
    body: dict[str, Any] = response.json()
    assert isinstance(body["error"], dict)
    assert body["message"] == body["error"]["message"]
    assert body["code"] == body["error"]["type"].upper()
    if error_type is not None:
        assert body["error"]["type"] == error_type
    return body


# --- POST /customers, GET /customers/me ----------------------------------------------------------------


def test_it_creates_the_customer_once_then_answers_200(owner: Any) -> None:
    client, _ = _client(owner)
    first = client.post("/customers", {"signup_source": "localhost"}, content_type="application/json")
    second = client.post("/customers", {"signup_source": "localhost"}, content_type="application/json")
    assert (first.status_code, second.status_code) == (201, 200)
    body = second.json()
    assert body == first.json()
    assert body["id"] == str(owner.public_id)
    assert (body["email"], body["name"], body["is_admin"]) == ("owner@example.com", "Olive Owner", False)
    assert isinstance(body["has_fund"], bool)
    assert body["createdAt"].endswith("Z")
    assert body["updatedAt"].endswith("Z")


def test_it_reports_has_fund_once_the_wallet_holds_credits(owner: Any) -> None:
    from billing.selectors import wallet_get_for_user
    from billing.services import credits_purchase

    client, _ = _client(owner)
    assert client.post("/customers", content_type="application/json").json()["has_fund"] is False
    credits_purchase(
        wallet=wallet_get_for_user(user=owner),
        amount_micros=5_000_000,
        payment_reference="cs_test_1",
        source="sandbox",
        key="purchase-1",
    )
    assert client.get("/customers/me").json()["has_fund"] is True


def test_it_accepts_a_bodiless_post_and_a_turnstile_token(owner: Any) -> None:
    client, _ = _client(owner)
    assert client.generic("POST", "/customers", b"").status_code == 201  # no body, no content type
    assert client.post("/customers", content_type="application/json").status_code == 200
    response = client.post(
        "/customers", {"signup_source": "desktop", "turnstile_token": "t"}, content_type="application/json"
    )
    assert response.status_code == 200


def test_it_answers_me_with_failed_to_find_customer_before_the_first_post(owner: Any) -> None:
    client, _ = _client(owner)
    body = _assert_error_shape(client.get("/customers/me"), 409, "customer_not_found")
    assert body["message"] == "Failed to find customer"
    assert body["code"] == "CUSTOMER_NOT_FOUND"
    client.post("/customers", content_type="application/json")
    response = client.get("/customers/me")
    assert response.status_code == 200
    assert response.json()["id"] == str(owner.public_id)


def test_it_refuses_customers_without_a_credential(owner: Any) -> None:
    _assert_error_shape(Client().post("/customers", content_type="application/json"), 401, "unauthorized")
    _assert_error_shape(Client().get("/customers/me"), 401, "unauthorized")
    owner.refresh_from_db()
    assert owner.customer_created_at is None


# --- /customers/api-keys -------------------------------------------------------------------------------


def test_it_creates_a_key_and_shows_the_plaintext_only_in_that_reply(owner: Any) -> None:
    client, _ = _client(owner)
    response = client.post(
        "/customers/api-keys", {"name": "Laptop", "description": "travel"}, content_type="application/json"
    )
    assert response.status_code == 201
    created = response.json()["api_key"]
    fields = {"id", "name", "description", "key_prefix", "created_at", "expires_at", "spend_limit_micros"}
    assert set(created) == fields | {"plaintext_key"}
    assert (created["expires_at"], created["spend_limit_micros"]) == (None, None)
    plaintext = created["plaintext_key"]
    assert plaintext.startswith("comfyui-")
    assert len(plaintext) == 72
    assert created["key_prefix"] == plaintext[:20]
    listing = client.get("/customers/api-keys")
    assert plaintext not in listing.content.decode()
    assert Client(headers={"X-API-KEY": plaintext}).get("/customers/api-keys").status_code == 200


def test_it_creates_a_key_with_an_expiry_and_a_spending_limit(owner: Any) -> None:
    client, _ = _client(owner)
    body = {"name": "Render farm", "expires_in_days": 30, "spend_limit_micros": 12_500_000}
    response = client.post("/customers/api-keys", body, content_type="application/json")
    assert response.status_code == 201
    created = response.json()["api_key"]
    assert created["spend_limit_micros"] == 12_500_000
    key = ApiKey.objects.get(public_id=created["id"])
    assert key.spend_limit_micros == 12_500_000
    assert key.expires_at is not None
    assert 29.9 < (key.expires_at - timezone.now()).total_seconds() / 86400 <= 30
    assert created["expires_at"] == rfc3339(key.expires_at)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("expires_in_days", 0),
        ("expires_in_days", 3651),
        ("expires_in_days", "30"),
        ("expires_in_days", 1.5),
        ("expires_in_days", True),
        ("spend_limit_micros", 9_999),
        ("spend_limit_micros", 100_000_000_001),
        ("spend_limit_micros", "12500000"),
        ("spend_limit_micros", None),
    ],
)
def test_it_refuses_a_bad_expiry_or_limit_and_creates_nothing(owner: Any, field: str, value: Any) -> None:
    client, _ = _client(owner)
    before = ApiKey.objects.filter(user=owner).count()
    response = client.post(
        "/customers/api-keys", {"name": "x", field: value}, content_type="application/json"
    )
    _assert_error_shape(response, 400)
    assert field in response.json()["error"]["message"]
    assert ApiKey.objects.filter(user=owner).count() == before


def test_it_lists_only_the_callers_live_keys(owner: Any, outsider: Any) -> None:
    client, _ = _client(owner)
    revoked, _ = api_key_create(user=owner, name="old")
    client.delete(f"/customers/api-keys/{revoked.public_id}")
    api_key_create(user=outsider, name="not yours")
    response = client.get("/customers/api-keys")
    assert response.status_code == 200
    keys = response.json()["api_keys"]
    assert [key["name"] for key in keys] == ["ComfyUI"]
    assert set(keys[0]) == {
        "id",
        "name",
        "description",
        "key_prefix",
        "created_at",
        "expires_at",
        "spend_limit_micros",
    }


def test_it_revokes_a_key_with_204_and_the_key_stops_at_once(owner: Any) -> None:
    client, _ = _client(owner)
    victim, victim_plaintext = api_key_create(user=owner, name="to revoke")
    response = client.delete(f"/customers/api-keys/{victim.public_id}")
    assert response.status_code == 204
    assert response.content == b""
    _assert_error_shape(Client(headers={"X-API-KEY": victim_plaintext}).get("/customers/me"), 401)


def test_it_refuses_an_outsider_listing_using_or_revoking_someone_elses_keys(
    owner: Any, outsider: Any
) -> None:
    owners_key, owners_plaintext = api_key_create(user=owner, name="owner's")
    outsider_client, _ = _client(outsider)
    listing = outsider_client.get("/customers/api-keys").json()["api_keys"]
    assert str(owners_key.public_id) not in str(listing)
    _assert_error_shape(
        outsider_client.delete(f"/customers/api-keys/{owners_key.public_id}"), 404, "not_found"
    )
    owners_key.refresh_from_db()
    assert owners_key.revoked_at is None
    assert Client(headers={"X-API-KEY": owners_plaintext}).get("/customers/api-keys").status_code == 200


@pytest.mark.parametrize("key_id", ["3f1c2a9e-6b1d-4f7a-9c55-0d6e8f1b2a34", "not-a-uuid", "1", "%00"])
def test_it_answers_unknown_key_ids_with_404(owner: Any, key_id: str) -> None:
    client, _ = _client(owner)
    _assert_error_shape(client.delete(f"/customers/api-keys/{key_id}"), 404)
    assert ApiKey.objects.filter(revoked_at__isnull=False).count() == 0


def test_it_refuses_key_creation_for_unverified_users(owner: Any) -> None:
    client, _ = _client(owner)
    User.objects.filter(pk=owner.pk).update(email_verified_at=None)
    body = _assert_error_shape(
        client.post("/customers/api-keys", {"name": "x"}, content_type="application/json"), 403
    )
    assert "e-mail" in body["message"]
    assert ApiKey.objects.count() == 1


def test_it_answers_the_key_limit_with_409(owner: Any) -> None:
    client, _ = _client(owner)
    for n in range(24):
        api_key_create(user=owner, name=f"k{n}")
    response = client.post("/customers/api-keys", {"name": "26th"}, content_type="application/json")
    _assert_error_shape(response, 409, "key_limit_reached")
    assert ApiKey.objects.filter(user=owner).count() == 25


def test_it_answers_releases_with_an_empty_list_without_auth(db: None) -> None:
    response = Client().get("/releases?project=comfyui&current_version=1.2&form_factor=git-windows&locale=en")
    assert response.status_code == 200
    assert response.json() == []


@pytest.mark.parametrize(
    ("method", "path"),
    [("put", "/customers"), ("get", "/customers"), ("patch", "/customers/api-keys"), ("post", "/releases")],
)
def test_it_answers_wrong_methods_with_405_in_the_error_shape(owner: Any, method: str, path: str) -> None:
    client, _ = _client(owner)
    response = getattr(client, method)(path)
    _assert_error_shape(response, 405)


# --- Bad input: 4xx in the one shape and nothing written -----------------------------------------------

BAD_BODIES: list[tuple[bytes, str, int]] = [
    (b'{"name": "x"', "application/json", 400),  # truncated
    (b'{"name": "x",}', "application/json", 400),  # trailing comma
    (b"{'name': 'x'}", "application/json", 400),  # single quotes
    (b"\xef\xbb\xbf{}", "application/json", 400),  # BOM
    (b'"just a string"', "application/json", 400),  # top-level scalar
    (b'["name"]', "application/json", 400),  # array
    (b"[" * 100_000 + b"]" * 100_000, "application/json", 400),  # deep nesting
    (b'{"name": NaN}', "application/json", 400),
    (b'{"name": Infinity}', "application/json", 400),
    (b'{"name": "a", "name": "b"}', "application/json", 400),  # duplicate keys
    (b'{"name": 12}', "application/json", 400),  # wrong type
    (b'{"name": ["x"]}', "application/json", 400),
    (b'{"name": {"x": 1}}', "application/json", 400),
    (b'{"name": null}', "application/json", 400),
    (b'{"name": true}', "application/json", 400),
    (b'{"name": "x", "description": 5}', "application/json", 400),
    (b'{"name": "x", "scopes": ["admin"]}', "application/json", 400),  # unknown field
    (b'{"name": "x", "user_id": 1}', "application/json", 400),
    (b'{"name": "x", "n": 1e309}', "application/json", 400),
    (b'{"name": "' + b"x" * 200 + b'"}', "application/json", 400),  # too long
    (b'{"name": "\xff\xfe"}', "application/json", 400),  # not UTF-8
    (b"", "application/json", 400),  # empty: name missing
    (b'{"name": "x"}', "text/plain", 415),
    (b"name=x", "application/x-www-form-urlencoded", 415),
    (b'{"name": "' + b"x" * (2_621_440 + 10) + b'"}', "application/json", 413),  # > 2.5 MB
    (b'{"name": "' + b"x" * 10_000_000 + b'"}', "application/json", 413),  # 10 MB string
]


@pytest.mark.parametrize(("body", "content_type", "status"), BAD_BODIES, ids=range(len(BAD_BODIES)))
def test_it_refuses_bad_key_bodies_and_writes_nothing(
    owner: Any, body: bytes, content_type: str, status: int
) -> None:
    client, _ = _client(owner)
    before = ApiKey.objects.count()
    response = client.generic("POST", "/customers/api-keys", body, content_type=content_type)
    _assert_error_shape(response, status)
    assert ApiKey.objects.count() == before


BAD_CUSTOMER_BODIES: list[tuple[bytes, int]] = [
    (b'{"signup_source": "localhost"', 400),
    (b'{"signup_source": 1}', 400),
    (b'{"signup_source": "a", "signup_source": "b"}', 400),
    (b'{"signup_source": NaN}', 400),
    (b'{"signup_source": "localhost", "is_admin": true}', 400),
    (b'{"email": "evil@example.com"}', 400),
    (b'{"turnstile_token": "' + b"t" * 5000 + b'"}', 400),
    (b"[]", 400),
    (b'{"signup_source": "' + b"x" * 3_000_000 + b'"}', 413),
]


@pytest.mark.parametrize(("body", "status"), BAD_CUSTOMER_BODIES, ids=range(len(BAD_CUSTOMER_BODIES)))
def test_it_refuses_bad_customer_bodies_and_writes_nothing(owner: Any, body: bytes, status: int) -> None:
    client, _ = _client(owner)
    response = client.generic("POST", "/customers", body, content_type="application/json")
    _assert_error_shape(response, status)
    owner.refresh_from_db()
    assert owner.customer_created_at is None
    assert owner.email == "owner@example.com"
