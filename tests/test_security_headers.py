"""A-14: the security headers every HTML page carries under production settings (quality.md §6 items 2-3).

The production values come from the real settings module (tests.production), replayed into real requests.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.test import Client, override_settings

from tests.conftest import make_user

KEYS = [
    "SECURE_HSTS_SECONDS",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS",
    "SECURE_HSTS_PRELOAD",
    "SECURE_SSL_REDIRECT",
    "SECURE_CONTENT_TYPE_NOSNIFF",
    "SECURE_REFERRER_POLICY",
    "SECURE_CROSS_ORIGIN_OPENER_POLICY",
    "CONTENT_SECURITY_POLICY",
    "X_FRAME_OPTIONS",
]
PUBLIC_PAGES = ["/", "/faq", "/login", "/signup", "/password-reset"]
SIGNED_IN_PAGES = ["/dashboard", "/keys", "/credits", "/settings", "/settings/devices"]


@pytest.fixture(scope="module")
def production() -> dict[str, Any]:
    from tests.production import production_settings

    return production_settings(KEYS, data_dir=Path(settings.DATA_DIR) / "prod-settings")


def _directives(header: str) -> dict[str, str]:
    pairs = (part.strip().partition(" ") for part in header.split(";") if part.strip())
    return {name: value for name, _, value in pairs}


def _assert_secure_headers(response: Any) -> int:
    """The five A-14 headers; returns how many were present (all of them, or it raised)."""
    hsts = dict(part.strip().partition("=")[::2] for part in response["Strict-Transport-Security"].split(";"))
    assert int(hsts["max-age"]) >= 31_536_000
    assert "includeSubDomains" in hsts
    csp = _directives(response["Content-Security-Policy"])
    assert csp["object-src"] == "'none'"
    assert csp["base-uri"] == "'none'"
    assert csp["frame-ancestors"] == "'none'"
    assert "'unsafe-inline'" not in csp["script-src"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] in {"same-origin", "strict-origin-when-cross-origin", "no-referrer"}
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    return 5


def test_production_turns_on_hsts_for_a_year_with_subdomains(production: dict[str, Any]) -> None:
    assert production["SECURE_HSTS_SECONDS"] >= 31_536_000
    assert production["SECURE_HSTS_INCLUDE_SUBDOMAINS"] is True
    assert production["SECURE_SSL_REDIRECT"] is True


@pytest.mark.django_db
@pytest.mark.parametrize("path", PUBLIC_PAGES)
def test_it_sends_all_five_headers_on_public_pages(production: dict[str, Any], path: str) -> None:
    with override_settings(**production):
        response = Client().get(path, secure=True)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    assert _assert_secure_headers(response) == 5


@pytest.mark.django_db
@pytest.mark.parametrize("path", SIGNED_IN_PAGES)
def test_it_sends_all_five_headers_on_signed_in_pages(production: dict[str, Any], path: str) -> None:
    client = Client()
    client.force_login(make_user("headers@example.com"))
    with override_settings(**production):
        response = client.get(path, secure=True)
    assert response.status_code == 200
    assert _assert_secure_headers(response) == 5


@pytest.mark.django_db
def test_it_sends_them_on_the_not_found_page_too(production: dict[str, Any]) -> None:
    with override_settings(**production):
        response = Client().get("/no-such-page", secure=True)
    assert response.status_code == 404
    assert _assert_secure_headers(response) == 5


@pytest.mark.django_db
def test_it_redirects_plain_http_to_https(production: dict[str, Any]) -> None:
    with override_settings(**production):
        response = Client().get("/faq")
    assert response.status_code == 301
    assert response["Location"] == "https://testserver/faq"
