"""comfyweb.auth.authenticate_request: precedence, refusals, revocation (comfy-contract.md §2.2, A-03, A-06,
A-08, A-11)."""

from __future__ import annotations

import base64
import json
import random
import string
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from asgiref.sync import async_to_sync
from django.test import Client, RequestFactory
from django.utils import timezone

from accounts.models import ApiKey, Device
from accounts.services.api_keys import api_key_create, api_key_revoke
from accounts.tokens import token_issue
from comfyweb.auth import Principal, aauthenticate_request, authenticate_request
from comfyweb.errors import ApiError

rf = RequestFactory()


def _device(user: Any, session_key: str = "s" * 32) -> Device:
    return Device.objects.create(user=user, session_key=session_key)


def _auth(**headers: str) -> Principal:
    return authenticate_request(rf.get("/customers/me", headers=headers))


def _refusal(**headers: str) -> ApiError:
    with pytest.raises(ApiError) as caught:
        _auth(**headers)
    return caught.value


def _comfy_org_style_jwt() -> str:
    def part(data: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()

    header = part({"alg": "RS256", "kid": "abc", "typ": "JWT"})
    body = part({"iss": "https://securetoken.google.com/dreamboothy", "aud": "dreamboothy", "sub": "u1"})
    return f"{header}.{body}.c2lnbmF0dXJl"


@pytest.mark.django_db
def test_it_accepts_a_valid_api_key(owner: Any) -> None:
    key, plaintext = api_key_create(user=owner, name="k")
    principal = _auth(X_API_KEY=plaintext)
    assert (principal.user, principal.credential, principal.api_key) == (owner, "api_key", key)


@pytest.mark.django_db
def test_it_accepts_a_platform_token(owner: Any) -> None:
    device = _device(owner)
    principal = _auth(Authorization=f"Bearer {token_issue(user=owner, device=device)}")
    assert (principal.user, principal.credential, principal.device) == (owner, "token", device)


@pytest.mark.django_db
def test_it_refuses_a_request_without_credentials(db: None) -> None:
    error = _refusal()
    assert (error.status, error.error_type) == (401, "unauthorized")


@pytest.mark.django_db
def test_it_lets_the_bearer_token_win_over_the_api_key(owner: Any, teammate: Any) -> None:
    _, teammates_key = api_key_create(user=teammate, name="k")
    token = token_issue(user=owner, device=_device(owner))
    principal = _auth(Authorization=f"Bearer {token}", X_API_KEY=teammates_key)
    assert principal.user == owner


@pytest.mark.django_db
def test_it_refuses_a_foreign_bearer_token_even_with_a_valid_key(owner: Any) -> None:
    """comfy.org's Firebase/Cloud JWT wins precedence on the client; we answer 401, never fall back."""
    _, plaintext = api_key_create(user=owner, name="k")
    error = _refusal(Authorization=f"Bearer {_comfy_org_style_jwt()}", X_API_KEY=plaintext)
    assert (error.status, error.error_type) == (401, "unauthorized")
    assert "comfy.org" in error.message


@pytest.mark.django_db
def test_it_refuses_an_api_key_sent_as_a_bearer_token_with_a_hint(owner: Any) -> None:
    _, plaintext = api_key_create(user=owner, name="k")
    error = _refusal(Authorization=f"Bearer {plaintext}")
    assert error.status == 401
    assert "X-API-KEY" in error.message


@pytest.mark.django_db
@pytest.mark.parametrize("header", ["Basic dXNlcjpwYXNz", "Bearer", "Bearer ", "Token abc", "bearer cwt_x:y"])
def test_it_refuses_other_authorization_schemes_and_garbage(owner: Any, header: str) -> None:
    assert _refusal(Authorization=header).status == 401


@pytest.mark.django_db
def test_it_refuses_a_tampered_platform_token(owner: Any) -> None:
    token = token_issue(user=owner, device=_device(owner))
    tampered = token[:-2] + ("AA" if token[-2:] != "AA" else "BB")
    assert _refusal(Authorization=f"Bearer {tampered}").status == 401


@pytest.mark.django_db
def test_it_refuses_a_revoked_key_on_the_very_next_request(owner: Any) -> None:
    key, plaintext = api_key_create(user=owner, name="k")
    assert _auth(X_API_KEY=plaintext).user == owner
    api_key_revoke(user=owner, key_public_id=key.public_id)
    assert _refusal(X_API_KEY=plaintext).status == 401


@pytest.mark.django_db
def test_it_refuses_an_expired_key(owner: Any) -> None:
    _, plaintext = api_key_create(user=owner, name="k", expires_at=timezone.now() + timedelta(hours=1))
    assert _auth(X_API_KEY=plaintext).user == owner
    with time_machine.travel(timezone.now() + timedelta(hours=1, seconds=1)):
        assert _refusal(X_API_KEY=plaintext).status == 401


@pytest.mark.django_db
def test_it_refuses_keys_and_tokens_of_an_inactive_user(owner: Any) -> None:
    _, plaintext = api_key_create(user=owner, name="k")
    token = token_issue(user=owner, device=_device(owner))
    owner.is_active = False
    owner.save()
    assert _refusal(X_API_KEY=plaintext).status == 401
    assert _refusal(Authorization=f"Bearer {token}").status == 401


@pytest.mark.django_db
def test_it_refuses_a_token_whose_device_row_is_gone(owner: Any) -> None:
    device = _device(owner)
    token = token_issue(user=owner, device=device)
    device.delete()
    assert _refusal(Authorization=f"Bearer {token}").status == 401


def _valid_shaped_key() -> str:
    return "comfyui-" + "A" * 64


MALFORMED_KEYS = [
    "comfyui_" + "A" * 64,  # wrong prefix
    "COMFYUI-" + "A" * 64,
    "sk-" + "A" * 69,
    "comfyui-" + "A" * 63,  # 71 characters
    "comfyui-" + "A" * 65,  # 73 characters
    "comfyui-" + "A" * 63 + "-",  # bad alphabet
    "comfyui-" + "A" * 63 + "é",
    "comfyui-" + "A" * 32 + " " + "A" * 31,  # whitespace inside
    " comfyui-" + "A" * 63,
    "comfyui-" + "A" * 63 + "\t",
    "comfyui-" + "A" * 10_000,
    "x",
]


@pytest.mark.django_db
@pytest.mark.parametrize("key", MALFORMED_KEYS)
def test_it_refuses_malformed_keys_without_touching_the_database(
    owner: Any, key: str, django_assert_num_queries: Any
) -> None:
    request = rf.get("/customers/me")
    request.META["HTTP_X_API_KEY"] = key  # raw: the test client would reject some of these headers
    with django_assert_num_queries(0), pytest.raises(ApiError) as caught:
        authenticate_request(request)
    assert (caught.value.status, caught.value.error_type) == (401, "unauthorized")


@pytest.mark.django_db
def test_it_refuses_a_foreign_jwt_without_touching_the_database(
    owner: Any, django_assert_num_queries: Any
) -> None:
    with django_assert_num_queries(0):
        assert _refusal(Authorization=f"Bearer {_comfy_org_style_jwt()}").status == 401


@pytest.mark.django_db
def test_it_accepts_no_mutation_of_a_valid_key(owner: Any) -> None:
    """A-08 (reduced): 500 single-character mutations of a real key are all refused."""
    _, plaintext = api_key_create(user=owner, name="k")
    rng = random.Random(8)
    alphabet = string.ascii_letters + string.digits
    accepted = 0
    for _ in range(500):
        position = rng.randrange(8, 72)
        replacement = rng.choice(alphabet.replace(plaintext[position], ""))
        mutated = plaintext[:position] + replacement + plaintext[position + 1 :]
        try:
            _auth(X_API_KEY=mutated)
            accepted += 1
        except ApiError:
            pass
    assert accepted == 0


@pytest.mark.django_db
def test_it_ignores_the_session_cookie_on_api_endpoints(owner: Any) -> None:
    """A-11: a signed-in browser's cookie is never an API credential."""
    client = Client()
    client.force_login(owner)
    response = client.get("/customers/me")
    assert response.status_code == 401
    response = client.post("/customers/api-keys", {"name": "x"}, content_type="application/json")
    assert response.status_code == 401
    assert ApiKey.objects.count() == 0


@pytest.mark.django_db(transaction=True)
def test_it_authenticates_from_async_code(owner: Any) -> None:
    _, plaintext = api_key_create(user=owner, name="k")
    token = token_issue(user=owner, device=_device(owner))
    by_key = async_to_sync(aauthenticate_request)(rf.get("/proxy/x", headers={"X-API-KEY": plaintext}))
    by_token = async_to_sync(aauthenticate_request)(
        rf.get("/proxy/x", headers={"Authorization": f"Bearer {token}"})
    )
    assert (by_key.credential, by_token.credential) == ("api_key", "token")
    assert by_key.user.pk == by_token.user.pk == owner.pk
    with pytest.raises(ApiError) as caught:
        async_to_sync(aauthenticate_request)(rf.get("/proxy/x", headers={"X-API-KEY": _valid_shaped_key()}))
    assert caught.value.status == 401
