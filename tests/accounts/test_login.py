"""Sign-in and sign-out: redirects, `next`, a new session id (quality.md A-03), CSRF, no enumeration."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client

from accounts.models import Device, User
from tests.accounts.helpers import PASSWORD, login, session_key

pytestmark = pytest.mark.django_db


def test_it_signs_in_with_any_case_and_lands_on_the_dashboard(client: Client, owner: User) -> None:
    response = login(client, "  Owner@Example.com")
    assert response.status_code == 302
    assert response["Location"] == "/dashboard"
    assert client.get("/dashboard").status_code == 200


def test_it_issues_a_new_session_id_at_login(client: Client, owner: User) -> None:
    session = client.session
    session["before"] = True
    session.save()
    before = session_key(client)
    assert before
    login(client, owner.email)
    after = session_key(client)
    assert after
    assert after != before
    assert len(after) >= 32  # Django's keys: 32 chars of [a-z0-9], > 128 bits


def test_it_records_the_device_at_login(client: Client, owner: User) -> None:
    login(client, owner.email, HTTP_USER_AGENT="Mozilla/5.0 (X11; Linux x86_64) Chrome/126.0 Safari/537.36")
    device = Device.objects.get(user=owner)
    assert device.session_key == session_key(client)
    assert device.ip_address == "127.0.0.1"
    assert "Chrome" in device.user_agent


def test_it_answers_unknown_address_and_wrong_password_alike(client: Client, owner: User) -> None:
    wrong = login(client, owner.email, "not the password").content.decode()
    unknown = login(client, "nobody@example.com", "not the password").content.decode()
    assert "don&#x27;t match an account" in wrong
    assert "don&#x27;t match an account" in unknown


@pytest.mark.parametrize(
    ("next_url", "expected"),
    [
        ("/settings/devices", "/settings/devices"),
        ("https://evil.example/", "/dashboard"),
        ("//evil.example/", "/dashboard"),
        ("/\\evil.example", "/dashboard"),
        ("javascript:alert(1)", "/dashboard"),
    ],
)
def test_it_follows_next_only_on_this_site(client: Client, owner: User, next_url: str, expected: str) -> None:
    response = client.post(f"/login?next={next_url}", {"email": owner.email, "password": PASSWORD})
    assert response["Location"] == expected


def test_it_says_api_keys_come_after_signing_in(client: Client) -> None:
    # ComfyUI's frontend links here as "Get one here".
    assert "API keys for ComfyUI are created after you sign in" in client.get("/login").content.decode()


def test_it_signs_out_on_post_and_the_old_cookie_is_dead(client: Client, owner: User) -> None:
    login(client, owner.email)
    old = session_key(client)
    assert client.post("/logout").status_code == 302
    stolen = Client()
    stolen.cookies[settings.SESSION_COOKIE_NAME] = old or ""
    assert stolen.get("/dashboard").status_code == 302  # back to /login
    assert Device.objects.get(user=owner).revoked_at is not None


def test_it_does_not_sign_out_on_get(client: Client, owner: User) -> None:
    client.force_login(owner)
    assert client.get("/logout").status_code == 200
    assert client.get("/dashboard").status_code == 200


def test_it_needs_a_csrf_token(owner: User) -> None:
    client = Client(enforce_csrf_checks=True)
    assert login(client, owner.email).status_code == 403
    assert login(client, owner.email, HTTP_X_CSRFTOKEN="wrong-token-" * 3).status_code == 403
    page = client.get("/login")
    token = page.cookies[settings.CSRF_COOKIE_NAME].value
    assert (
        client.post("/login", {"email": owner.email, "password": PASSWORD, "csrfmiddlewaretoken": token})[
            "Location"
        ]
        == "/dashboard"
    )


def test_it_shows_the_verification_banner_to_unverified_users(client: Client, owner: User) -> None:
    owner.email_verified_at = None
    owner.save()
    client.force_login(owner)
    assert (
        "Verify your e-mail to create API keys and buy credits" in client.get("/dashboard").content.decode()
    )


def test_it_shows_no_banner_once_verified(client: Client, owner: User) -> None:
    client.force_login(owner)
    assert "Verify your e-mail to create API keys" not in client.get("/dashboard").content.decode()


def test_it_refuses_a_cross_site_origin_even_with_a_token(owner: User) -> None:
    client = Client(enforce_csrf_checks=True)
    token = client.get("/login").cookies[settings.CSRF_COOKIE_NAME].value
    data = {"email": owner.email, "password": PASSWORD, "csrfmiddlewaretoken": token}
    assert client.post("/login", data, HTTP_ORIGIN="https://evil.example").status_code == 403
    assert client.post("/signup", {**data, "email": "x@example.com"}, HTTP_ORIGIN="null").status_code == 403


def test_it_refuses_a_huge_password_before_checking_it(client: Client, owner: User) -> None:
    response = login(client, owner.email, "x" * 100_000)
    assert response.status_code == 200
    assert "at most 4096 characters" in response.content.decode()
