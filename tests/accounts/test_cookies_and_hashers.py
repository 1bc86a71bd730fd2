"""Cookies under production settings (quality.md A-04, §6 item 1) and the password hasher (§6 item 7).

The production values are read from the real settings module, imported in a subprocess with
COMFYWEB_ENV=production, and then replayed into a real sign-in response to check the Set-Cookie headers.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.test import Client, override_settings

from accounts.models import User
from tests.accounts.helpers import PASSWORD

ROOT = Path(__file__).resolve().parents[2]
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
PRODUCTION_ENV = {
    "COMFYWEB_ENV": "production",
    "DEBUG": "0",
    "SECRET_KEY": "test-only-dummy-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz",
    "ALLOWED_HOSTS": "comfyweb.example.com",
    "PUBLIC_BASE_URL": "https://comfyweb.example.com",
    "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/comfyweb",
    "REDIS_URL": "redis://127.0.0.1:6379/0",
    "STRIPE_SECRET_KEY": "sk_test_dummy",
    "STRIPE_WEBHOOK_SECRET": "whsec_dummy",
}


@pytest.fixture(scope="module")
def production() -> dict[str, Any]:
    # The module's own defaults (e.g. SESSION_COOKIE_DOMAIN) come from django.conf.global_settings.
    script = (
        "import json, comfyweb.settings as s; from django.conf import global_settings as g;"
        f"print(json.dumps({{k: getattr(s, k, getattr(g, k, None)) for k in {KEYS!r}}}))"
    )
    env = {
        **os.environ,
        **PRODUCTION_ENV,
        "COMFYWEB_DATA_DIR": str(Path(settings.DATA_DIR) / "prod-settings"),
    }
    done = subprocess.run(  # noqa: S603 - our own interpreter and a fixed script
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


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
