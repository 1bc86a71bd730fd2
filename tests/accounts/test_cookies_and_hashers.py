"""Cookies under production settings (quality.md A-04, §6 item 1) and the password hasher (§6 item 7).

The production values are read from the real settings module (tests.production) and then replayed
into a real sign-in response to check the Set-Cookie headers.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.test import Client, override_settings

from accounts.models import User
from tests.accounts.helpers import PASSWORD
from tests.production import production_settings

KEYS = [
    "SESSION_COOKIE_NAME",
    "SESSION_COOKIE_SECURE",
    "SESSION_COOKIE_HTTPONLY",
    "SESSION_COOKIE_SAMESITE",
    "SESSION_COOKIE_DOMAIN",
    "SESSION_COOKIE_PATH",
    "CSRF_COOKIE_NAME",
    "CSRF_COOKIE_SECURE",
    "CSRF_COOKIE_HTTPONLY",
    "CSRF_COOKIE_SAMESITE",
    "CSRF_COOKIE_DOMAIN",
    "CSRF_COOKIE_PATH",
    "PASSWORD_HASHERS",
]


@pytest.fixture(scope="module")
def production() -> dict[str, Any]:
    return production_settings(KEYS, data_dir=Path(settings.DATA_DIR) / "prod-settings")


def test_production_starts_with_argon2(production: dict[str, Any]) -> None:
    assert production["PASSWORD_HASHERS"][0] == "django.contrib.auth.hashers.Argon2PasswordHasher"
    assert not any("MD5" in hasher for hasher in production["PASSWORD_HASHERS"])


def test_production_cookie_settings(production: dict[str, Any]) -> None:
    assert production["SESSION_COOKIE_NAME"] == "__Host-sessionid"
    assert production["CSRF_COOKIE_NAME"] == "__Host-csrftoken"
    for kind in ("SESSION", "CSRF"):
        assert production[f"{kind}_COOKIE_SECURE"] is True
        assert production[f"{kind}_COOKIE_HTTPONLY"] is True
        assert production[f"{kind}_COOKIE_SAMESITE"] == "Lax"
        assert production[f"{kind}_COOKIE_DOMAIN"] is None
        assert production[f"{kind}_COOKIE_PATH"] == "/"


@pytest.mark.django_db
def test_sign_in_sets_host_prefixed_secure_cookies(production: dict[str, Any], owner: User) -> None:
    cookie_settings = {k: v for k, v in production.items() if k != "PASSWORD_HASHERS"}
    with override_settings(**cookie_settings):
        client = Client()
        page = client.get("/login", secure=True)
        response = client.post("/login", {"email": owner.email, "password": PASSWORD}, secure=True)
    assert response.status_code == 302
    cookies = {**page.cookies, **response.cookies}
    assert {"__Host-sessionid", "__Host-csrftoken"} <= set(cookies)
    for name in ("__Host-sessionid", "__Host-csrftoken"):
        morsel = cookies[name]
        assert morsel["secure"] is True
        assert morsel["httponly"] is True
        assert morsel["samesite"] == "Lax"
        assert morsel["path"] == "/"
        assert morsel["domain"] == ""
    header = response.cookies["__Host-sessionid"].OutputString()
    assert "Secure" in header
    assert "HttpOnly" in header
    assert "Domain" not in header
