"""Platform bearer tokens and `POST /auth/token` (interfaces.md H1/H2, quality.md A-03, A-11)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.conf import settings
from django.test import Client, RequestFactory
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from accounts.models import Device
from accounts.services.devices import device_revoke
from accounts.tokens import TOKEN_PREFIX, token_issue
from comfyweb.auth import authenticate_request
from comfyweb.errors import ApiError

rf = RequestFactory()
CSRF_SECRET = "a" * 32


def _status(token: str) -> int:
    try:
        authenticate_request(rf.get("/customers/me", headers={"Authorization": f"Bearer {token}"}))
    except ApiError as exc:
        return exc.status
    return 200


def _signed_in(user: Any, *, csrf: bool = True) -> tuple[Client, Device]:
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    session_key = client.session.session_key
    device, _ = Device.objects.get_or_create(session_key=session_key, defaults={"user": user})
    if csrf:
        client.cookies[settings.CSRF_COOKIE_NAME] = CSRF_SECRET
    return client, device


def _post_token(client: Client, **headers: str) -> Any:
    headers.setdefault("X-CSRFToken", CSRF_SECRET)
    return client.post("/auth/token", headers=headers)


@pytest.mark.django_db
def test_it_issues_a_prefixed_token_that_authenticates(owner: Any) -> None:
    device = Device.objects.create(user=owner, session_key="k" * 32)
    token = token_issue(user=owner, device=device)
    assert token.startswith(TOKEN_PREFIX)
    assert _status(token) == 200


@pytest.mark.django_db
def test_it_expires_tokens_after_the_configured_lifetime(owner: Any) -> None:
    assert settings.PLATFORM_TOKEN_TTL_SECONDS <= 3600
    device = Device.objects.create(user=owner, session_key="k" * 32)
    token = token_issue(user=owner, device=device)
    with time_machine.travel(timezone.now() + timedelta(seconds=settings.PLATFORM_TOKEN_TTL_SECONDS - 5)):
        assert _status(token) == 200
    with time_machine.travel(timezone.now() + timedelta(seconds=settings.PLATFORM_TOKEN_TTL_SECONDS + 2)):
        assert _status(token) == 401


@pytest.mark.django_db
def test_it_refuses_the_token_of_a_revoked_device_on_the_next_request(owner: Any) -> None:
    device = Device.objects.create(user=owner, session_key="k" * 32)
    token = token_issue(user=owner, device=device)
    device_revoke(user=owner, device_public_id=device.public_id)
    assert _status(token) == 401


@pytest.mark.django_db
def test_it_refuses_tokens_after_a_password_change(owner: Any) -> None:
    device = Device.objects.create(user=owner, session_key="k" * 32)
    token = token_issue(user=owner, device=device)
    owner.set_password("a completely new passphrase")
    owner.save()
    assert _status(token) == 401


@pytest.mark.django_db
def test_it_refuses_a_token_naming_another_users_device(owner: Any, outsider: Any) -> None:
    outsiders_device = Device.objects.create(user=outsider, session_key="o" * 32)
    owners_device = Device.objects.create(user=owner, session_key="k" * 32)
    assert _status(token_issue(user=owner, device=outsiders_device)) == 401
    assert _status(token_issue(user=owner, device=owners_device)) == 200


@pytest.mark.django_db
def test_it_refuses_a_token_signed_for_another_purpose(owner: Any) -> None:
    from django.core import signing

    device = Device.objects.create(user=owner, session_key="k" * 32)
    payload = {"u": str(owner.public_id), "d": str(device.public_id), "h": owner.get_session_auth_hash()[:20]}
    assert _status(TOKEN_PREFIX + signing.dumps(payload)) == 401  # default salt, not ours


@pytest.mark.django_db
def test_it_hands_a_token_to_the_signed_in_browser(owner: Any) -> None:
    client, device = _signed_in(owner)
    ttl = timedelta(seconds=settings.PLATFORM_TOKEN_TTL_SECONDS)
    before = timezone.now().replace(microsecond=0)
    response = _post_token(client)
    after = timezone.now()
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"token", "expires_at"}
    assert "no-store" in response["Cache-Control"]
    expires_at = parse_datetime(body["expires_at"])
    assert expires_at is not None
    assert before + ttl <= expires_at <= after + ttl
    principal = authenticate_request(rf.get("/x", headers={"Authorization": f"Bearer {body['token']}"}))
    assert (principal.user, principal.device) == (owner, device)


@pytest.mark.django_db
def test_it_refuses_a_token_without_a_session(db: None) -> None:
    client = Client(enforce_csrf_checks=True)
    client.cookies[settings.CSRF_COOKIE_NAME] = CSRF_SECRET
    response = _post_token(client)
    assert response.status_code == 401
    assert response.json()["error"]["type"] == "unauthorized"


@pytest.mark.django_db
def test_it_refuses_a_token_without_the_csrf_token(owner: Any) -> None:
    client, _ = _signed_in(owner, csrf=False)
    response = client.post("/auth/token")
    assert response.status_code == 403
    assert "error" in response.json()


@pytest.mark.django_db
def test_it_refuses_a_cross_site_token_request(owner: Any) -> None:
    client, _ = _signed_in(owner)
    response = _post_token(client, **{"Sec-Fetch-Site": "cross-site"})
    assert response.status_code == 403


@pytest.mark.django_db
def test_it_refuses_a_token_request_from_another_origin(owner: Any) -> None:
    client, _ = _signed_in(owner)
    response = _post_token(client, Origin="https://evil.example.com")
    assert response.status_code == 403
    assert response.json()["error"]["message"]


@pytest.mark.django_db
def test_it_refuses_a_token_for_a_signed_out_browser(owner: Any) -> None:
    client, device = _signed_in(owner)
    Device.objects.filter(pk=device.pk).update(revoked_at=timezone.now())
    assert _post_token(client).status_code == 401


@pytest.mark.django_db
def test_it_answers_get_on_the_token_endpoint_with_405(owner: Any) -> None:
    client, _ = _signed_in(owner)
    response = client.get("/auth/token")
    assert response.status_code == 405
    assert response.json()["error"]["type"] == "method_not_allowed"
