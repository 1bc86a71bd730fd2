"""Origin rules and CORS (design.md origin table, comfy-contract.md §3.3, §8.5, quality.md A-10)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client

from accounts.admin_keys import AuthorizedOriginForm
from accounts.models import AuthorizedOrigin, Device
from accounts.origins import authorized_origins_cache_clear, origin_classify
from accounts.services.api_keys import api_key_create
from accounts.tokens import token_issue

pytestmark = pytest.mark.django_db

ALLOWED = "https://allowed.example.com"
LOOK_ALIKES = [
    "https://allowed.example.com.evil.com",
    "https://allowed.example.evil.com",
    "https://evil-allowed.example.com",
    "https://evilallowed.example.com",
    "https://sub.allowed.example.com",
    "https://allowed.example.com:8443",
    "https://ALLOWED.example.com",
    "https://allowed.example.com.",
    "http://allowed.example.com",
]
LOOPBACKS = [
    "http://localhost:8188",
    "http://localhost",
    "https://localhost:8443",
    "http://comfy.localhost:8188",
    "http://127.0.0.1:8188",
    "http://127.8.9.10",
    "http://[::1]:8188",
]


@pytest.fixture(autouse=True)
def _authorized(db: None) -> Iterator[None]:
    authorized_origins_cache_clear()
    AuthorizedOrigin.objects.create(origin=ALLOWED)
    yield
    authorized_origins_cache_clear()


@pytest.fixture
def key(owner: Any) -> str:
    return api_key_create(user=owner, name="k")[1]


@pytest.fixture
def token(owner: Any) -> str:
    return token_issue(user=owner, device=Device.objects.create(user=owner, session_key="d" * 32))


def _get(origin: str | None, **headers: str) -> Any:
    if origin is not None:
        headers["Origin"] = origin
    return Client().get("/customers/api-keys", headers=headers)


def _preflight(origin: str, path: str = "/customers") -> Any:
    return Client().options(
        path,
        headers={
            "Origin": origin,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "x-api-key, content-type",
        },
    )


def _assert_cors(response: Any, origin: str) -> None:
    assert response["Access-Control-Allow-Origin"] == origin
    assert "Access-Control-Allow-Credentials" not in response
    assert "Origin" in response["Vary"]


def _assert_no_cors(response: Any) -> None:
    assert "Access-Control-Allow-Origin" not in response


# --- Classification ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("origin", "kind"),
    [
        (None, "none"),
        ("https://platform.example", "same"),
        *[(o, "loopback") for o in LOOPBACKS],
        (ALLOWED, "authorized"),
        ("https://comfy.example.org", "other_https"),
        *[(o, "other_https") for o in LOOK_ALIKES if o.startswith("https://") and not o.endswith(".")],
        ("http://192.168.1.20:8188", "insecure"),
        ("http://comfy.lan", "insecure"),
        ("http://localhost.evil.com", "insecure"),
        ("http://127.0.0.1.nip.io", "insecure"),
        ("null", "refused"),
        ("https://allowed.example.com/", "refused"),
        ("https://user@allowed.example.com", "refused"),
        ("file://", "refused"),
        ("ftp://allowed.example.com", "refused"),
        ("https://allowed.example.com:99999", "refused"),
        ("", "refused"),
    ],
)
def test_it_classifies_origins(origin: str | None, kind: str) -> None:
    own = {"https://platform.example"}
    assert origin_classify(origin, own=own, authorized=lambda: frozenset({ALLOWED})) == kind


# --- The matrix: which credential works from where -----------------------------------------------------


def test_it_accepts_any_credential_without_an_origin(key: str, token: str) -> None:
    assert _get(None, X_API_KEY=key).status_code == 200
    assert _get(None, Authorization=f"Bearer {token}").status_code == 200


@pytest.mark.parametrize("origin", LOOPBACKS)
def test_it_accepts_any_credential_from_loopback(origin: str, key: str, token: str) -> None:
    for headers in ({"X_API_KEY": key}, {"Authorization": f"Bearer {token}"}):
        response = _get(origin, **headers)
        assert response.status_code == 200
        _assert_cors(response, origin)


def test_it_accepts_any_credential_from_an_authorized_https_origin(key: str, token: str) -> None:
    for headers in ({"X_API_KEY": key}, {"Authorization": f"Bearer {token}"}):
        response = _get(ALLOWED, **headers)
        assert response.status_code == 200
        _assert_cors(response, ALLOWED)


@pytest.mark.parametrize("origin", ["https://comfy.example.org", *LOOK_ALIKES[:6]])
def test_it_accepts_only_api_keys_from_other_https_origins(origin: str, key: str, token: str) -> None:
    by_key = _get(origin, X_API_KEY=key)
    assert by_key.status_code == 200
    _assert_cors(by_key, origin)
    by_token = _get(origin, Authorization=f"Bearer {token}")
    assert by_token.status_code == 403
    body = by_token.json()
    assert body["error"]["type"] == "origin_not_authorized"
    assert "API key" in body["message"]
    _assert_cors(by_token, origin)


@pytest.mark.parametrize(
    "origin", ["http://192.168.1.20:8188", "http://comfy.lan", "http://allowed.example.com"]
)
def test_it_refuses_plain_http_lan_origins_with_a_readable_reason(origin: str, key: str, token: str) -> None:
    for headers in ({"X_API_KEY": key}, {"Authorization": f"Bearer {token}"}, {}):
        response = _get(origin, **headers)
        assert response.status_code == 403
        body = response.json()
        assert (body["error"]["type"], body["code"]) == ("insecure_origin", "INSECURE_ORIGIN")
        assert "https" in body["message"]
        assert "localhost" in body["message"]
        # Readable by the page, so the user learns what to do instead of seeing a network error.
        _assert_cors(response, origin)


@pytest.mark.parametrize("origin", ["null", "https://allowed.example.com/path", "garbage"])
def test_it_refuses_null_and_malformed_origins_without_cors(origin: str, key: str) -> None:
    response = _get(origin, X_API_KEY=key)
    assert response.status_code == 403
    assert response.json()["error"]["type"] == "origin_not_allowed"
    _assert_no_cors(response)


def test_it_refuses_a_token_from_a_look_alike_of_an_authorized_origin(token: str) -> None:
    for origin in LOOK_ALIKES:
        response = _get(origin, Authorization=f"Bearer {token}")
        assert response.status_code == 403, origin
        assert response.get("Access-Control-Allow-Origin") != ALLOWED


# --- Preflights ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/customers", "/customers/api-keys", "/customers/api-keys/x", "/releases"])
@pytest.mark.parametrize("origin", [ALLOWED, "http://localhost:8188", "https://comfy.example.org"])
def test_it_answers_preflights_for_allowed_origins(origin: str, path: str) -> None:
    response = _preflight(origin, path)
    assert response.status_code == 204
    _assert_cors(response, origin)
    assert response["Access-Control-Allow-Methods"] == "GET, POST, DELETE, OPTIONS"
    allowed = {h.strip() for h in response["Access-Control-Allow-Headers"].split(",")}
    assert {"Authorization", "X-API-KEY", "Content-Type", "Comfy-Env", "Idempotency-Key"} <= allowed
    assert response["Access-Control-Max-Age"] == "600"


def test_it_never_answers_a_preflight_with_a_wildcard_or_for_null() -> None:
    for origin in [ALLOWED, "https://comfy.example.org", "http://localhost:8188", "null"]:
        response = _preflight(origin)
        assert response.get("Access-Control-Allow-Origin") in {origin, None}
        assert response.get("Access-Control-Allow-Origin") != "*"
    refused = _preflight("null")
    assert refused.status_code == 403
    _assert_no_cors(refused)


def test_it_echoes_only_the_exact_origin_for_look_alikes() -> None:
    for origin in LOOK_ALIKES[:6]:
        assert _preflight(origin)["Access-Control-Allow-Origin"] == origin


# --- CORS on errors ------------------------------------------------------------------------------------


@pytest.mark.parametrize("origin", [ALLOWED, "http://127.0.0.1:8188"])
def test_it_puts_cors_headers_on_401_404_409_and_413(origin: str, owner: Any, key: str) -> None:
    client = Client(headers={"Origin": origin})
    unauthorized = client.get("/customers/me")
    assert unauthorized.status_code == 401
    _assert_cors(unauthorized, origin)
    missing = client.delete("/customers/api-keys/nope", headers={"X-API-KEY": key})
    assert missing.status_code == 404
    _assert_cors(missing, origin)
    no_customer = client.get("/customers/me", headers={"X-API-KEY": key})
    assert (no_customer.status_code, no_customer.json()["message"]) == (409, "Failed to find customer")
    _assert_cors(no_customer, origin)
    too_big = client.generic(
        "POST",
        "/customers/api-keys",
        b"x" * 2_700_000,
        content_type="application/json",
        headers={"X-API-KEY": key},
    )
    assert too_big.status_code == 413
    _assert_cors(too_big, origin)
    unknown = client.get("/customers/no-such-route")
    assert unknown.status_code == 404
    _assert_cors(unknown, origin)


def test_it_leaves_pages_outside_the_api_alone() -> None:
    response = Client().get("/health", headers={"Origin": "http://192.168.1.20:8188"})
    assert response.status_code == 200
    _assert_no_cors(response)


def test_it_sees_a_newly_authorized_origin_without_a_restart(token: str) -> None:
    origin = "https://new.example.com"
    assert _get(origin, Authorization=f"Bearer {token}").status_code == 403
    AuthorizedOrigin.objects.create(origin=origin)
    assert _get(origin, Authorization=f"Bearer {token}").status_code == 200


# --- Admin validation of authorized origins ------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "valid"),
    [
        ("https://comfy.example.com", True),
        ("https://comfy.example.com:8443", True),
        ("https://[2001:db8::1]:8443", True),
        ("http://comfy.example.com", False),
        ("https://comfy.example.com/", False),
        ("https://comfy.example.com/path", False),
        ("https://Comfy.Example.com", False),
        ("https://comfy.example.com:443", False),
        ("https://comfy.example.com.", False),
        ("https://user@comfy.example.com", False),
        ("https://*.example.com", False),
        ("https://comfy.example.com\t/x", False),
        ("comfy.example.com", False),
        ("null", False),
    ],
)
def test_it_validates_authorized_origins_in_the_admin(value: str, valid: bool) -> None:
    form = AuthorizedOriginForm(data={"origin": value, "note": ""})
    assert form.is_valid() is valid, form.errors


def test_it_stores_authorized_origins_without_surrounding_spaces() -> None:
    form = AuthorizedOriginForm(data={"origin": "  https://comfy.example.com ", "note": ""})
    assert form.is_valid()
    assert form.cleaned_data["origin"] == "https://comfy.example.com"


# --- Async views (the /proxy engine) -------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_it_applies_the_policy_around_async_views(key: str) -> None:
    from asgiref.sync import async_to_sync
    from django.http import HttpRequest, HttpResponse, JsonResponse
    from django.test import RequestFactory

    from accounts.origins import OriginPolicyMiddleware

    async def view(request: HttpRequest) -> HttpResponse:
        return JsonResponse({"ok": True})

    middleware = OriginPolicyMiddleware(view)
    rf = RequestFactory()
    allowed = async_to_sync(middleware)(rf.get("/proxy/bfl/x", headers={"Origin": ALLOWED}))
    assert allowed.status_code == 200
    _assert_cors(allowed, ALLOWED)
    insecure = async_to_sync(middleware)(rf.get("/proxy/bfl/x", headers={"Origin": "http://10.0.0.5:8188"}))
    assert insecure.status_code == 403
    preflight = async_to_sync(middleware)(
        rf.options("/proxy/bfl/x", headers={"Origin": "http://localhost:8188"})
    )
    assert preflight.status_code == 204
    _assert_cors(preflight, "http://localhost:8188")


@pytest.mark.django_db(transaction=True)
def test_it_serves_cors_through_the_asgi_stack(key: str) -> None:
    from asgiref.sync import async_to_sync
    from django.test import AsyncClient

    get = async_to_sync(AsyncClient().get)
    response = get("/customers/api-keys", headers={"Origin": ALLOWED, "X-API-KEY": key})
    assert response.status_code == 200
    _assert_cors(response, ALLOWED)
