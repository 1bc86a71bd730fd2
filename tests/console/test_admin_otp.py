"""/admin/ asks for the same second factor as the console (CONSOLE_REQUIRE_OTP, on under the test settings
and always in production): a password session alone opens no admin page."""

from __future__ import annotations

from typing import Any

from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.conftest import make_user
from tests.console.conftest import totp_now


def _operator(db: None) -> Any:
    user = make_user("operator@example.com", is_staff=True, is_superuser=True)
    TOTPDevice.objects.create(user=user, name="admin", confirmed=True)
    return user


def test_it_sends_a_password_only_session_to_the_verify_page(db: None) -> None:
    client = Client()
    client.force_login(_operator(db))
    for path in ("/admin/", "/admin/accounts/user/"):
        reply = client.get(path)
        assert reply.status_code == 302
        assert reply["Location"] == f"/console/verify?next={path}"


def test_it_sends_the_admin_login_page_to_the_verify_page_too(db: None) -> None:
    client = Client()
    client.force_login(_operator(db))
    reply = client.get("/admin/login/")
    assert (reply.status_code, reply["Location"]) == (302, "/console/verify?next=/admin/")


def test_it_opens_the_admin_after_a_valid_code(db: None) -> None:
    operator = _operator(db)
    client = Client()
    client.post("/login", {"email": operator.email, "password": "correct horse battery staple"})
    assert client.get("/admin/").status_code == 302
    token = totp_now(TOTPDevice.objects.get(user=operator))
    reply = client.post("/console/verify", {"token": token, "next": "/admin/accounts/user/"})
    assert (reply.status_code, reply["Location"]) == (302, "/admin/accounts/user/")
    assert client.get("/admin/accounts/user/").status_code == 200


def test_it_refuses_a_verify_next_outside_the_staff_areas(db: None) -> None:
    operator = _operator(db)
    client = Client()
    client.force_login(operator)
    token = totp_now(TOTPDevice.objects.get(user=operator))
    reply = client.post("/console/verify", {"token": token, "next": "//evil.example.com/admin/"})
    assert reply["Location"] == "/console/"


def test_it_lets_a_password_only_session_sign_out(db: None) -> None:
    client = Client()
    client.force_login(_operator(db))
    assert client.post("/admin/logout/").status_code in (200, 302)
    assert "_auth_user_id" not in client.session


def test_it_still_sends_non_staff_to_the_admin_login(owner: Any) -> None:
    client = Client()
    client.force_login(owner)
    reply = client.get("/admin/")
    assert reply.status_code == 302
    assert reply["Location"].startswith("/admin/login/")


def test_the_admin_login_is_the_platform_sign_in_with_its_throttles(db: None) -> None:
    reply = Client().get("/admin/login/?next=/admin/accounts/user/")
    assert (reply.status_code, reply["Location"]) == (302, "/login?next=/admin/accounts/user/")
    # Nothing outside the admin rides on its login page.
    reply = Client().get("/admin/login/?next=//evil.example.com/")
    assert reply["Location"] == "/login?next=/admin/"
    # A POST of Django's own form never checks a password here (no unthrottled way in).
    operator = _operator(db)
    client = Client()
    reply = client.post(
        "/admin/login/", {"username": operator.email, "password": "correct horse battery staple"}
    )
    assert reply.status_code == 302
    assert "_auth_user_id" not in client.session


def test_a_signed_in_user_without_admin_rights_gets_403_not_a_second_login_form(owner: Any) -> None:
    client = Client()
    client.force_login(owner)
    assert client.get("/admin/login/").status_code == 403
